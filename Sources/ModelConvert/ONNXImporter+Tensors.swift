import Foundation
import TensorEngine

extension ONNXImporter {
    /// A TensorProto's contents: raw little-endian bytes, typed repeated fields, or an
    /// external data file next to the model (location/offset/length keys).
    ///
    /// The dims are only a claim: the tensor is allocated once the bytes or values that fill
    /// it are known to be there, so a few-byte file declaring 2^31 INT64 elements is refused
    /// instead of making the converter zero 16 GiB.
    func tensor(_ t: Onnx_TensorProto) throws -> Tensor {
        guard let dtype = DType(rawValue: t.dataType) else {
            throw ConvertError("tensor '\(t.name)' has unsupported element type \(t.dataType)")
        }
        let shape = Shape(t.dims.map { Int($0) })
        guard let count = shape.checkedCount, count <= Int(Int32.max) else {
            throw ConvertError("tensor '\(t.name)' has an invalid shape \(shape)")
        }
        let bytes = count * dtype.size  // ≤ 2^31 × 8: no overflow
        if t.dataLocation == .external {
            let data = try externalData(t, bytes: bytes)
            let result = Tensor(shape: shape, dtype: dtype)
            if bytes > 0 { data.withUnsafeBytes { result.rawPointer.copyMemory(from: $0.baseAddress!, byteCount: bytes) } }
            return result
        }
        if !t.rawData.isEmpty {
            guard t.rawData.count == bytes else {
                throw ConvertError("tensor '\(t.name)': raw data has \(t.rawData.count) bytes, shape \(shape) of \(dtype) needs \(bytes)")
            }
            let result = Tensor(shape: shape, dtype: dtype)
            t.rawData.withUnsafeBytes { result.rawPointer.copyMemory(from: $0.baseAddress!, byteCount: bytes) }
            return result
        }
        func fill<T>(_ values: [T], as _: T.Type) throws -> Tensor {
            guard values.count == count else { throw ConvertError("tensor '\(t.name)': \(values.count) values for shape \(shape)") }
            let result = Tensor(shape: shape, dtype: dtype)
            if bytes > 0 { values.withUnsafeBytes { result.rawPointer.copyMemory(from: $0.baseAddress!, byteCount: bytes) } }
            return result
        }
        switch dtype {
        case .float32: return try fill(t.floatData, as: Float.self)
        case .int64: return try fill(t.int64Data, as: Int64.self)
        case .int32: return try fill(t.int32Data, as: Int32.self)
        case .int8, .uint8, .bool:
            return try fill(t.int32Data.map { UInt8(truncatingIfNeeded: $0) }, as: UInt8.self)
        case .float16:
            return try fill(t.int32Data.map { UInt16(truncatingIfNeeded: $0) }, as: UInt16.self)
        }
    }

    /// The `bytes` bytes of an external-data tensor (ONNX external data: `location`,
    /// `offset`, `length`), read only after the file is known to hold them: offset + length
    /// is overflow-checked and compared with the file's size.
    private func externalData(_ t: Onnx_TensorProto, bytes: Int) throws -> Data {
        let entries = Dictionary(t.externalData.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
        guard let location = entries["location"], !location.contains("..") else {
            throw ConvertError("tensor '\(t.name)': external data without a safe location")
        }
        let offset = Int(entries["offset"] ?? "0") ?? -1
        let length = Int(entries["length"] ?? String(bytes)) ?? -1
        guard offset >= 0, length == bytes else { throw ConvertError("tensor '\(t.name)': bad external data offset/length") }
        let url = directory.appendingPathComponent(location)
        guard let handle = try? FileHandle(forReadingFrom: url) else { throw ConvertError("tensor '\(t.name)': cannot open external data \(url.path)") }
        defer { try? handle.close() }
        let size = try handle.seekToEnd()
        guard case (let end, false) = offset.addingReportingOverflow(length), UInt64(end) <= size else {
            throw ConvertError("tensor '\(t.name)': external data \(offset)+\(length) runs past the end of \(url.lastPathComponent) (\(size) bytes)")
        }
        try handle.seek(toOffset: UInt64(offset))
        let data = try handle.read(upToCount: length) ?? Data()
        guard data.count == bytes else { throw ConvertError("tensor '\(t.name)': external data is truncated") }
        return data
    }
}
