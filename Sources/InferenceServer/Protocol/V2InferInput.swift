import TensorEngine

/// One decoded `$request_input`: its metadata plus the tensor its `data` (or binary chunk) filled.
public struct V2InferInput: Sendable {
    public var name: String
    public var datatype: V2DataType
    public var shape: [Int]
    /// The input's `parameters`, including `binary_data_size` when it came as binary.
    public var parameters: [String: V2Parameter]
    /// Row-major contents with `dtype == datatype.dtype` and the same shape.
    public var tensor: Tensor

    public init(name: String, datatype: V2DataType, shape: [Int], parameters: [String: V2Parameter] = [:], tensor: Tensor) {
        self.name = name
        self.datatype = datatype
        self.shape = shape
        self.parameters = parameters
        self.tensor = tensor
    }
}
