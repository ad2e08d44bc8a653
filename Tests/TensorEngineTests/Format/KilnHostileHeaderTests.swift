import Foundation
import Testing

@testable import TensorEngine

/// Headers that are well checksummed but lie: bad layouts, absurd shapes, broken graphs,
/// broken JSON. Each must be refused by the check meant for it, with a message naming it.
@Suite struct KilnHostileHeaderTests {
    let header: KilnHeader
    let data: [UInt8]

    init() throws {
        (header, data, _) = try SampleModel.parts()
    }

    /// Forges the sample with one change and expects the given refusal.
    func expect(
        _ kind: KilnFileError.Kind, _ fragment: String, dataLength: Int? = nil, sourceLocation: SourceLocation = #_sourceLocation,
        _ change: (inout KilnHeader) -> Void
    ) {
        var h = header
        change(&h)
        withTemporaryDirectory { dir in
            expectRejected(forge(h, data: data, dataLength: dataLength), at: dir + "/h.kiln", kind, fragment, sourceLocation: sourceLocation)
        }
    }

    /// Forges a file around raw JSON text.
    func expectJSON(_ json: [UInt8], _ kind: KilnFileError.Kind, _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
        withTemporaryDirectory { dir in
            expectRejected(forge(json: json, data: data), at: dir + "/h.kiln", kind, fragment, sourceLocation: sourceLocation)
        }
    }

    @Test func tensorLayoutLies() {
        // conv1.weight is 432 bytes at 0, so conv1.bias belongs at 448.
        expect(.layout, "tensor 'conv1.bias': offset 384 overlaps previous tensor 'conv1.weight' ending at 432") { $0.tensors[1].offset = 384 }
        expect(.layout, "tensor 'conv1.bias': offset 0 overlaps previous tensor 'conv1.weight' ending at 432") { $0.tensors[1].offset = 0 }
        expect(.layout, "tensor 'conv1.bias': offset 512 leaves a gap after previous tensor 'conv1.weight' ending at 432 (expected 448)") {
            $0.tensors[1].offset = 512
        }
        expect(.layout, "tensor 'conv1.weight': offset 64 leaves a gap at the start of the data section (expected 0)") { $0.tensors[0].offset = 64 }
        expect(.layout, "tensor 'conv1.bias': offset 449 is not a multiple of 64") { $0.tensors[1].offset = 449 }
        expect(.layout, "tensor 'conv1.bias': negative offset -64") { $0.tensors[1].offset = -64 }
        expect(.layout, "tensor 'big': offset 1099511627776 leaves a gap") { $0.tensors[$0.tensors.count - 1].offset = 1 << 40 }
        expect(.layout, "offset 9223372036854775744 leaves a gap") { $0.tensors[$0.tensors.count - 1].offset = Int.max - 63 }
        expect(.layout, "tensor 'conv1.weight': length 400 does not match FP32 × [4, 3, 3, 3] = 432 bytes") { $0.tensors[0].length = 400 }
        expect(.layout, "tensor 'mask': length -1 does not match BOOL × [1, 5] = 5 bytes") { $0.tensors[8].length = -1 }
        // The table is fine but the data section is too short for the last tensor, or too long.
        let last = header.tensors[header.tensors.count - 1]
        expect(
            .layout, "tensor 'big': offset \(last.offset) + length 280 runs past the end of the data section (\(last.offset) bytes)",
            dataLength: last.offset
        ) { _ in }
        expect(
            .layout, "data section is \(data.count + 64) bytes but its tensors end at \(last.offset + 280) (expected \(data.count)",
            dataLength: data.count + 64
        ) { _ in }
    }

    @Test func absurdShapes() {
        expect(.limit, "tensor 'conv1.weight': dimension 0 is 1099511627776, over the cap of 2147483648") { $0.tensors[0].shape = [1 << 40] }
        expect(.malformed, "tensor 'conv1.weight': dimension 1 is -5; dimensions must be ≥ 0") { $0.tensors[0].shape = [4, -5] }
        expect(.malformed, "tensor 'conv1.weight': dimension 0 is -1; dimensions must be ≥ 0") { $0.tensors[0].shape = [-1, 108] }
        expect(.limit, "tensor 'conv1.weight': rank 9 exceeds the cap of 8") { $0.tensors[0].shape = Array(repeating: 1, count: 9) }
        expect(.limit, "tensor 'positions': INT64 × [2147483648, 2147483648] overflows the size arithmetic") {
            $0.tensors[5].shape = [1 << 31, 1 << 31]
        }
        expect(.limit, "tensor 'scale': INT8 × [2147483648, 2147483648, 2147483648] overflows") { $0.tensors[7].shape = [1 << 31, 1 << 31, 1 << 31] }
        expect(.malformed, "graph input 'ids': dimension 1 is -1; only dimension 0 may be -1 (dynamic batch)") { $0.inputs[1].shape = [4, -1] }
        expect(.limit, "graph input 'image': dimension 2 is 4294967296, over the cap") { $0.inputs[0].shape = [-1, 3, 1 << 32, 8] }
        expect(.limit, "graph output 'probs': rank 9 exceeds the cap of 8") { $0.outputs[0].shape = Array(repeating: 2, count: 9) }
        expect(.limit, "graph output 'probs': FP32 × [-1, 2147483648, 2147483648] overflows") { $0.outputs[0].shape = [-1, 1 << 31, 1 << 31] }
    }

    @Test func namesAndCounts() {
        let long = String(repeating: "w", count: 300)
        expect(.limit, "tensor name '\(String(repeating: "w", count: 80))…' is 300 bytes, over the cap of 256") { $0.tensors[0].name = long }
        expect(.limit, "node 'conv1' attribute name") { $0.nodes[0].attributes[long] = .int(1) }
        expect(.malformed, "node #1 name is empty") { $0.nodes[1].name = "" }
        expect(.malformed, "tensor name is empty") { $0.tensors[2].name = "" }
        expect(.malformed, "node 'fc' operator is empty") { $0.nodes[3].op = "" }
        expect(.malformed, "node #2 name 'fl\\u{1b}[31mat' contains a control character") { $0.nodes[2].name = "fl\u{1B}[31mat" }
        expect(.limit, "node 'fc' has 1025 inputs, over the cap of 1024") { $0.nodes[3].inputs = Array(repeating: "f", count: 1025) }
        expect(.limit, "1025 graph inputs exceed the cap of 1024") { h in
            h.inputs = (0...1024).map { ValueInfo(name: "in\($0)", dtype: .float32, shape: [1]) }
        }
        expect(.graph, "the graph has no outputs") { $0.outputs = [] }
        // Over the tensor cap: 65,537 empty tensors (a ~4 MiB header, under its own cap).
        expect(.limit, "65537 tensors exceed the cap of 65536", dataLength: 0) { h in
            h.tensors = (0...65536).map { KilnTensorEntry(name: "t\($0)", dtype: .float32, shape: [0], offset: 0, length: 0, crc32: 0) }
        }
    }

    @Test func brokenGraphs() {
        expect(.graph, "node 'pool' input 'x9' is not produced before it (dangling") { $0.nodes[1].inputs = ["x9"] }
        // pool ← flat ← pool: a cycle, seen as pool using a value of a later node.
        expect(.graph, "node 'pool' input 'f' is not produced before it (cyclic or out of order: produced by later node 'flat')") {
            $0.nodes[1].inputs = ["f"]
        }
        expect(.graph, "node 'pool' input 'p' is not produced before it (cyclic or out of order: produced by the node itself)") {
            $0.nodes[1].inputs = ["p"]
        }
        expect(.graph, "node 'fc' input 'probs' is not produced before it (cyclic") { $0.nodes[3].inputs = ["probs", "fc.weight"] }
        expect(.graph, "duplicate node name 'pool'") { $0.nodes[2].name = "pool" }
        expect(.graph, "duplicate tensor name 'conv1.weight'") { $0.tensors[1].name = "conv1.weight" }
        expect(.graph, "node 'flat' output 'p' is already produced by node 'pool'") { $0.nodes[2].outputs = ["p"] }
        expect(.graph, "node 'conv1' output 'table' is already a tensor") { $0.nodes[0].outputs = ["table"] }
        expect(.graph, "node 'conv1' output 'image' is already a graph input") { $0.nodes[0].outputs = ["image"] }
        expect(.graph, "graph input 'table' is already a tensor") { $0.inputs[1].name = "table" }
        expect(.graph, "graph input 'image' is already a graph input") { $0.inputs[1].name = "image" }
        expect(.graph, "graph output 'nowhere' is not produced by any node, tensor or graph input") { $0.outputs[0].name = "nowhere" }
        expect(.graph, "duplicate graph output 'probs'") { $0.outputs[1].name = "probs" }
    }

    /// Random edits of the JSON with checksums recomputed, so every variant reaches the parser
    /// and the validators: each must be accepted or refused cleanly, and an accepted one must
    /// still hand out only in-bounds tensor ranges.
    @Test func randomHeaderEditsNeverCrash() throws {
        let json = try header.encodedJSON()
        let alphabet = Array("0123456789-+.eE[]{}\",:truefalsnl \\ux".utf8) + [0x00, 0x0A, 0xC3, 0xFF]
        var rng = SeededGenerator(seed: 17)
        var outcomes: [KilnFileError.Kind: Int] = [:]
        var accepted = 0
        try withTemporaryDirectory { (dir: String) throws in
            for _ in 0..<600 {
                var edited = json
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    let at = Int.random(in: 0..<edited.count, using: &rng)
                    switch Int.random(in: 0..<3, using: &rng) {
                    case 0: edited[at] = alphabet.randomElement(using: &rng)!
                    case 1: edited.insert(alphabet.randomElement(using: &rng)!, at: at)
                    default: edited.remove(at: at)
                    }
                }
                writeFile(forge(json: edited, data: data), to: dir + "/r.kiln")
                do throws(KilnFileError) {
                    let file = try KilnFile.open(path: dir + "/r.kiln")
                    accepted += 1
                    for i in file.header.tensors.indices {
                        let b = file.tensorBytes(at: i)
                        #expect(b.count == file.header.tensors[i].length)
                    }
                } catch {
                    outcomes[error.kind, default: 0] += 1
                    #expect(!error.message.isEmpty)
                }
            }
        }
        // Most edits break the JSON; some reach the layout and graph checks.
        #expect(outcomes[.malformed, default: 0] > 100)
        #expect(accepted + outcomes.values.reduce(0, +) == 600)
    }

    @Test func brokenJSON() throws {
        let json = String(decoding: try header.encodedJSON(), as: UTF8.self)
        func edited(_ from: String, _ to: String) -> [UInt8] {
            precondition(json.contains(from), "sample JSON lacks \(from)")
            return Array(json.replacingOccurrences(of: from, with: to).utf8)
        }
        expectJSON(edited("\"dtype\":\"FP16\"", "\"dtype\":\"FP8\""), .malformed, "tensor 'fc.weight': unknown dtype 'FP8'")
        expectJSON(
            edited("\"dtype\":\"INT64\",\"name\":\"ids\"", "\"dtype\":\"int64\",\"name\":\"ids\""), .malformed,
            "graph input 'ids': unknown dtype 'int64'")
        expectJSON(edited("\"tensors\":", "\"tensorz\":"), .malformed, "header is not valid .kiln JSON: missing key 'tensors' at the top level")
        expectJSON(edited("\"shape\":[4,3,3,3]", "\"shape\":\"4x3x3x3\""), .malformed, "at tensors[0].shape")
        expectJSON(edited("\"shape\":[4,3,3,3]", "\"shape\":[4,3,3,1e30]"), .malformed, "header is not valid .kiln JSON")
        expectJSON(edited("\"length\":432", "\"length\":null"), .malformed, "tensors[0].length")
        expectJSON(
            edited("\"group\":{\"i\":1}", "\"group\":{\"f\":2,\"i\":1}"), .malformed,
            "an attribute has exactly one of i, f, s, ints, floats, strings at nodes[0].attributes.group")
        expectJSON(Array("{".utf8), .malformed, "header is not valid .kiln JSON")
        expectJSON([0xFF, 0xFE, 0x7B, 0x7D], .malformed, "header is not valid .kiln JSON")
        expectJSON(Array("[]".utf8), .malformed, "header is not valid .kiln JSON: expected")
        // Deep nesting must fail cleanly, not exhaust the stack.
        expectJSON(Array(String(repeating: "[", count: 200_000).utf8), .limit, "header JSON nests deeper than 64 levels (at header byte 64)")
        expectJSON(Array(("{\"metadata\":" + String(repeating: "{\"a\":", count: 100_000)).utf8), .limit, "nests deeper than 64")
        // Brackets inside strings do not count.
        expectJSON(
            edited("\"name\":\"tiny-cnn\"", "\"name\":\"\(String(repeating: "[{\\\"", count: 100))\""), .limit,
            "model name '[{\"[{\"")
    }
}
