/// Type conversion between the engine's compute and index types, with ONNX's rules:
/// float → int truncates toward zero, anything → bool is "not zero".
public enum CastKernel {
    public static func cast(_ src: UnsafeRawPointer, from: DType, to dst: UnsafeMutableRawPointer, to: DType, count n: Int) {
        for i in 0..<n {
            let v: Double
            switch from {
            case .float32: v = Double(src.load(fromByteOffset: i * 4, as: Float.self))
            case .int64: v = Double(src.load(fromByteOffset: i * 8, as: Int64.self))
            case .int32: v = Double(src.load(fromByteOffset: i * 4, as: Int32.self))
            default: v = src.load(fromByteOffset: i, as: UInt8.self) != 0 ? 1 : 0
            }
            switch to {
            case .float32: dst.storeBytes(of: Float(v), toByteOffset: i * 4, as: Float.self)
            case .int64: dst.storeBytes(of: v.isFinite ? Int64(clamping: Int64(exactly: v.rounded(.towardZero)) ?? 0) : 0, toByteOffset: i * 8, as: Int64.self)
            case .int32: dst.storeBytes(of: v.isFinite ? Int32(clamping: Int64(v.rounded(.towardZero))) : 0, toByteOffset: i * 4, as: Int32.self)
            default: dst.storeBytes(of: v != 0 ? 1 : 0, toByteOffset: i, as: UInt8.self)
            }
        }
    }
}
