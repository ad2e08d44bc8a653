import TensorEngine

/// Encodes an inference response (`$inference_response`): JSON, plus binary chunks after it
/// for outputs sent with the binary tensor data extension.
public enum V2ResponseEncoder {
    /// Returns the body and, when any output is binary, the JSON length to send as
    /// `Inference-Header-Content-Length`. Keys are written in the protocol's order; `id`,
    /// `model_version` and `parameters` are omitted when absent/empty. FP32/FP16 values are
    /// written shortest-round-trip; NaN and ±infinity as `null`. BOOL as true/false.
    public static func encode(
        modelName: String, modelVersion: String?, id: String?, outputs: [V2OutputTensor], parameters: [String: V2Parameter] = [:]
    ) -> (body: [UInt8], inferenceHeaderLength: Int?) {
        var w = JSONWriter()
        // Shortest floats are ≤ 16 bytes plus a comma; integers ≤ 21.
        let estimate = outputs.reduce(256) { $0 + ($1.binary ? 64 : $1.tensor.count * 12 + 64) }
        w.bytes.reserveCapacity(estimate)
        w.raw(#"{"model_name":"#)
        w.string(modelName)
        if let modelVersion {
            w.raw(#","model_version":"#)
            w.string(modelVersion)
        }
        if let id {
            w.raw(#","id":"#)
            w.string(id)
        }
        if !parameters.isEmpty {
            w.raw(#","parameters":"#)
            w.parameters(parameters)
        }
        w.raw(#","outputs":["#)
        for (i, o) in outputs.enumerated() {
            if i > 0 { w.byte(UInt8(ascii: ",")) }
            w.raw(#"{"name":"#)
            w.string(o.name)
            w.raw(#","datatype":"#)
            w.string(o.datatype.rawValue)
            w.raw(#","shape":["#)
            for (j, d) in o.shape.enumerated() {
                if j > 0 { w.byte(UInt8(ascii: ",")) }
                w.int(Int64(d))
            }
            w.byte(UInt8(ascii: "]"))
            var ps = o.parameters
            if o.binary { ps["binary_data_size"] = .int(Int64(o.tensor.byteCount)) }
            if !ps.isEmpty {
                w.raw(#","parameters":"#)
                w.parameters(ps)
            }
            if !o.binary {
                w.raw(#","data":["#)
                appendData(o.tensor, to: &w)
                w.byte(UInt8(ascii: "]"))
            }
            w.byte(UInt8(ascii: "}"))
        }
        w.raw("]}")
        guard outputs.contains(where: \.binary) else { return (w.bytes, nil) }
        let headerLength = w.bytes.count
        for o in outputs where o.binary {
            w.bytes.append(contentsOf: UnsafeRawBufferPointer(start: o.tensor.rawPointer, count: o.tensor.byteCount))
        }
        return (w.bytes, headerLength)
    }

    /// The flattened, row-major `data` list (the protocol allows flat data for any shape).
    static func appendData(_ t: Tensor, to w: inout JSONWriter) {
        let n = t.count
        let p = t.rawPointer
        for i in 0..<n {
            if i > 0 { w.byte(UInt8(ascii: ",")) }
            switch t.dtype {
            case .float32: w.float(p.load(fromByteOffset: i * 4, as: Float.self))
            case .float16: w.float(Float(p.load(fromByteOffset: i * 2, as: Float16.self)))
            case .int64: w.int(p.load(fromByteOffset: i * 8, as: Int64.self))
            case .int32: w.int(Int64(p.load(fromByteOffset: i * 4, as: Int32.self)))
            case .int8: w.int(Int64(p.load(fromByteOffset: i, as: Int8.self)))
            case .uint8: w.int(Int64(p.load(fromByteOffset: i, as: UInt8.self)))
            case .bool: p.load(fromByteOffset: i, as: UInt8.self) != 0 ? w.raw("true") : w.raw("false")
            }
        }
    }
}
