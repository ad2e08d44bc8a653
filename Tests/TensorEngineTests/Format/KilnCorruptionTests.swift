import Foundation
import Testing

@testable import TensorEngine

/// Damaged files, derived from a valid one: truncations, bit flips, text-mode mangling and
/// hostile preamble values. Every one must be refused with a message saying what is wrong.
@Suite struct KilnCorruptionTests {
    let good: [UInt8]
    let headerEnd: Int
    let dataOffset: Int
    let dataLength: Int
    let tensors: [KilnTensorEntry]

    init() throws {
        good = try SampleModel.encoded()
        let parts = try SampleModel.parts()
        headerEnd = 64 + Int(good.withUnsafeBytes { KilnPreamble(decoding: $0) }.headerLength)
        dataOffset = parts.dataOffset
        dataLength = parts.data.count
        tensors = parts.header.tensors
    }

    @Test func truncationAtEveryBoundaryAndRandomOffsets() throws {
        try withTemporaryDirectory { dir in
            var cuts = [0, 1, 7, 8, 32, 63, 64, 65, headerEnd - 1, headerEnd, dataOffset - 1, dataOffset]
            for t in tensors { cuts += [dataOffset + t.offset, dataOffset + t.offset + t.length] }
            cuts += [dataOffset + dataLength - 1, dataOffset + dataLength, good.count - 1]
            var rng = SeededGenerator(seed: 7)
            cuts += (0..<200).map { _ in Int.random(in: 0..<good.count, using: &rng) }
            for cut in cuts {
                let error = try #require(rejection(of: Array(good[0..<cut]), at: dir + "/t.kiln"), "accepted a cut at \(cut)")
                #expect(error.kind == .truncated, "cut at \(cut): \(error.message)")
                #expect(error.message.hasPrefix("truncated: file is"), "cut at \(cut): \(error.message)")
            }
            #expect(
                rejection(of: Array(good[0..<1000]), at: dir + "/t.kiln")?.message
                    == "truncated: file is 1000 bytes, but its header ends at byte \(headerEnd)")
            #expect(
                rejection(of: Array(good.dropLast()), at: dir + "/t.kiln")?.message
                    == "truncated: file is \(good.count - 1) bytes, header says \(good.count)")
            expectRejected(good + [0], at: dir + "/t.kiln", .layout, "trailing data: file is \(good.count + 1) bytes, header says \(good.count)")
            #expect(rejection(of: good, at: dir + "/t.kiln") == nil)
        }
    }

    /// Every bit of the preamble: each field's damage is caught by its own check or, for the
    /// fields only the CRC vouches for, by the header checksum.
    @Test func everyPreambleBitFlipIsRejected() throws {
        try withTemporaryDirectory { dir in
            for byte in 0..<64 {
                for bit in 0..<8 {
                    var bytes = good
                    bytes[byte] ^= 1 << bit
                    let error = try #require(rejection(of: bytes, at: dir + "/f.kiln"), "accepted a flip at byte \(byte) bit \(bit)")
                    let allowed: Set<KilnFileError.Kind> =
                        switch byte {
                        case 0..<8: [.notKiln]
                        case 8..<10: [.unsupported, .malformed]
                        case 12..<24: [.unsupported]
                        case 24..<32: [.limit, .truncated, .checksum, .malformed]
                        default: [.checksum]
                        }
                    #expect(allowed.contains(error.kind), "byte \(byte) bit \(bit): \(error.message)")
                }
            }
        }
    }

    @Test func everyHeaderByteFlipIsRejected() throws {
        try withTemporaryDirectory { dir in
            var rng = SeededGenerator(seed: 11)
            for byte in 64..<headerEnd {
                var bytes = good
                bytes[byte] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
                let error = try #require(rejection(of: bytes, at: dir + "/f.kiln"), "accepted a flip at header byte \(byte)")
                #expect(error.message.hasPrefix("header checksum mismatch"), "byte \(byte): \(error.message)")
            }
        }
    }

    /// Data flips pass every structural check; the checksums catch them and say where.
    @Test func sampledDataFlipsAreCaughtByChecksums() throws {
        try withTemporaryDirectory { dir in
            var rng = SeededGenerator(seed: 13)
            var offsets = Array(dataOffset..<good.count)  // every data and trailer byte
            offsets += (0..<64).map { _ in Int.random(in: headerEnd..<dataOffset, using: &rng) }
            for offset in offsets {
                var bytes = good
                bytes[offset] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
                let error = try #require(rejection(of: bytes, at: dir + "/f.kiln"), "accepted a flip at \(offset)")
                let expected: String
                if offset < dataOffset {
                    expected = "non-zero byte in the padding before the data section, at file offset \(offset)"
                } else if offset >= dataOffset + dataLength {
                    expected = "file checksum mismatch"
                } else if let t = tensors.first(where: { (dataOffset + $0.offset)..<(dataOffset + $0.offset + $0.length) ~= offset }) {
                    expected = "tensor '\(t.name)' checksum mismatch (data corrupted)"
                } else {
                    expected = "non-zero padding byte at file offset \(offset)"
                }
                #expect(error.message.hasPrefix(expected), "offset \(offset): \(error.message)")
            }
        }
    }

    @Test func uncheckedOpenDefersDataDamageToVerify() throws {
        try withTemporaryDirectory { dir in
            let bigTensor = try #require(tensors.first { $0.name == "big" })
            var bytes = good
            bytes[dataOffset + bigTensor.offset + 5] ^= 0x10
            writeFile(bytes, to: dir + "/m.kiln")
            let file = try KilnFile.open(path: dir + "/m.kiln", verifyChecksums: false)
            let problems = file.verify().map(\.message)
            #expect(problems.count == 2)
            #expect(problems.first?.hasPrefix("tensor 'big' checksum mismatch (data corrupted)") == true)
            #expect(problems.last?.hasPrefix("file checksum mismatch") == true)
            #expect(rejection(of: bytes, at: dir + "/m2.kiln")?.message == problems.first)
        }
    }

    @Test func textModeTransfersAreNamed() {
        withTemporaryDirectory { dir in
            var crlfToLF: [UInt8] = []
            for (i, b) in good.enumerated() where !(b == 0x0D && i + 1 < good.count && good[i + 1] == 0x0A) { crlfToLF.append(b) }
            var lfToCRLF: [UInt8] = []
            for b in good {
                if b == 0x0A { lfToCRLF.append(0x0D) }
                lfToCRLF.append(b)
            }
            let sevenBit = good.map { $0 & 0x7F }
            for mangled in [crlfToLF, lfToCRLF, sevenBit] {
                expectRejected(mangled, at: dir + "/m.kiln", .notKiln, "transferred in text mode")
            }
            expectRejected(
                Array("{\"not\": \"kiln\"}\n".utf8) + [UInt8](repeating: 32, count: 100), at: dir + "/m.kiln", .notKiln,
                "not a .kiln file: magic is 7b 22 6e 6f 74 22 3a 20")
            expectRejected([], at: dir + "/m.kiln", .truncated, "truncated: file is 0 bytes, shorter than the 64-byte preamble")
            expectRejected(Array("hello".utf8), at: dir + "/m.kiln", .notKiln, "not a .kiln file: 5 bytes")
        }
    }

    @Test func hostilePreambleValues() throws {
        let (header, data, offset) = try SampleModel.parts()
        func with(_ adjust: (inout KilnPreamble) -> Void) -> [UInt8] { forge(header, data: data, adjust: adjust) }
        try withTemporaryDirectory { (dir: String) throws in
            let path = dir + "/p.kiln"
            expectRejected(with { $0.features = 1 << 5 }, at: path, .unsupported, "unsupported required feature bit 5 (this reader knows none)")
            expectRejected(with { $0.features = 1 | 1 << 63 }, at: path, .unsupported, "unsupported required feature bits 0, 63")
            expectRejected(with { $0.version.major = 2 }, at: path, .unsupported, "format version 2.0 is newer than this reader (1.x)")
            expectRejected(with { $0.version = .init(major: 0, minor: 9) }, at: path, .malformed, "format version 0.9 is not valid")
            expectRejected(with { $0.byteOrder = 0x0403_0201 }, at: path, .unsupported, "byte-order marker is 0x4030201")
            expectRejected(with { $0.headerLength = 1 << 40 }, at: path, .limit, "header length 1099511627776 exceeds the 16777216-byte cap")
            expectRejected(with { $0.headerLength = UInt64.max }, at: path, .limit, "header length 18446744073709551615 exceeds")
            expectRejected(with { $0.headerLength = 1 << 20 }, at: path, .truncated, "but its header ends at byte \(64 + (1 << 20))")
            expectRejected(with { $0.headerLength = 0 }, at: path, .malformed, "header length is 0")
            expectRejected(with { $0.reserved32 = 1 }, at: path, .malformed, "reserved preamble field at byte 36 is not zero")
            expectRejected(with { $0.reserved64 = 1 << 62 }, at: path, .malformed, "reserved preamble field at byte 56 is not zero")
            expectRejected(with { $0.dataOffset += 4096 }, at: path, .malformed, "is not the first multiple of 4096 after the header")
            expectRejected(with { $0.dataOffset = 100 }, at: path, .malformed, "data offset 100 is not the first multiple of 4096")
            expectRejected(with { $0.totalLength = $0.dataOffset + 31 }, at: path, .malformed, "leaves no room for the data section")
            expectRejected(with { $0.totalLength = UInt64.max }, at: path, .malformed, "data section length")
            expectRejected(with { $0.totalLength = (1 << 62) + $0.dataOffset + 32 }, at: path, .truncated, "header says \((1 << 62) + offset + 32)")
            expectRejected(with { $0.totalLength += 1 }, at: path, .malformed, "is not a multiple of 64")
            expectRejected(with { $0.totalLength += 64 }, at: path, .truncated, "truncated: file is")

            // A newer minor version is readable: minors only add what may be ignored.
            writeFile(with { $0.version.minor = 9 }, to: path)
            #expect(try KilnFile.open(path: path).formatVersion == KilnFormatVersion(major: 1, minor: 9))
        }
    }
}
