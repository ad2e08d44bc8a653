import InferenceServer
import TensorEngine
import Workers

/// `V2RequestDecoder.decode` in its three forms. An input starting with JSON text ("{" or
/// whitespace) is a plain JSON request. Otherwise the first byte picks the form: JSON with
/// an `Inference-Header-Content-Length` taken from the next two bytes (binary tensor data
/// extension; the length may lie), or the raw binary body of one of a few model inputs.
/// A decoded request is answered through `V2ResponseEncoder` as the server does (its `id`
/// echoed, its tensors standing in for model outputs), and that JSON must parse again.
enum V2RequestHarness {
    /// Tight caps, so shapes that pass them still allocate little per run.
    static let limits = V2Limits(maxTensorBytes: 1 << 20, maxTotalBytes: 2 << 20, maxInputs: 16, maxOutputs: 16, maxDepth: 64, maxRank: 8)

    /// Model inputs for the raw form, with and without a dynamic dimension.
    static let rawInputs: [V2RequestDecoder.RawInput] = [
        ("x", .fp32, [-1, 3]), ("image", .uint8, [1, 3, 4, 4]), ("mask", .bool, [-1]), ("ids", .int64, [2, -1]),
        ("h", .fp16, [-1, 2, 2]), ("n", .int8, [0, -1]), ("u", .uint16, [4]), ("twice", .int32, [-1, -1]),
    ]

    static func run(_ data: [UInt8]) {
        guard let first = data.first else { return check(data, header: nil, raw: nil) }
        if first == UInt8(ascii: "{") || first == 0x20 || first == 0x0A || first == 0x0D || first == 0x09 {
            return check(data, header: nil, raw: nil)
        }
        var input = FuzzBytes(data)
        let mode = input.byte()
        if mode & 1 == 0 {
            let header = input.uint16()
            check(input.rest, header: mode & 2 == 0 ? header : -header, raw: nil)
        } else {
            check(input.rest, header: 0, raw: rawInputs[Int(mode >> 1) % rawInputs.count])
        }
    }

    static func check(_ body: [UInt8], header: Int?, raw: V2RequestDecoder.RawInput?) {
        guard let request = try? V2RequestDecoder.decode(body, inferenceHeaderLength: header, rawInput: raw, limits: limits) else { return }
        var total = 0
        for input in request.inputs {
            precondition(input.tensor.shape.dims == input.shape, "input '\(input.name)': tensor shape differs from the declared one")
            precondition(input.datatype.dtype == input.tensor.dtype, "input '\(input.name)': tensor dtype differs from its datatype")
            precondition(input.tensor.byteCount <= limits.maxTensorBytes, "input '\(input.name)' passed the tensor limit")
            total += input.tensor.byteCount
        }
        precondition(total <= limits.maxTotalBytes, "inputs hold \(total) bytes, over the request limit")
        _ = (request.priority, request.timeoutMicroseconds, request.binaryDataOutput)
        let outputs = request.inputs.enumerated().map { i, input in
            V2OutputTensor(name: "output\(i)", tensor: input.tensor, binary: request.wantsBinary(input.name))
        }
        let (answer, headerLength) = V2ResponseEncoder.encode(modelName: "fuzz", modelVersion: "1", id: request.id, outputs: outputs)
        let json = Array(answer[..<(headerLength ?? answer.count)])
        precondition(JSONValue.parse(json) != nil, "the response to a decoded request is not valid JSON")
    }
}
