import TensorEngine
import Testing
@testable import InferenceServer

/// Responses: JSON layout, binary chunks, and decoding our own output back.
@Suite struct V2ResponseEncoderTests {
    @Test func jsonLayout() {
        let t = Tensor(shape: [1, 3], floats: [0.5, -1, .nan])
        let (body, header) = V2ResponseEncoder.encode(
            modelName: "m\"1", modelVersion: "2", id: "r", outputs: [V2OutputTensor(name: "y", tensor: t)],
            parameters: ["z": .int(-3), "a": .double(1e-5), "s": .string("\n"), "b": .bool(true)])
        #expect(header == nil)
        #expect(String(decoding: body, as: UTF8.self) == #"""
            {"model_name":"m\"1","model_version":"2","id":"r","parameters":{"a":1e-05,"b":true,"s":"\n","z":-3},"outputs":[{"name":"y","datatype":"FP32","shape":[1,3],"data":[0.5,-1.0,null]}]}
            """#)
    }

    @Test func optionalFieldsOmitted() {
        let t = Tensor(shape: [2], int64s: [-7, 9])
        let (body, _) = V2ResponseEncoder.encode(modelName: "m", modelVersion: nil, id: nil, outputs: [V2OutputTensor(name: "y", tensor: t)])
        #expect(String(decoding: body, as: UTF8.self) == #"{"model_name":"m","outputs":[{"name":"y","datatype":"INT64","shape":[2],"data":[-7,9]}]}"#)
    }

    @Test func binaryOutputsFollowTheJSON() throws {
        let a = Tensor(shape: [2], floats: [1.5, 2])
        let b = Tensor(shape: [3], int64s: [1, 2, 3])
        let (body, header) = V2ResponseEncoder.encode(
            modelName: "m", modelVersion: nil, id: nil,
            outputs: [V2OutputTensor(name: "a", tensor: a, binary: true), V2OutputTensor(name: "b", tensor: b)])
        let n = try #require(header)
        let json = String(decoding: body[0..<n], as: UTF8.self)
        #expect(json.contains(#""parameters":{"binary_data_size":8}"#))
        #expect(!json.contains(#""name":"a","datatype":"FP32","shape":[2],"parameters":{"binary_data_size":8},"data""#))
        #expect(json.contains(#""data":[1,2,3]"#))
        #expect(Array(body[n...]) == V2TestSupport.bytes(a))
    }

    /// Every datatype survives encode → (as a request) decode.
    @Test func roundTripEveryDtype() throws {
        var g = SeededGenerator(seed: 3)
        for dtype in DType.allCases {
            let t = Tensor(shape: [2, 3], dtype: dtype)
            let raw = t.rawPointer.assumingMemoryBound(to: UInt8.self)
            for i in 0..<t.byteCount { raw[i] = UInt8.random(in: 0...255, using: &g) }
            if dtype == .bool { for i in 0..<6 { raw[i] &= 1 } }
            if dtype == .float16 { for i in 0..<6 { raw[2 * i + 1] &= 0x3F } }  // keep halves finite
            if dtype == .float32 { for i in 0..<6 { raw[4 * i + 3] &= 0x3F } }
            for binary in [false, true] {
                let (body, header) = V2ResponseEncoder.encode(
                    modelName: "m", modelVersion: nil, id: nil, outputs: [V2OutputTensor(name: "x", tensor: t, binary: binary)])
                // A response's outputs look like a request's inputs: rename the key and decode it.
                var text = Array(String(decoding: body[0..<(header ?? body.count)], as: UTF8.self)
                    .replacingOccurrences(of: #""outputs""#, with: #""inputs""#).utf8)
                let h = text.count
                text += body[(header ?? body.count)...]
                let r = try V2RequestDecoder.decode(text, inferenceHeaderLength: binary ? h : nil)
                #expect(r.inputs[0].datatype == V2DataType(dtype))
                #expect(V2TestSupport.bytes(r.inputs[0].tensor) == V2TestSupport.bytes(t), "\(dtype) binary=\(binary)")
            }
        }
    }
}
