import TensorEngine

/// Wraps header JSON and data bytes into a .kiln file whose preamble, header CRC-32 and
/// SHA-256 trailer are right (layout in KilnFile.swift), using only public checksum code,
/// so fuzzed headers are judged on their content.
enum KilnFileBuilder {
    static let magic: [UInt8] = [0x4B, 0x49, 0x4C, 0x4E, 0x89, 0x0D, 0x0A, 0x0A]

    static func file(json: [UInt8], data: [UInt8]) -> [UInt8] {
        let dataOffset = (64 + json.count + 4095) / 4096 * 4096
        let dataLength = (data.count + 63) / 64 * 64
        var out = magic
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        put(UInt16(1))
        put(UInt16(0))
        put(UInt32(0x0102_0304))
        put(UInt64(0))
        put(UInt64(json.count))
        put(UInt32(0))  // the CRC, computed with this field zero
        put(UInt32(0))
        put(UInt64(dataOffset))
        put(UInt64(dataOffset + dataLength + 32))
        put(UInt64(0))
        let crc = CRC32.checksum(out + json)
        withUnsafeBytes(of: crc.littleEndian) { out.replaceSubrange(32..<36, with: $0) }
        out += json
        out += [UInt8](repeating: 0, count: dataOffset - out.count)
        out += data
        out += [UInt8](repeating: 0, count: dataLength - data.count)
        out += out.withUnsafeBytes { SHA256Hasher.digest($0) }
        return out
    }
}
