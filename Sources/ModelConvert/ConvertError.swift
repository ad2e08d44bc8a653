/// Why an ONNX model could not be converted, naming the node or tensor at fault.
public struct ConvertError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
