import TensorEngine
import Testing
@testable import InferenceServer

/// Every refusal path: malformed JSON, schema errors, counts, ranges, limits.
@Suite struct V2RequestErrorTests {
    typealias S = V2TestSupport

    static let sample = """
        {"id":"q\\u00e9\\ud83d\\ude00","parameters":{"a":1,"b":-2.5e3,"c":true,"d":"s"},"x":[null,{}],
         "inputs":[{"name":"x","datatype":"FP32","shape":[2,2],"data":[[1.5,-0.25],[3e-3,4]]},
                   {"name":"y","datatype":"BOOL","shape":[2],"data":[true,false]}],
         "outputs":[{"name":"o","parameters":{"binary_data":true}}]}
        """

    /// Every proper prefix of a valid body is malformed and must throw, never crash or hang.
    @Test func everyTruncationThrows() throws {
        let body = Array(Self.sample.utf8)
        _ = try V2RequestDecoder.decode(body, inferenceHeaderLength: nil)
        for n in 0..<body.count {
            #expect(throws: V2Error.self, "prefix \(n)") { try V2RequestDecoder.decode(Array(body[0..<n]), inferenceHeaderLength: nil) }
        }
    }

    /// Replacing any single byte with a structural character either still decodes or throws.
    @Test func byteMutationsNeverCrash() {
        let body = Array(Self.sample.utf8)
        for i in body.indices {
            for b in [UInt8(ascii: "}"), UInt8(ascii: "["), UInt8(ascii: "\""), UInt8(ascii: "\\"), 0, 0xFF] {
                var m = body
                m[i] = b
                _ = try? V2RequestDecoder.decode(m, inferenceHeaderLength: nil)
            }
        }
    }

    @Test(arguments: [
        "", "   ", "[]", "null", "{", "{}", #"{"inputs":[]} x"#, #"{"inputs":[],}"#, #"{"inputs":[1,]}"#,
        #"{"inputs":[] "id":"a"}"#, #"{'inputs':[]}"#, #"{"inputs":[{"name":"x"}]}"#,
        #"{"inputs":[],"x":tru}"#, #"{"inputs":[],"x":01}"#, #"{"inputs":[],"x":1.}"#, #"{"inputs":[],"x":.5}"#,
        #"{"inputs":[],"x":1e}"#, #"{"inputs":[],"x":-}"#, #"{"inputs":[],"x":NaN}"#, #"{"inputs":[],"x":Infinity}"#,
        #"{"inputs":[],"x":"\x"}"#, #"{"inputs":[],"x":"\ud800"}"#, #"{"inputs":[],"x":"\udc00\ud800"}"#,
        #"{"inputs":[],"x":"\u12"}"#, "{\"inputs\":[],\"x\":\"a\u{01}\"}", #"{"inputs":[],"id":5}"#,
        #"{"inputs":[],"parameters":{"p":[1]}}"#, #"{"inputs":[],"parameters":{"p":null}}"#,
        #"{"inputs":[],"outputs":[{"parameters":{}}]}"#, #"{"inputs":[],"outputs":[{"name":"o","parameters":{"binary_data":1}}]}"#,
    ])
    func malformedRequests(json: String) {
        #expect(S.error(json) != nil, "\(json)")
    }

    @Test func invalidUTF8IsRejected() {
        let body = Array(#"{"inputs":[],"id":""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)
        #expect(throws: V2Error.self) { try V2RequestDecoder.decode(body, inferenceHeaderLength: nil) }
    }

    @Test func countMismatchNamesInputAndCounts() {
        #expect(S.error(S.request("FP32", [1, 3], "[1,2,3,4]"))?.message == "input 'x': shape [1, 3] needs 3 values, got 4")
        #expect(S.error(S.request("FP32", [1, 3], "[1,2]"))?.message == "input 'x': shape [1, 3] needs 3 values, got 2")
        #expect(S.error(S.request("FP32", [2], "[]")) != nil)
    }

    @Test(arguments: [
        ("FP32", [2, 2], "[[1,2],[3]]"), ("FP32", [2, 2], "[[1,2],[3,4],[5,6]]"), ("FP32", [2, 2], "[[1,2],3,4]"),
        ("FP32", [4], "[[1,2],[3,4]]"), ("FP32", [2, 2], "[[1,[2]],[3,4]]"), ("FP32", [2, 2], "[[[1],[2]],[[3],[4]]]"),
        ("FP32", [2], "[1,[2]]"), ("FP32", [1], "1"), ("FP32", [1], #"["1"]"#), ("FP32", [1], "[null]"),
        ("BOOL", [1], "[1]"), ("BOOL", [1], "[null]"), ("INT32", [1], "[1.5]"), ("INT32", [1], "[1e2]"),
    ] as [(String, [Int], String)])
    func raggedOrWrongValues(datatype: String, shape: [Int], data: String) {
        #expect(S.error(S.request(datatype, shape, data)) != nil, "\(data)")
    }

    @Test(arguments: [
        ("UINT8", "300"), ("UINT8", "-1"), ("INT8", "128"), ("INT8", "-129"), ("INT32", "2147483648"),
        ("INT64", "9223372036854775808"), ("INT64", "-9223372036854775809"), ("INT64", "123456789012345678901234"),
        ("FP32", "3.5e38"), ("FP32", "-1e39"), ("FP32", "1e400"), ("FP16", "65520"), ("FP16", "1e5"),
    ])
    func outOfRange(datatype: String, value: String) {
        let e = S.error(S.request(datatype, [1], "[\(value)]"))
        #expect(e?.kind == .invalidTensor)
        #expect(e?.message == "input 'x': element 0: \(value) is out of range for \(datatype)")
    }

    @Test func datatypes() {
        #expect(S.error(S.request("FLOAT", [1], "[1]"))?.kind == .malformed)
        #expect(S.error(S.request("fp32", [1], "[1]"))?.kind == .malformed)
        for dt in ["UINT16", "UINT32", "UINT64", "INT16", "FP64", "BYTES"] {
            #expect(S.error(S.request(dt, [1], "[1]"))?.kind == .unsupportedDatatype)
        }
        #expect(V2DataType.uint16.dtype == nil && V2DataType.fp16.dtype == .float16)
    }

    @Test func shapes() {
        #expect(S.error(S.request("FP32", [-1], "[1]")) != nil)
        #expect(S.error(#"{"inputs":[{"name":"x","datatype":"FP32","shape":[1.5],"data":[1]}]}"#) != nil)
        #expect(S.error(#"{"inputs":[{"name":"x","datatype":"FP32","shape":["1"],"data":[1]}]}"#) != nil)
        #expect(S.error(S.request("FP32", [1, 1, 1, 1, 1, 1, 1, 1, 1], "[1]"))?.kind == .limitExceeded)
        // Huge shapes are refused before any allocation (this would be exabytes).
        #expect(S.error(S.request("FP32", [1 << 31, 1 << 31], "[]"))?.kind == .limitExceeded)
        #expect(S.error(S.request("FP32", [1 << 62, 1 << 62], "[]"))?.kind == .limitExceeded)
        #expect(S.error(S.request("FP32", [1 << 20], "[]"), limits: .init(maxTensorBytes: 1 << 20))?.kind == .limitExceeded)
        #expect(S.error(#"{"inputs":[{"name":"x","datatype":"FP32","shape":[99999999999999999999],"data":[]}]}"#) != nil)
    }

    @Test func schema() {
        #expect(S.error(#"{"id":"a"}"#)?.message == "request has no 'inputs'")
        #expect(S.error(#"{"inputs":[{"datatype":"FP32","shape":[1],"data":[1]}]}"#) != nil)
        #expect(S.error(#"{"inputs":[{"name":"x","shape":[1],"data":[1]}]}"#) != nil)
        #expect(S.error(#"{"inputs":[{"name":"x","datatype":"FP32","data":[1]}]}"#) != nil)
        #expect(S.error(#"{"inputs":[{"name":"x","datatype":"FP32","shape":[1]}]}"#) != nil)
        #expect(S.error(#"{"inputs":[{"name":"x","datatype":"FP32","shape":[1],"data":{}}]}"#) != nil)
        let twice = #"{"inputs":[{"name":"x","datatype":"FP32","shape":[1],"data":[1]},{"name":"x","datatype":"FP32","shape":[1],"data":[1]}]}"#
        #expect(S.error(twice) != nil)
    }

    @Test func limits() {
        let deep = #"{"inputs":[],"x":"# + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "}"
        #expect(S.error(deep)?.message.contains("nesting deeper") == true)
        let many = (0..<3).map { #"{"name":"x\#($0)","datatype":"FP32","shape":[1],"data":[1]}"# }.joined(separator: ",")
        #expect(S.error(#"{"inputs":[\#(many)]}"#, limits: .init(maxInputs: 2))?.kind == .limitExceeded)
        #expect(S.error(#"{"inputs":[\#(many)]}"#, limits: .init(maxTotalBytes: 8))?.kind == .limitExceeded)
    }
}
