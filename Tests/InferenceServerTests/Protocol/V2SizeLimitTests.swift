import TensorEngine
import Testing
@testable import InferenceServer

/// Sizes a request states (shape, binary_data_size, Inference-Header-Content-Length) are
/// checked against what the body can actually hold before any tensor is allocated.
@Suite struct V2SizeLimitTests {
    typealias S = V2TestSupport

    /// 64 Mi FP32 values fit the 256 MiB tensor limit, but 20 bytes of JSON cannot hold them:
    /// refused from the text length, not after zeroing 256 MiB.
    @Test func shapeLargerThanTheJSONIsRefusedBeforeAllocation() {
        let e = S.error(S.request("FP32", [1 << 26], "[1,2]"))
        #expect(e?.kind == .invalidTensor)
        #expect(e?.message.contains("more than the") == true, "\(e?.message ?? "no error")")
    }

    /// `data` before `shape`: the deferred parse applies the same check.
    @Test func deferredDataIsCheckedToo() {
        let json = #"{"inputs":[{"name":"x","data":[],"datatype":"INT64","shape":[4096,4096]}]}"#
        let e = S.error(json)
        #expect(e?.kind == .invalidTensor)
        #expect(e?.message.contains("more than the") == true, "\(e?.message ?? "no error")")
    }

    /// The bound is exact: n one-digit values, n − 1 commas and two brackets (2n + 1 bytes)
    /// hold n values, and do not pass for n + 1.
    @Test func boundIsTheTightestText() throws {
        let text = Array("[7,7,7]".utf8)
        try text.withUnsafeBufferPointer { buffer in
            var parser = V2RequestParser(buffer, limits: .init())
            var c = JSONCursor(buffer, maxDepth: 64)
            let t = try parser.readData(&c, input: "x", datatype: .uint8, shape: [3])
            #expect(t.count == 3)
            c.pos = 0
            #expect(throws: V2Error.self) { try parser.readData(&c, input: "x", datatype: .uint8, shape: [4]) }
        }
    }

    /// binary_data_size and Inference-Header-Content-Length are compared with the body before
    /// any tensor is sized from them.
    @Test func binarySizesAreCheckedAgainstTheBody() {
        func decode(_ json: String, tail: Int, header: Int? = nil) -> V2Error? {
            do {
                _ = try V2RequestDecoder.decode(Array(json.utf8) + [UInt8](repeating: 0, count: tail), inferenceHeaderLength: header ?? json.utf8.count)
                return nil
            } catch { return error }
        }
        // 64 MiB announced, 8 bytes sent.
        let big = #"{"inputs":[{"name":"a","datatype":"FP32","shape":[16777216],"parameters":{"binary_data_size":67108864}}]}"#
        #expect(decode(big, tail: 8)?.kind == .invalidTensor)
        let huge = #"{"inputs":[{"name":"a","datatype":"FP32","shape":[2],"parameters":{"binary_data_size":9223372036854775807}}]}"#
        #expect(decode(huge, tail: 8)?.kind == .invalidTensor)
        let float = #"{"inputs":[{"name":"a","datatype":"FP32","shape":[2],"parameters":{"binary_data_size":1e300}}]}"#
        #expect(decode(float, tail: 8)?.kind == .malformed)
        let negative = #"{"inputs":[{"name":"a","datatype":"FP32","shape":[2],"parameters":{"binary_data_size":-8}}]}"#
        #expect(decode(negative, tail: 8)?.kind == .malformed)
        #expect(decode(big, tail: 8, header: Int.max)?.kind == .malformed)
        #expect(decode(big, tail: 8, header: Int.min)?.kind == .malformed)
    }

    /// The raw binary form sizes its dynamic dimension from the body; a model shape whose row
    /// size overflows is refused, not trapped on.
    @Test func rawRowSizeOverflowIsRefused() {
        #expect(throws: V2Error.self) {
            try V2RequestDecoder.decode([UInt8](repeating: 0, count: 16), inferenceHeaderLength: 0, rawInput: ("x", .fp32, [-1, 1 << 62]))
        }
        #expect(throws: V2Error.self) {
            try V2RequestDecoder.decode([UInt8](repeating: 0, count: 16), inferenceHeaderLength: 0, rawInput: ("x", .fp32, [-1, -1]))
        }
    }
}
