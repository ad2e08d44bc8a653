/// Element types a tensor can hold. Raw values are ONNX `TensorProto.DataType` codes, so
/// conversion and the .kiln format share one numbering. Compute is FP32; the integer types
/// carry indices and shapes; FP16 and INT8 are storage formats for later quantisation.
public enum DType: Int32, Sendable, CaseIterable, Codable, CustomStringConvertible {
    case float32 = 1
    case uint8 = 2
    case int8 = 3
    case int32 = 6
    case int64 = 7
    case bool = 9
    case float16 = 10

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .float32, .int32: 4
        case .int64: 8
        case .float16: 2
        case .uint8, .int8, .bool: 1
        }
    }

    /// The name used in the .kiln header and in KServe V2 (`FP32`, `INT64`, …).
    public var name: String {
        switch self {
        case .float32: "FP32"
        case .uint8: "UINT8"
        case .int8: "INT8"
        case .int32: "INT32"
        case .int64: "INT64"
        case .bool: "BOOL"
        case .float16: "FP16"
        }
    }

    public init?(name: String) {
        guard let match = DType.allCases.first(where: { $0.name == name }) else { return nil }
        self = match
    }

    public var description: String { name }
}
