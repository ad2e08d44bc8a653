import CZlib

/// Writes PNG files for tests (PNG spec §5, §7, §9): IHDR, IDAT with each row's filter
/// chosen by the caller (so every filter type can be exercised on purpose, which encoders
/// such as Pillow's do not offer), an optional eXIf after IDAT, and IEND.
struct PNGWriter {
    var width: Int
    var height: Int
    var color: UInt8
    var depth: Int
    var interlaced = false

    /// Bytes per complete pixel for filtering (at least 1, §9.2).
    var bpp: Int {
        let channels = [0: 1, 2: 3, 3: 1, 4: 2, 6: 4][Int(color)]!
        return max(1, channels * depth / 8)
    }

    var rowBytes: Int {
        let channels = [0: 1, 2: 3, 3: 1, 4: 2, 6: 4][Int(color)]!
        return (width * channels * depth + 7) / 8
    }

    /// `samples`: rows of `rowBytes` unfiltered bytes (16-bit samples big-endian).
    /// `rawFilterBytes` replaces the filter type bytes written (to write invalid ones).
    func file(samples: [UInt8], filters: [UInt8], idatChunks: Int, exifAfterIDAT: [UInt8]? = nil, rawFilterBytes: [UInt8]? = nil) -> [UInt8] {
        var filtered: [UInt8] = []
        let n = rowBytes
        for y in 0..<height {
            filtered.append(rawFilterBytes?[y] ?? filters[y])
            for i in 0..<n {
                let x = Int(samples[y * n + i])
                let a = i >= bpp ? Int(samples[y * n + i - bpp]) : 0
                let b = y > 0 ? Int(samples[(y - 1) * n + i]) : 0
                let c = y > 0 && i >= bpp ? Int(samples[(y - 1) * n + i - bpp]) : 0
                let predicted: Int
                switch filters[y] {
                case 1: predicted = a
                case 2: predicted = b
                case 3: predicted = (a + b) / 2
                case 4:
                    let pa = abs(b - c), pb = abs(a - c), pc = abs(a + b - 2 * c)
                    predicted = pa <= pb && pa <= pc ? a : (pb <= pc ? b : c)
                default: predicted = 0
                }
                filtered.append(UInt8(truncatingIfNeeded: x - predicted))
            }
        }
        var compressed = [UInt8](repeating: 0, count: Int(compressBound(uLong(filtered.count))))
        var length = uLongf(compressed.count)
        precondition(compress2(&compressed, &length, filtered, uLong(filtered.count), 9) == Z_OK)
        compressed.removeSubrange(Int(length)...)

        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var header = Self.be32(width) + Self.be32(height)
        header += [UInt8(depth), color, 0, 0, interlaced ? 1 : 0]
        Self.chunk("IHDR", header, into: &out)
        if color == 3 { Self.chunk("PLTE", (0..<256).flatMap { [UInt8($0), UInt8($0), UInt8($0)] }, into: &out) }
        let piece = (compressed.count + idatChunks - 1) / idatChunks
        for k in 0..<idatChunks {
            let lo = min(k * piece, compressed.count), hi = min(lo + piece, compressed.count)
            Self.chunk("IDAT", Array(compressed[lo..<hi]), into: &out)
        }
        if let exifAfterIDAT { Self.chunk("eXIf", exifAfterIDAT, into: &out) }
        Self.chunk("IEND", [], into: &out)
        return out
    }

    static func be32(_ v: Int) -> [UInt8] { [UInt8(v >> 24 & 255), UInt8(v >> 16 & 255), UInt8(v >> 8 & 255), UInt8(v & 255)] }

    static func chunk(_ type: String, _ data: [UInt8], into out: inout [UInt8]) {
        let body = Array(type.utf8) + data
        out += be32(data.count) + body
        out += be32(Int(crc32(0, body, uInt(body.count))))
    }
}
