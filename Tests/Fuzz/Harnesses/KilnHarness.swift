import TensorEngine

/// The .kiln loader as the model repository uses it: `KilnFile.open`, `GraphModel(file:)`,
/// then planning at batch 1. An input that starts with the KILN magic is a whole file and is
/// opened with every checksum checked. An input that starts with "{" is header JSON (up to
/// the first NUL byte; what follows is the data section) wrapped into a file whose preamble,
/// header CRC and SHA-256 are right, so mutations reach the header and graph checks instead
/// of stopping at a checksum; that file is opened without tensor checksums, then `verify()`
/// runs over it anyway.
enum KilnHarness {
    static func run(_ data: [UInt8]) {
        let path: String
        let verify: Bool
        if data.first == UInt8(ascii: "{") {
            let split = data.firstIndex(of: 0) ?? data.count
            let json = Array(data[..<split])
            guard !json.isEmpty, json.count <= KilnLimits.maxHeaderLength else { return }
            path = ScratchFile.write(KilnFileBuilder.file(json: json, data: Array(data[min(split + 1, data.count)...])), name: "input.kiln")
            verify = false
        } else {
            path = ScratchFile.write(data, name: "input.kiln")
            verify = true
        }
        guard let file = try? KilnFile.open(path: path, verifyChecksums: verify) else { return }
        if !verify { _ = file.verify() }
        for i in file.header.tensors.indices {
            let bytes = file.tensorBytes(at: i)
            precondition(bytes.count == file.header.tensors[i].length, "tensor \(i) has the wrong length")
        }
        guard let graph = try? GraphModel(file: file) else { return }
        _ = try? ExecutionPlan(model: graph, batch: 1)
    }
}
