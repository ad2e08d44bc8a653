import HTTPCore

/// A handler and where it runs. Socket threads only run `inline` handlers, which must
/// be cheap (health, metrics); anything CPU-bound goes to `compute`, and work that
/// completes later (a batcher, a queue) uses `deferred`.
public enum Handler: Sendable {
    /// Runs on the connection's event loop. For handlers that take microseconds.
    case inline(@Sendable (ServerRequest) throws -> HTTPResponse)
    /// Runs on the fixed compute pool; the response is written back on the event loop.
    case compute(@Sendable (ServerRequest) throws -> HTTPResponse)
    /// The handler keeps the `ResponseWriter` and answers from any thread, exactly once.
    case deferred(@Sendable (ServerRequest, ResponseWriter) -> Void)

    var isInline: Bool { if case .inline = self { true } else { false } }
}

/// A method and a path pattern such as `/v2/models/{name}/versions/{version}/infer`.
public struct Route: Sendable {
    public let method: HTTPMethod
    public let pattern: String
    public let handler: Handler
    let segments: [Segment]

    /// One "/"-separated piece of a pattern.
    enum Segment: Equatable, Sendable {
        case literal(String)
        case parameter(String)
    }

    public init(_ method: HTTPMethod, _ pattern: String, _ handler: Handler) {
        self.method = method
        self.pattern = pattern
        self.handler = handler
        segments = Route.split(pattern).map { part in
            part.hasPrefix("{") && part.hasSuffix("}") ? .parameter(String(part.dropFirst().dropLast())) : .literal(String(part))
        }
    }

    var isStatic: Bool { !segments.contains { if case .parameter = $0 { true } else { false } } }

    static func split(_ path: some StringProtocol) -> [Substring] {
        path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map { Substring($0) }
    }
}

/// Answers a `deferred` request once, from any thread.
public struct ResponseWriter: Sendable {
    private let deliver: @Sendable (HTTPResponse) -> Void
    public init(_ deliver: @escaping @Sendable (HTTPResponse) -> Void) { self.deliver = deliver }
    public func respond(_ response: HTTPResponse) { deliver(response) }
}
