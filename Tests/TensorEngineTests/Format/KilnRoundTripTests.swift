import Foundation
import Testing

@testable import TensorEngine

/// Writing then reading gives back exactly what was written, laid out as specified.
@Suite struct KilnRoundTripTests {
    @Test func roundTripIsExact() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/tiny.kiln"
            let tensors = SampleModel.tensors()
            try KilnFileWriter.write(
                metadata: SampleModel.metadata, inputs: SampleModel.inputs, outputs: SampleModel.outputs,
                nodes: SampleModel.nodes, tensors: tensors, to: path)
            let file = try KilnFile.open(path: path)

            #expect(file.header.metadata == SampleModel.metadata)
            #expect(file.header.inputs == SampleModel.inputs)
            #expect(file.header.outputs == SampleModel.outputs)
            #expect(file.header.nodes == SampleModel.nodes)
            #expect(file.header.inputs[0].hasDynamicBatch)
            #expect(file.formatVersion == KilnFormatVersion(major: 1, minor: 0))
            #expect(file.header.tensors.map(\.name) == tensors.map(\.name))
            for t in tensors {
                let bytes = try #require(file.tensorBytes(named: t.name))
                #expect(Array(bytes) == t.bytes, "tensor \(t.name)")
                #expect(Int(bitPattern: bytes.baseAddress) % 64 == 0, "tensor \(t.name) is not 64-byte aligned")
                let entry = try #require(file.header.tensors.first { $0.name == t.name })
                #expect(entry.dtype == t.dtype && entry.shape == t.shape && entry.length == t.bytes.count)
                #expect(entry.offset % 64 == 0)
            }
            #expect(file.tensorBytes(named: "unused.empty")?.count == 0)
            #expect(file.tensorBytes(named: "no.such.tensor") == nil)
            #expect(file.dataOffset % 4096 == 0)
            #expect(file.verify().isEmpty)

            // The trailer is the SHA-256 of everything before it, as an independent hash says.
            let onDisk = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            #expect(file.fileSize == onDisk.count)
            #expect(file.sha256 == SHA256Hasher.hex(onDisk.suffix(32)))
            #expect(file.sha256 == SHA256Hasher.hex(onDisk.dropLast(32).withUnsafeBytes { SHA256Hasher.digest($0) }))
            #expect(file.fileSize == file.dataOffset + file.dataLength + 32)
        }
    }

    @Test func nonFiniteFloatAttributesSurvive() throws {
        let bytes = try SampleModel.encoded()
        let json = Array(bytes[64..<(64 + Int(bytes.withUnsafeBytes { KilnPreamble(decoding: $0) }.headerLength))])
        let header = try json.withUnsafeBytes { (b: UnsafeRawBufferPointer) throws in try KilnHeader.decode(json: b) }
        #expect(header.nodes[0].attributes["clip"] == .floats([-1.5, 6, .infinity]))
        #expect(String(decoding: json, as: UTF8.self).contains("\"inf\""))
    }

    @Test func writerIsDeterministicAndMatchesEncode() throws {
        try withTemporaryDirectory { dir in
            let a = try SampleModel.encoded()
            let b = try SampleModel.encoded()
            #expect(a == b)
            let path = dir + "/m.kiln"
            // Overwrites an existing file by rename and leaves no temporary file behind.
            writeFile([1, 2, 3], to: path)
            try KilnFileWriter.write(
                metadata: SampleModel.metadata, inputs: SampleModel.inputs, outputs: SampleModel.outputs,
                nodes: SampleModel.nodes, tensors: SampleModel.tensors(), to: path)
            #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) == a)
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["m.kiln"])
        }
    }

    @Test func writerRefusesWhatTheReaderWould() throws {
        func attempt(_ tensors: [KilnTensor], nodes: [GraphNode] = SampleModel.nodes) -> KilnFileError? {
            do {
                _ = try KilnFileWriter.encode(
                    metadata: SampleModel.metadata, inputs: SampleModel.inputs, outputs: SampleModel.outputs, nodes: nodes, tensors: tensors)
                return nil
            } catch { return error }
        }
        var tensors = SampleModel.tensors()
        tensors[1].bytes.removeLast()
        #expect(attempt(tensors)?.message == "tensor 'conv1.bias': length 15 does not match FP32 × [4] = 16 bytes")
        var dangling = SampleModel.nodes
        dangling[1].inputs = ["c9"]
        #expect(attempt(SampleModel.tensors(), nodes: dangling)?.message.contains("node 'pool' input 'c9'") == true)
        #expect(throws: KilnFileError.self) {
            try KilnFileWriter.write(
                metadata: SampleModel.metadata, inputs: [], outputs: SampleModel.outputs, nodes: [], tensors: [],
                to: "/nonexistent-dir/m.kiln")
        }
    }

    @Test func openedFileIsSharedAcrossTasks() async throws {
        let file = try withTemporaryDirectory { dir in
            let path = dir + "/m.kiln"
            writeFile(try SampleModel.encoded(), to: path)
            return try KilnFile.open(path: path)
        }
        // The directory (and the file's name) are gone; the mapping keeps the data alive.
        let expected = SampleModel.tensors().map(\.bytes)
        let results = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 {
                group.addTask { file.header.tensors.indices.allSatisfy { Array(file.tensorBytes(at: $0)) == expected[$0] } }
            }
            return await group.reduce(true) { $0 && $1 }
        }
        #expect(results)
    }

    @Test func mappedFileReportsErrno() {
        #expect(throws: MappedFileError(operation: "open", path: "/nonexistent/x.kiln", errno: ENOENT)) {
            try MappedFile(path: "/nonexistent/x.kiln")
        }
        do {
            _ = try MappedFile(path: "/tmp")
            Issue.record("mapped a directory")
        } catch {
            #expect(error.description == "/tmp: not a regular file")
        }
        do {
            _ = try KilnFile.open(path: "/nonexistent/x.kiln")
        } catch {
            #expect(error.kind == .io)
            #expect(error.message.contains("No such file or directory (errno 2)"))
        }
    }

    @Test func checksumHelpersMatchKnownVectors() {
        // The CRC-32 check value, and FIPS 180-2 appendix B.1.
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        let abc = Array("abc".utf8).withUnsafeBytes { SHA256Hasher.digest($0) }
        #expect(SHA256Hasher.hex(abc) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}
