import TensorEngine
import Testing
@testable import InferenceServer

/// The binary tensor data extension: JSON header + chunks, and the raw single-input body.
@Suite struct V2BinaryFormTests {
    static let header = #"{"inputs":[{"name":"a","datatype":"FP32","shape":[2],"parameters":{"binary_data_size":8}},"#
        + #"{"name":"b","datatype":"INT8","shape":[3],"data":[1,2,3]},"#
        + #"{"name":"c","datatype":"BOOL","shape":[2],"parameters":{"binary_data_size":2}}]}"#

    static func body(tail: [UInt8] = []) -> ([UInt8], Int) {
        var b = Array(header.utf8)
        let n = b.count
        withUnsafeBytes(of: Float(1.5).bitPattern.littleEndian) { b += $0 }
        withUnsafeBytes(of: Float(-2).bitPattern.littleEndian) { b += $0 }
        b += [1, 0] + tail
        return (b, n)
    }

    @Test func headerPlusChunks() throws {
        let (body, n) = Self.body()
        let r = try V2RequestDecoder.decode(body, inferenceHeaderLength: n)
        #expect(r.inputs.map(\.name) == ["a", "b", "c"])
        #expect(r.inputs[0].tensor.floats == [1.5, -2])
        #expect(r.inputs[1].tensor.int64s == [1, 2, 3])
        #expect(V2TestSupport.bytes(r.inputs[2].tensor) == [1, 0])
        #expect(r.inputs[0].parameters["binary_data_size"] == .int(8))
    }

    @Test func bodyMustBeConsumedExactly() {
        let (long, n) = Self.body(tail: [9])
        #expect(throws: V2Error.self) { try V2RequestDecoder.decode(long, inferenceHeaderLength: n) }
        let (full, _) = Self.body()
        #expect(throws: V2Error.self) { try V2RequestDecoder.decode(Array(full.dropLast()), inferenceHeaderLength: n) }
        #expect(throws: V2Error.self) { try V2RequestDecoder.decode(full, inferenceHeaderLength: full.count + 1) }
        #expect(throws: V2Error.self) { try V2RequestDecoder.decode(full, inferenceHeaderLength: -1) }
    }

    @Test func binarySizeMustMatchShape() {
        let json = #"{"inputs":[{"name":"a","datatype":"FP32","shape":[2],"parameters":{"binary_data_size":7}}]}"#
        let body = Array(json.utf8) + [UInt8](repeating: 0, count: 7)
        let e = #expect(throws: V2Error.self) { try V2RequestDecoder.decode(body, inferenceHeaderLength: json.utf8.count) }
        #expect(e?.message.contains("needs 8 bytes") == true)
    }

    @Test func binaryNeedsTheHeaderLength() {
        let (body, _) = Self.body()
        #expect(throws: V2Error.self) { try V2RequestDecoder.decode(body, inferenceHeaderLength: nil) }
    }

    @Test func binaryBoolMustBeZeroOrOne() {
        let json = #"{"inputs":[{"name":"c","datatype":"BOOL","shape":[2],"parameters":{"binary_data_size":2}}]}"#
        #expect(throws: V2Error.self) { try V2RequestDecoder.decode(Array(json.utf8) + [1, 2], inferenceHeaderLength: json.utf8.count) }
    }

    @Test func dataAndBinarySizeTogetherIsAnError() {
        let json = #"{"inputs":[{"name":"a","datatype":"INT8","shape":[1],"data":[1],"parameters":{"binary_data_size":1}}]}"#
        #expect(throws: V2Error.self) { try V2RequestDecoder.decode(Array(json.utf8) + [1], inferenceHeaderLength: json.utf8.count) }
    }

    @Test func rawBody() throws {
        var body: [UInt8] = []
        for v: Float in [1, 2, 3, 4, 5, 6] { withUnsafeBytes(of: v.bitPattern.littleEndian) { body += $0 } }
        let r = try V2RequestDecoder.decode(body, inferenceHeaderLength: 0, rawInput: ("img", .fp32, [2, 3]))
        #expect(r.inputs[0].name == "img" && r.inputs[0].shape == [2, 3])
        #expect(r.inputs[0].tensor.floats == [1, 2, 3, 4, 5, 6])
        let dynamic = try V2RequestDecoder.decode(body, inferenceHeaderLength: 0, rawInput: ("img", .fp32, [-1, 3]))
        #expect(dynamic.inputs[0].shape == [2, 3])
    }

    @Test func rawBodyErrors() {
        let body = [UInt8](repeating: 0, count: 10)
        #expect(throws: V2Error.self) { try V2RequestDecoder.decode(body, inferenceHeaderLength: 0) }
        #expect(throws: V2Error.self) { try V2RequestDecoder.decode(body, inferenceHeaderLength: 0, rawInput: ("x", .fp32, [2])) }
        #expect(throws: V2Error.self) { try V2RequestDecoder.decode(body, inferenceHeaderLength: 0, rawInput: ("x", .fp32, [-1, 3])) }
        #expect(throws: V2Error.self) { try V2RequestDecoder.decode(body, inferenceHeaderLength: 0, rawInput: ("x", .bytes, [10])) }
        #expect(throws: V2Error.self) {
            try V2RequestDecoder.decode(body, inferenceHeaderLength: 0, rawInput: ("x", .fp32, [1 << 40, 1 << 40]))
        }
    }
}
