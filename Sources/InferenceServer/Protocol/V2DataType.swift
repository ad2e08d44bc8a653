import TensorEngine

/// Element types of the V2 protocol ("Tensor Data Types" table of the Open Inference Protocol).
/// Every name in the table parses, so a request with `UINT16` gets "not supported" rather than
/// "unknown datatype"; only the types with a `DType` can become tensors.
public enum V2DataType: String, Sendable, CaseIterable {
    case bool = "BOOL"
    case uint8 = "UINT8"
    case uint16 = "UINT16"
    case uint32 = "UINT32"
    case uint64 = "UINT64"
    case int8 = "INT8"
    case int16 = "INT16"
    case int32 = "INT32"
    case int64 = "INT64"
    case fp16 = "FP16"
    case fp32 = "FP32"
    case fp64 = "FP64"
    case bytes = "BYTES"

    /// The engine type holding this datatype, or nil when Kiln cannot serve it.
    public var dtype: DType? {
        switch self {
        case .bool: .bool
        case .uint8: .uint8
        case .int8: .int8
        case .int32: .int32
        case .int64: .int64
        case .fp16: .float16
        case .fp32: .float32
        case .uint16, .uint32, .uint64, .int16, .fp64, .bytes: nil
        }
    }

    /// The V2 name of an engine type (every `DType` has one).
    public init(_ dtype: DType) {
        switch dtype {
        case .bool: self = .bool
        case .uint8: self = .uint8
        case .int8: self = .int8
        case .int32: self = .int32
        case .int64: self = .int64
        case .float16: self = .fp16
        case .float32: self = .fp32
        }
    }

    /// Bytes per element in the binary extension; nil for BYTES (length-prefixed, variable).
    public var elementSize: Int? {
        switch self {
        case .bool, .uint8, .int8: 1
        case .uint16, .int16, .fp16: 2
        case .uint32, .int32, .fp32: 4
        case .uint64, .int64, .fp64: 8
        case .bytes: nil
        }
    }
}
