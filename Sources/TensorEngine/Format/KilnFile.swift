// The .kiln file format, version 1.0 (also docs/format.md). All integers little-endian;
// offsets are bytes from the start of the file unless said otherwise.
//
//  1. Magic, 8 bytes at 0: 4B 49 4C 4E 89 0D 0A 0A ("KILN", then bytes that 7-bit channels
//     and CRLF/LF conversions damage, as in PNG).
//  2. Format major version, u16 at 8 (1). A reader refuses a newer major.
//  3. Format minor version, u16 at 10 (0). A reader accepts a newer minor: minors only add
//     what older readers may ignore (new optional header keys).
//  4. Byte-order marker, u32 at 12: 0x01020304, i.e. bytes 04 03 02 01.
//  5. Required features, u64 at 16: a bit set for each feature a reader must implement to
//     read the file. None is defined in 1.0, so any set bit is refused, naming the bit.
//  6. Header length H, u64 at 24: 1 ≤ H ≤ 16 MiB.
//  7. Header CRC-32, u32 at 32: CRC-32 (zlib's) of bytes 0..<64 with bytes 32..<36 taken as
//     zero, followed by the H header bytes. It covers every preamble field.
//  8. Reserved, u32 at 36: 0.
//  9. Data offset D, u64 at 40: 64 + H rounded up to a multiple of 4096 (exactly that).
// 10. Total file length T, u64 at 48: D + data length L + 32, with L a multiple of 64.
// 11. Reserved, u64 at 56: 0.
// 12. Header, H bytes at 64: UTF-8 JSON, one object with keys
//     "metadata" (name, version, task, labels, preprocessing, extra),
//     "inputs" and "outputs" ([{name, dtype, shape}], dtype by name such as "FP32", -1 only
//       as dimension 0 for a dynamic batch),
//     "nodes" ([{name, op, inputs, outputs, attributes}], attributes as one-key objects
//       {"i"|"f"|"s"|"ints"|"floats"|"strings": value}; non-finite floats as "inf", "-inf", "nan"),
//     "tensors" ([{name, dtype, shape, offset, length, crc32}], offset relative to D).
//     Unknown keys are ignored. Writers emit sorted keys and no whitespace.
// 13. Zero bytes from 64 + H up to D.
// 14. Data section, L bytes at D: the tensors in table order. The first is at offset 0; each
//     next one at the previous end rounded up to 64; L is the last end rounded up to 64 (0 if
//     there are no tensors). Gaps are zero bytes. length = dtype size × element count,
//     exactly; crc32 is the CRC-32 of the tensor's bytes. Element data is little-endian,
//     row-major.
// 15. Trailer, 32 bytes at D + L: SHA-256 of bytes 0..<D+L.
//
// Caps (KilnLimits): header 16 MiB, rank 8, names 256 UTF-8 bytes without control
// characters, 65,536 tensors, 65,536 nodes, 1,024 inputs and 1,024 outputs per node and
// for the graph, each dimension in 0...2^31. Graph rules: node, tensor and graph-input names
// unique and distinct; every value produced once; every non-empty node input defined before
// its node (graph input, tensor or earlier node's output); every graph output defined.

/// An opened, validated .kiln file, memory-mapped read-only: the header is decoded and every
/// offset, size and graph reference checked before `open` returns, and tensor data is never
/// copied (`tensorBytes` points into the mapping, 64-byte aligned). The mapping lives as long
/// as this object; it is immutable and safe to share across threads.
public final class KilnFile: Sendable {
    public let path: String
    public let header: KilnHeader
    public let formatVersion: KilnFormatVersion
    /// File size in bytes.
    public let fileSize: Int
    /// Where the data section starts in the file, and its length.
    public let dataOffset: Int
    public let dataLength: Int
    /// The whole-file SHA-256 stored in the trailer, as hex: verified by `open` unless
    /// `verifyChecksums` is false (see `verify()`), and usable as the model's identity.
    public let sha256: String

    private let mapping: MappedFile
    private let tensorIndex: [String: Int]

    /// Maps and validates `path`. With `verifyChecksums` (the default) every tensor CRC, the
    /// padding and the SHA-256 trailer are checked too, which reads the whole file once;
    /// without it only the preamble, header and padding pages are touched.
    public static func open(path: String, verifyChecksums: Bool = true) throws(KilnFileError) -> KilnFile {
        let mapping: MappedFile
        do {
            mapping = try MappedFile(path: path)
        } catch {
            throw KilnFileError(.io, error.description)
        }
        let file = try KilnFile(mapping: mapping)
        if verifyChecksums, let problem = file.verify().first { throw problem }
        return file
    }

    private init(mapping: MappedFile) throws(KilnFileError) {
        let bytes = mapping.bytes
        let preamble = try KilnPreamble.validate(bytes)
        let headerBytes = UnsafeRawBufferPointer(rebasing: bytes[KilnPreamble.size..<KilnPreamble.size + Int(preamble.headerLength)])
        let header = try KilnHeader.decode(json: headerBytes)
        try header.validate(dataLength: preamble.dataLength)

        self.mapping = mapping
        self.header = header
        path = mapping.path
        formatVersion = preamble.version
        fileSize = bytes.count
        dataOffset = Int(preamble.dataOffset)
        dataLength = preamble.dataLength
        sha256 = SHA256Hasher.hex(Array(bytes[(bytes.count - KilnPreamble.trailerSize)...]))
        var index: [String: Int] = [:]
        for (i, t) in header.tensors.enumerated() { index[t.name] = i }
        tensorIndex = index
    }

    /// The table entry (dtype, shape, offset, length) of the tensor called `name`.
    public func tensor(named name: String) -> KilnTensorEntry? {
        tensorIndex[name].map { header.tensors[$0] }
    }

    /// The bytes of the tensor called `name`, inside the mapping (valid while this object
    /// lives), or nil if there is no such tensor.
    public func tensorBytes(named name: String) -> UnsafeRawBufferPointer? {
        tensorIndex[name].map { tensorBytes(at: $0) }
    }

    /// The bytes of `header.tensors[index]`.
    public func tensorBytes(at index: Int) -> UnsafeRawBufferPointer {
        let t = header.tensors[index]
        let start = dataOffset + t.offset  // validated: inside the data section
        return UnsafeRawBufferPointer(rebasing: mapping.bytes[start..<start + t.length])
    }

    /// Checks the data against its checksums and returns every problem found (empty when the
    /// file is intact): each tensor's CRC-32, that all padding in the data section is zero,
    /// and the SHA-256 trailer. Tensor problems come first, as they say where the damage is.
    /// `kiln inspect` opens with `verifyChecksums: false` and reports this list.
    public func verify() -> [KilnFileError] {
        let bytes = mapping.bytes
        mapping.adviseSequential()
        var problems: [KilnFileError] = []
        var end = 0
        for (i, t) in header.tensors.enumerated() {
            if let bad = firstNonZero(end, t.offset) {
                problems.append(KilnFileError(.checksum, "non-zero padding byte at file offset \(bad) (before tensor \(quoted(t.name)))"))
            }
            let crc = CRC32.checksum(tensorBytes(at: i))
            if crc != t.crc32 {
                problems.append(
                    KilnFileError(
                        .checksum,
                        "tensor \(quoted(t.name)) checksum mismatch (data corrupted): "
                            + "stored 0x\(String(t.crc32, radix: 16)), computed 0x\(String(crc, radix: 16))"))
            }
            end = t.offset + t.length
        }
        if let bad = firstNonZero(end, dataLength) {
            problems.append(KilnFileError(.checksum, "non-zero padding byte at file offset \(bad) (end of the data section)"))
        }
        let hashed = UnsafeRawBufferPointer(rebasing: bytes[0..<(fileSize - KilnPreamble.trailerSize)])
        let computed = SHA256Hasher.hex(SHA256Hasher.digest(hashed))
        if computed != sha256 {
            problems.append(KilnFileError(.checksum, "file checksum mismatch: SHA-256 is \(computed), trailer says \(sha256)"))
        }
        return problems
    }

    /// File offset of the first non-zero byte in data-section range `from..<to`, if any.
    private func firstNonZero(_ from: Int, _ to: Int) -> Int? {
        guard from < to else { return nil }
        return mapping.bytes[(dataOffset + from)..<(dataOffset + to)].firstIndex { $0 != 0 }
    }
}
