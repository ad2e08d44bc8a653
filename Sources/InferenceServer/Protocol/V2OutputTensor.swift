import TensorEngine

/// One output to send back (`$response_output`).
public struct V2OutputTensor: Sendable {
    public var name: String
    public var datatype: V2DataType
    public var shape: [Int]
    public var tensor: Tensor
    /// Send as a binary chunk after the JSON (binary tensor data extension) instead of `data`.
    public var binary: Bool
    /// Extra output parameters; `binary_data_size` is added by the encoder for binary outputs.
    public var parameters: [String: V2Parameter]

    /// `datatype` and `shape` default to the tensor's own.
    public init(name: String, tensor: Tensor, binary: Bool = false, datatype: V2DataType? = nil, shape: [Int]? = nil,
                parameters: [String: V2Parameter] = [:]) {
        self.name = name
        self.tensor = tensor
        self.binary = binary
        self.datatype = datatype ?? V2DataType(tensor.dtype)
        self.shape = shape ?? tensor.shape.dims
        self.parameters = parameters
    }
}
