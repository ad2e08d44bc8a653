/// A decoded `$inference_request` (Open Inference Protocol, HTTP/REST "Inference" section).
public struct V2InferRequest: Sendable {
    public var id: String?
    public var parameters: [String: V2Parameter]
    public var inputs: [V2InferInput]
    /// nil when the request names no outputs: the protocol then means "all outputs".
    public var outputs: [V2RequestedOutput]?

    public init(id: String? = nil, parameters: [String: V2Parameter] = [:], inputs: [V2InferInput], outputs: [V2RequestedOutput]? = nil) {
        self.id = id
        self.parameters = parameters
        self.inputs = inputs
        self.outputs = outputs
    }

    /// The `priority` parameter (Triton parameters extension reserves the name).
    public var priority: Int? { parameters["priority"]?.intValue.map { Int(truncatingIfNeeded: $0) } }

    /// The `timeout` parameter, in microseconds as Triton defines it.
    public var timeoutMicroseconds: Int? { parameters["timeout"]?.intValue.map { Int(truncatingIfNeeded: $0) } }

    /// The request-level `binary_data_output` parameter: every output defaults to binary.
    public var binaryDataOutput: Bool { parameters["binary_data_output"]?.boolValue ?? false }

    /// Whether `output` should be sent as binary: its own `binary_data` wins over the
    /// request-level default (binary tensor data extension, "binary_data_output").
    public func wantsBinary(_ output: String) -> Bool {
        if let o = outputs?.first(where: { $0.name == output }), let b = o.binaryData { return b }
        return binaryDataOutput
    }
}
