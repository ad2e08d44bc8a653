import TensorEngine

/// Decodes an inference request body (Open Inference Protocol, REST) into tensors. Pure: it
/// sees only the body bytes and the `Inference-Header-Content-Length` value, never a socket.
public enum V2RequestDecoder {
    /// The model's single input, for the raw binary form that carries no JSON at all.
    public typealias RawInput = (name: String, datatype: V2DataType, shape: [Int])

    /// Decodes a request.
    /// - Parameters:
    ///   - body: the whole HTTP body.
    ///   - inferenceHeaderLength: the `Inference-Header-Content-Length` header, if present. The
    ///     JSON is then `body[0..<length]` and the binary tensors of inputs carrying
    ///     `parameters.binary_data_size` follow in input order, filling the body exactly
    ///     (binary tensor data extension). `0` means the raw form: the body is the bytes of
    ///     the model's only input, described by `rawInput`.
    ///   - rawInput: the model's single input (a `-1` dimension is inferred from the body size).
    ///   - limits: size caps, checked before allocation.
    public static func decode(
        _ body: [UInt8], inferenceHeaderLength: Int?, rawInput: RawInput? = nil, limits: V2Limits = .init()
    ) throws(V2Error) -> V2InferRequest {
        try body.withUnsafeBufferPointer { (buffer) throws(V2Error) in
            try decode(buffer, inferenceHeaderLength: inferenceHeaderLength, rawInput: rawInput, limits: limits)
        }
    }

    /// `decode` over borrowed bytes (the server's receive buffer, without a copy).
    public static func decode(
        _ body: UnsafeBufferPointer<UInt8>, inferenceHeaderLength: Int?, rawInput: RawInput? = nil, limits: V2Limits = .init()
    ) throws(V2Error) -> V2InferRequest {
        var jsonLength = body.count
        if let header = inferenceHeaderLength {
            guard header >= 0, header <= body.count else {
                throw V2Error(.malformed, "Inference-Header-Content-Length \(header) is outside the \(body.count)-byte body")
            }
            if header == 0 { return try decodeRaw(body, rawInput: rawInput, limits: limits) }
            jsonLength = header
        }
        var parser = V2RequestParser(UnsafeBufferPointer(rebasing: body[0..<jsonLength]), limits: limits)
        try parser.parse()

        var offset = jsonLength
        var inputs: [V2InferInput] = []
        inputs.reserveCapacity(parser.inputs.count)
        for pending in parser.inputs {
            var tensor: Tensor
            if let size = pending.binarySize {
                guard inferenceHeaderLength != nil else {
                    throw V2Error(.malformed,
                        "input '\(pending.name)' has binary_data_size but the request has no Inference-Header-Content-Length")
                }
                guard size <= body.count - offset else {
                    throw V2Error(.invalidTensor,
                        "input '\(pending.name)': binary data needs \(size) bytes at offset \(offset), but the body has \(body.count)")
                }
                tensor = try binaryTensor(body, offset: offset, input: pending.name, datatype: pending.datatype, dtype: pending.dtype, shape: pending.shape)
                offset += size
            } else {
                tensor = pending.tensor!
            }
            inputs.append(V2InferInput(
                name: pending.name, datatype: pending.datatype, shape: pending.shape, parameters: pending.parameters, tensor: tensor))
        }
        guard offset == body.count else {
            throw V2Error(.invalidTensor, "\(body.count - offset) bytes after the last binary input are not claimed by any input")
        }
        return V2InferRequest(id: parser.id, parameters: parser.parameters, inputs: inputs, outputs: parser.outputs)
    }

    /// The raw form: no JSON, the whole body is the single input's little-endian bytes.
    static func decodeRaw(_ body: UnsafeBufferPointer<UInt8>, rawInput: RawInput?, limits: V2Limits) throws(V2Error) -> V2InferRequest {
        guard let raw = rawInput else {
            throw V2Error(.malformed, "Inference-Header-Content-Length: 0 (raw binary body) needs a model with exactly one input")
        }
        guard let dtype = raw.datatype.dtype else {
            throw V2Error(.unsupportedDatatype, "input '\(raw.name)': datatype \(raw.datatype.rawValue) is not supported")
        }
        var shape = raw.shape
        guard shape.count <= limits.maxRank else {
            throw V2Error(.limitExceeded, "input '\(raw.name)': shape has more than \(limits.maxRank) dimensions")
        }
        // A dynamic dimension (-1) takes whatever the body holds.
        if let dynamic = shape.firstIndex(of: -1), shape.filter({ $0 == -1 }).count == 1 {
            let rest = shape.enumerated().filter { $0.offset != dynamic }.map(\.element)
            // A row size that overflows cannot divide any body: refused, not trapped on.
            guard let known = Shape(rest).checkedCount, known > 0,
                case (let rowBytes, false) = known.multipliedReportingOverflow(by: dtype.size), body.count % rowBytes == 0
            else {
                throw V2Error(.invalidTensor,
                    "input '\(raw.name)': a \(body.count)-byte body is not a whole number of \(raw.datatype.rawValue) \(raw.shape) rows")
            }
            shape[dynamic] = body.count / rowBytes
        }
        guard let count = Shape(shape).checkedCount else {
            throw V2Error(.invalidTensor, "input '\(raw.name)': shape \(raw.shape) is not a valid shape")
        }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: dtype.size)
        guard !overflow, bytes <= limits.maxTensorBytes, bytes <= limits.maxTotalBytes else {
            throw V2Error(.limitExceeded, "input '\(raw.name)': shape \(shape) exceeds the \(limits.maxTensorBytes)-byte tensor limit")
        }
        guard bytes == body.count else {
            throw V2Error(.invalidTensor,
                "input '\(raw.name)': raw body is \(body.count) bytes but \(raw.datatype.rawValue) shape \(shape) needs \(bytes)")
        }
        let tensor = try binaryTensor(body, offset: 0, input: raw.name, datatype: raw.datatype, dtype: dtype, shape: shape)
        return V2InferRequest(inputs: [V2InferInput(name: raw.name, datatype: raw.datatype, shape: shape, tensor: tensor)])
    }

    /// Copies a binary chunk into an aligned tensor. The extension's byte order is little-endian,
    /// the same as every platform Kiln builds for, so it is a plain copy. BOOL bytes must be 0 or 1
    /// (the extension's encoding), since kernels treat the byte as a truth value.
    static func binaryTensor(
        _ body: UnsafeBufferPointer<UInt8>, offset: Int, input: String, datatype: V2DataType, dtype: DType, shape: [Int]
    ) throws(V2Error) -> Tensor {
        let tensor = Tensor(uninitializedShape: Shape(shape), dtype: dtype)
        let n = tensor.byteCount
        if n > 0 { tensor.rawPointer.copyMemory(from: body.baseAddress! + offset, byteCount: n) }
        if dtype == .bool {
            let bytes = UnsafeBufferPointer(start: tensor.rawPointer.assumingMemoryBound(to: UInt8.self), count: n)
            if let bad = bytes.firstIndex(where: { $0 > 1 }) {
                throw V2Error(.invalidTensor, "input '\(input)': BOOL byte \(bad) is \(bytes[bad]), expected 0 or 1")
            }
        }
        return tensor
    }
}
