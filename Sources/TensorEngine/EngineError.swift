/// Why a model could not be loaded or planned, or why inputs were refused. Everything
/// that can go wrong is found here, before any kernel runs; kernels themselves never fail.
public struct EngineError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case unsupportedOperator
        case invalidAttribute
        case invalidGraph
        case shapeMismatch
        case invalidInput
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    static func node(_ node: GraphNode, _ kind: Kind, _ what: String) -> EngineError {
        EngineError(kind, "\(node.op) node '\(node.name)': \(what)")
    }
}
