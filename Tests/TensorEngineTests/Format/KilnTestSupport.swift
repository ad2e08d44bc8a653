import Foundation
import Testing

@testable import TensorEngine

// Corpora use TensorEngine's SeededGenerator (SplitMix64), so every run is the same.

/// A scratch directory under the system temp dir, removed when the test ends.
func withTemporaryDirectory<R>(_ body: (String) throws -> R) rethrows -> R {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-format-\(UUID().uuidString)").path
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    return try body(dir)
}

/// Writes `bytes` to `path` as a new inode (unlink first), so a mapping of an earlier
/// version of the file can never see its pages change.
func writeFile(_ bytes: [UInt8], to path: String) {
    unlink(path)
    _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
}

/// Opens `bytes` through a real file and returns the error, or nil if the file was accepted.
func rejection(of bytes: [UInt8], at path: String, verifyChecksums: Bool = true) -> KilnFileError? {
    writeFile(bytes, to: path)
    do {
        _ = try KilnFile.open(path: path, verifyChecksums: verifyChecksums)
        return nil
    } catch {
        return error
    }
}

/// Expects `bytes` to be refused with `kind` and a message containing `fragment`.
func expectRejected(
    _ bytes: [UInt8], at path: String, _ kind: KilnFileError.Kind, _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation
) {
    guard let error = rejection(of: bytes, at: path) else {
        Issue.record("accepted a file that should fail with: \(fragment)", sourceLocation: sourceLocation)
        return
    }
    #expect(error.kind == kind, "\(error.message)", sourceLocation: sourceLocation)
    #expect(error.message.contains(fragment), "message was: \(error.message)", sourceLocation: sourceLocation)
}

/// Builds a file around any header and data section with correct CRC, offsets and SHA-256
/// but no validation, so each hostile value reaches the check meant to catch it.
func forge(
    json: [UInt8], data: [UInt8], dataLength: Int? = nil, adjust: (inout KilnPreamble) -> Void = { _ in }
) -> [UInt8] {
    let length = dataLength ?? data.count
    var plan = KilnFileWriter.layout(json: json, blocks: [(0, Array(data.prefix(length)))], dataLength: length)
    adjust(&plan.preamble)
    var out: [UInt8] = []
    try! KilnFileWriter.emit(plan, to: { (chunk: UnsafeRawBufferPointer) throws(KilnFileError) in out.append(contentsOf: chunk) })
    return out
}

func forge(_ header: KilnHeader, data: [UInt8], dataLength: Int? = nil, adjust: (inout KilnPreamble) -> Void = { _ in }) -> [UInt8] {
    forge(json: try! header.encodedJSON(), data: data, dataLength: dataLength, adjust: adjust)
}

/// A small model touching every feature: a dynamic batch input, every dtype, an empty tensor,
/// a tensor whose length is not a multiple of 64, every attribute kind, omitted optional
/// inputs and outputs.
enum SampleModel {
    static let metadata = ModelMetadata(
        name: "tiny-cnn", version: "3", task: "image-classification", labels: ["ok", "scratch", "dent"],
        preprocessing: ["layout": "NCHW", "mean": "0.485,0.456,0.406"], extra: ["producer": "kiln-tests", "ü": "ß/✓"])
    static let inputs = [
        ValueInfo(name: "image", dtype: .float32, shape: [-1, 3, 8, 8]),
        ValueInfo(name: "ids", dtype: .int64, shape: [-1, 5]),
    ]
    static let outputs = [ValueInfo(name: "probs", dtype: .float32, shape: [-1, 3]), ValueInfo(name: "emb", dtype: .float32, shape: [-1, 5, 2])]

    static let nodes = [
        GraphNode(
            name: "conv1", op: "Conv", inputs: ["image", "conv1.weight", "conv1.bias"], outputs: ["c1"],
            attributes: [
                "kernel_shape": .ints([3, 3]), "pads": .ints([1, 1, 1, 1]), "group": .int(1), "auto_pad": .string("NOTSET"),
                "alpha": .float(0.1), "clip": .floats([-1.5, 6, .infinity]), "tags": .strings(["fused", "relu"]),
            ]),
        GraphNode(name: "pool", op: "GlobalAveragePool", inputs: ["c1"], outputs: ["p"]),
        GraphNode(name: "flat", op: "Flatten", inputs: ["p"], outputs: ["f"], attributes: ["axis": .int(1)]),
        GraphNode(name: "fc", op: "Gemm", inputs: ["f", "fc.weight", ""], outputs: ["logits"], attributes: ["transB": .int(1)]),
        GraphNode(name: "softmax", op: "Softmax", inputs: ["logits"], outputs: ["probs"], attributes: ["axis": .int(-1)]),
        GraphNode(name: "lookup", op: "Gather", inputs: ["table", "ids"], outputs: ["emb", ""]),
    ]

    static func tensors() -> [KilnTensor] {
        var rng = SeededGenerator(seed: 42)
        func random(_ n: Int) -> [UInt8] { (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) } }
        let weights = (0..<(4 * 3 * 3 * 3)).map { _ in Float.random(in: -1...1, using: &rng) }
        return [
            KilnTensor(name: "conv1.weight", dtype: .float32, shape: [4, 3, 3, 3], bytes: weights.withUnsafeBytes { Array($0) }),
            KilnTensor(name: "conv1.bias", dtype: .float32, shape: [4], bytes: random(16)),
            KilnTensor(name: "unused.empty", dtype: .float32, shape: [0, 4], bytes: []),
            KilnTensor(name: "fc.weight", dtype: .float16, shape: [3, 4], bytes: random(24)),
            KilnTensor(name: "table", dtype: .float32, shape: [7, 2], bytes: random(56)),
            KilnTensor(name: "positions", dtype: .int64, shape: [5], bytes: random(40)),
            KilnTensor(name: "axes", dtype: .int32, shape: [3], bytes: random(12)),
            KilnTensor(name: "scale", dtype: .int8, shape: [3], bytes: random(3)),
            KilnTensor(name: "mask", dtype: .bool, shape: [1, 5], bytes: [1, 0, 1, 1, 0]),
            KilnTensor(name: "lut", dtype: .uint8, shape: [], bytes: [7]),
            KilnTensor(name: "big", dtype: .float32, shape: [70], bytes: random(280)),
        ]
    }

    static func encoded() throws -> [UInt8] {
        try KilnFileWriter.encode(metadata: metadata, inputs: inputs, outputs: outputs, nodes: nodes, tensors: tensors())
    }

    /// The sample's header as the writer lays it out, and its data section, for forging.
    static func parts() throws -> (header: KilnHeader, data: [UInt8], dataOffset: Int) {
        let plan = try KilnFileWriter.plan(metadata: metadata, inputs: inputs, outputs: outputs, nodes: nodes, tensors: tensors())
        let bytes = try encoded()
        let json = Array(bytes[64..<(64 + Int(plan.preamble.headerLength))])
        let header = try json.withUnsafeBytes { (b: UnsafeRawBufferPointer) throws in try KilnHeader.decode(json: b) }
        let start = Int(plan.preamble.dataOffset)
        return (header, Array(bytes[start..<(start + plan.dataLength)]), start)
    }
}
