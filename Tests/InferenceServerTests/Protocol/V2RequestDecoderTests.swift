import TensorEngine
import Testing
@testable import InferenceServer

/// Well-formed requests: every datatype, flat and nested data, key order, parameters, outputs.
@Suite struct V2RequestDecoderTests {
    typealias S = V2TestSupport

    @Test func fullRequest() throws {
        let json = """
            { "id" : "r1", "parameters": {"priority": 3, "timeout": 1500, "binary_data_output": true, "tag": "a\\u00e9\\ud83d\\ude00", "w": 0.5},
              "future_key": {"nested": [1, {"x": null}], "s": "\\n"},
              "inputs": [ {"name":"x","shape":[2,2],"datatype":"FP32","parameters":{"k":false},"data":[[1,2.5],[-3e2,0.125]]} ],
              "outputs": [ {"name":"y","parameters":{"binary_data":false}}, {"name":"z"} ] }
            """
        let r = try S.decode(json)
        #expect(r.id == "r1")
        #expect(r.priority == 3)
        #expect(r.timeoutMicroseconds == 1500)
        #expect(r.binaryDataOutput)
        #expect(r.parameters["tag"] == .string("aé😀"))
        #expect(r.parameters["w"] == .double(0.5))
        #expect(r.inputs.count == 1)
        let x = r.inputs[0]
        #expect(x.name == "x" && x.datatype == .fp32 && x.shape == [2, 2])
        #expect(x.parameters["k"] == .bool(false))
        #expect(x.tensor.floats == [1, 2.5, -300, 0.125])
        #expect(r.outputs == [V2RequestedOutput(name: "y", binaryData: false, parameters: ["binary_data": .bool(false)]),
                              V2RequestedOutput(name: "z")])
        #expect(r.wantsBinary("y") == false)
        #expect(r.wantsBinary("z") == true)
    }

    @Test func flatAndNestedAgree() throws {
        let flat = try S.decode(S.request("INT32", [2, 3, 1], "[1,2,3,4,5,6]"))
        let nested = try S.decode(S.request("INT32", [2, 3, 1], "[[[1],[2],[3]],[[4],[5],[6]]]"))
        #expect(flat.inputs[0].tensor.int64s == [1, 2, 3, 4, 5, 6])
        #expect(nested.inputs[0].tensor.int64s == flat.inputs[0].tensor.int64s)
    }

    @Test func dataBeforeShapeAndDatatype() throws {
        let r = try S.decode(#"{"inputs":[{"data":[[1,2],[3,4]],"name":"x","shape":[2,2],"datatype":"INT64"}]}"#)
        #expect(r.inputs[0].tensor.int64s == [1, 2, 3, 4])
    }

    @Test func everyDatatype() throws {
        let r = try S.decode("""
            {"inputs":[
             {"name":"b","datatype":"BOOL","shape":[3],"data":[true,false,true]},
             {"name":"u8","datatype":"UINT8","shape":[3],"data":[0,255,7]},
             {"name":"i8","datatype":"INT8","shape":[3],"data":[-128,127,-0]},
             {"name":"i32","datatype":"INT32","shape":[2],"data":[-2147483648,2147483647]},
             {"name":"i64","datatype":"INT64","shape":[2],"data":[-9223372036854775808,9223372036854775807]},
             {"name":"h","datatype":"FP16","shape":[4],"data":[0.1,65504,-2.5,6e-8]},
             {"name":"f","datatype":"FP32","shape":[3],"data":[0.1,-0,1e-45]}]}
            """)
        let t = Dictionary(uniqueKeysWithValues: r.inputs.map { ($0.name, $0.tensor) })
        #expect(t["b"]!.dtype == .bool && S.bytes(t["b"]!) == [1, 0, 1])
        #expect(S.bytes(t["u8"]!) == [0, 255, 7])
        #expect(S.bytes(t["i8"]!).map { Int8(bitPattern: $0) } == [-128, 127, 0])
        #expect(t["i32"]!.int64s == [-2147483648, 2147483647])
        #expect(t["i64"]!.int64s == [Int64.min, Int64.max])
        let halves = UnsafeBufferPointer(start: t["h"]!.rawPointer.assumingMemoryBound(to: Float16.self), count: 4)
        #expect(halves.map(\.bitPattern) == [0x2E66, 0x7BFF, 0xC100, 0x0001])
        #expect(S.bits(t["f"]!) == [0x3DCC_CCCD, 0x8000_0000, 0x0000_0001])
    }

    @Test func emptyAndScalarShapes() throws {
        #expect(try S.decode(S.request("FP32", [0, 3], "[]")).inputs[0].tensor.count == 0)
        #expect(try S.decode(S.request("FP32", [2, 0], "[[],[]]")).inputs[0].tensor.count == 0)
        #expect(try S.decode(S.request("FP32", [], "[7]")).inputs[0].tensor.floats == [7])
    }

    @Test func escapedKeysMatch() throws {
        let r = try S.decode(#"{"\u0069nputs":[{"name":"x\"y","datatype":"FP32","shape":[1],"d\u0061ta":[1]}]}"#)
        #expect(r.inputs[0].name == "x\"y")
    }

    @Test func whitespaceEverywhere() throws {
        let r = try S.decode(" \n\t{ \"inputs\" : [ { \"name\" : \"x\" , \"datatype\" : \"FP32\" , \"shape\" : [ 2 ] , \"data\" : [ 1 , 2 ] } ] } \r\n")
        #expect(r.inputs[0].tensor.floats == [1, 2])
    }

    @Test func noOutputsMeansNil() throws {
        #expect(try S.decode(S.request("FP32", [1], "[1]")).outputs == nil)
    }
}
