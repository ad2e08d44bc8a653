/// A .kiln format version. Readers refuse a newer major and accept a newer minor (which
/// may only add things an older reader can ignore, such as new optional header keys).
public struct KilnFormatVersion: Sendable, Equatable, Comparable, CustomStringConvertible {
    public var major: UInt16
    public var minor: UInt16

    public init(major: UInt16, minor: UInt16) {
        self.major = major
        self.minor = minor
    }

    /// What this code writes, and the newest major it reads.
    public static let current = KilnFormatVersion(major: 1, minor: 0)

    public static func < (a: Self, b: Self) -> Bool { (a.major, a.minor) < (b.major, b.minor) }
    public var description: String { "\(major).\(minor)" }
}

/// The fixed 64-byte preamble (layout in KilnFile.swift and docs/format.md): encoding for
/// the writer, and the checks that come before the header is trusted for the reader.
struct KilnPreamble: Equatable {
    static let size = 64
    /// "KILN", then 0x89 (caught by 7-bit channels), CR LF (caught by CRLF→LF conversion)
    /// and a lone LF (caught by LF→CRLF conversion): the PNG trick.
    static let magic: [UInt8] = [0x4B, 0x49, 0x4C, 0x4E, 0x89, 0x0D, 0x0A, 0x0A]
    static let byteOrderMark: UInt32 = 0x0102_0304
    /// Required-feature bits this reader implements: none yet.
    static let knownFeatures: UInt64 = 0
    static let dataAlignment = 4096
    static let tensorAlignment = 64
    static let trailerSize = 32
    /// Byte range of the header CRC field, which is zeroed while the CRC is computed.
    static let crcField = 32..<36

    var version = KilnFormatVersion.current
    var byteOrder = byteOrderMark
    var features: UInt64 = 0
    var headerLength: UInt64 = 0
    var headerCRC: UInt32 = 0
    var reserved32: UInt32 = 0
    var dataOffset: UInt64 = 0
    var totalLength: UInt64 = 0
    var reserved64: UInt64 = 0

    /// The 64 bytes, little-endian, magic first.
    func encoded() -> [UInt8] {
        var out = Self.magic
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        put(version.major)
        put(version.minor)
        put(byteOrder)
        put(features)
        put(headerLength)
        put(headerCRC)
        put(reserved32)
        put(dataOffset)
        put(totalLength)
        put(reserved64)
        return out
    }

    /// Decodes the fields of a buffer holding at least 64 bytes; checks nothing.
    init(decoding bytes: UnsafeRawBufferPointer) {
        precondition(bytes.count >= Self.size)
        func get<T: FixedWidthInteger>(_ offset: Int, _: T.Type) -> T {
            T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
        }
        version = KilnFormatVersion(major: get(8, UInt16.self), minor: get(10, UInt16.self))
        byteOrder = get(12, UInt32.self)
        features = get(16, UInt64.self)
        headerLength = get(24, UInt64.self)
        headerCRC = get(32, UInt32.self)
        reserved32 = get(36, UInt32.self)
        dataOffset = get(40, UInt64.self)
        totalLength = get(48, UInt64.self)
        reserved64 = get(56, UInt64.self)
    }

    init() {}

    /// CRC-32 of the preamble with its CRC field zeroed, then the header bytes: one check
    /// covers every preamble field (so a flipped minor version or offset cannot pass) and
    /// the JSON.
    static func headerCRC(preamble: UnsafeRawBufferPointer, header: UnsafeRawBufferPointer) -> UInt32 {
        var crc = CRC32.checksum(UnsafeRawBufferPointer(rebasing: preamble[0..<crcField.lowerBound]))
        crc = withUnsafeBytes(of: UInt32(0)) { CRC32.checksum($0, seed: crc) }
        crc = CRC32.checksum(UnsafeRawBufferPointer(rebasing: preamble[crcField.upperBound..<size]), seed: crc)
        return CRC32.checksum(header, seed: crc)
    }

    /// Data-section length implied by a validated preamble.
    var dataLength: Int { Int(totalLength) - Int(dataOffset) - Self.trailerSize }

    /// Reads and checks the preamble of a whole file, in an order that gives the most
    /// specific message: identity first (magic, byte order, version, features), then the
    /// header's bounds, then its checksum, and only then the sizes the checksum vouches for
    /// (so a flipped bit in a length reads as corruption, not as truncation).
    static func validate(_ file: UnsafeRawBufferPointer) throws(KilnFileError) -> KilnPreamble {
        guard file.count >= size else {
            // A short file that starts like a .kiln file was cut; anything else is not ours.
            let n = min(file.count, magic.count)
            guard Array(file[0..<n]) == Array(magic[0..<n]) else {
                throw KilnFileError(.notKiln, "not a .kiln file: \(file.count) bytes, without the KILN magic")
            }
            throw KilnFileError(.truncated, "truncated: file is \(file.count) bytes, shorter than the \(size)-byte preamble")
        }
        let head = Array(file[0..<magic.count])
        guard head == magic else {
            if Array(head[0..<4]) == Array(magic[0..<4]) {
                throw KilnFileError(
                    .notKiln,
                    "bad magic: bytes 4-7 are \(hex(head[4...])), expected 89 0d 0a 0a "
                        + "(the file was probably transferred in text mode)")
            }
            throw KilnFileError(.notKiln, "not a .kiln file: magic is \(hex(head[...])), expected 4b 49 4c 4e 89 0d 0a 0a (\"KILN\"…)")
        }
        let p = KilnPreamble(decoding: file)
        guard p.byteOrder == byteOrderMark else {
            throw KilnFileError(
                .unsupported,
                "byte-order marker is 0x\(String(p.byteOrder, radix: 16)), expected 0x1020304 "
                    + "read little-endian (file written big-endian or corrupted)")
        }
        guard p.version.major >= 1 else { throw KilnFileError(.malformed, "format version \(p.version) is not valid (major 0)") }
        guard p.version.major <= KilnFormatVersion.current.major else {
            throw KilnFileError(.unsupported, "format version \(p.version) is newer than this reader (\(KilnFormatVersion.current.major).x)")
        }
        let unknown = p.features & ~knownFeatures
        guard unknown == 0 else {
            let bits = (0..<64).filter { unknown & (1 << UInt64($0)) != 0 }.map(String.init).joined(separator: ", ")
            throw KilnFileError(
                .unsupported,
                "unsupported required feature bit\(unknown.nonzeroBitCount > 1 ? "s" : "") \(bits) "
                    + "(this reader knows \(knownFeatures == 0 ? "none" : "0x" + String(knownFeatures, radix: 16)))")
        }
        guard p.headerLength > 0 else { throw KilnFileError(.malformed, "header length is 0") }
        guard p.headerLength <= UInt64(KilnLimits.maxHeaderLength) else {
            throw KilnFileError(.limit, "header length \(p.headerLength) exceeds the \(KilnLimits.maxHeaderLength)-byte cap")
        }
        let headerEnd = size + Int(p.headerLength)  // cannot overflow: both are small
        guard headerEnd <= file.count else {
            throw KilnFileError(.truncated, "truncated: file is \(file.count) bytes, but its header ends at byte \(headerEnd)")
        }
        let preamble = UnsafeRawBufferPointer(rebasing: file[0..<size])
        let computed = headerCRC(preamble: preamble, header: UnsafeRawBufferPointer(rebasing: file[size..<headerEnd]))
        guard computed == p.headerCRC else {
            throw KilnFileError(
                .checksum,
                "header checksum mismatch: stored 0x\(String(p.headerCRC, radix: 16)), "
                    + "computed 0x\(String(computed, radix: 16)) (preamble or header corrupted)")
        }
        guard p.reserved32 == 0, p.reserved64 == 0 else {
            throw KilnFileError(.malformed, "reserved preamble field at byte \(p.reserved32 != 0 ? 36 : 56) is not zero")
        }
        let expectedDataOffset = (headerEnd + dataAlignment - 1) / dataAlignment * dataAlignment
        guard p.dataOffset == UInt64(expectedDataOffset) else {
            throw KilnFileError(
                .malformed,
                "data offset \(p.dataOffset) is not the first multiple of \(dataAlignment) "
                    + "after the header (expected \(expectedDataOffset))")
        }
        guard p.totalLength >= p.dataOffset + UInt64(trailerSize) else {
            throw KilnFileError(
                .malformed,
                "total length \(p.totalLength) leaves no room for the data section at "
                    + "\(p.dataOffset) and the \(trailerSize)-byte trailer")
        }
        guard (p.totalLength - p.dataOffset - UInt64(trailerSize)) % UInt64(tensorAlignment) == 0 else {
            throw KilnFileError(
                .malformed,
                "data section length \(p.totalLength - p.dataOffset - UInt64(trailerSize)) "
                    + "is not a multiple of \(tensorAlignment)")
        }
        // Compared as UInt64: the field is only converted to Int once it is known to fit the file.
        guard UInt64(file.count) >= p.totalLength else {
            throw KilnFileError(.truncated, "truncated: file is \(file.count) bytes, header says \(p.totalLength)")
        }
        guard UInt64(file.count) == p.totalLength else {
            throw KilnFileError(.layout, "trailing data: file is \(file.count) bytes, header says \(p.totalLength)")
        }
        // Not covered by the header CRC, and cheap (< 4 KiB), so checked on every open.
        if let bad = file[headerEnd..<expectedDataOffset].firstIndex(where: { $0 != 0 }) {
            throw KilnFileError(.malformed, "non-zero byte in the padding before the data section, at file offset \(bad)")
        }
        return p
    }

    private static func hex<C: Collection<UInt8>>(_ bytes: C) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: " ")
    }
}
