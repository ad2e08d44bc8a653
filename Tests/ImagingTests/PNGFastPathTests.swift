import CImageShims
import CZlib
import TensorEngine
import Testing
@testable import Imaging

/// The PNG fast path (png_fast.c) against libpng and against the pixels the file was made
/// from: PNGs written here with every filter type on every row shape (1–4 bytes per pixel
/// at 8 bits, 2–8 at 16), widths that leave 3-byte pixels at a row's end, IDAT split over
/// chunks, and an eXIf after IDAT; and the files it must decline to libpng.
@Suite struct PNGFastPathTests {
    /// Colour type → channels (gray, gray+alpha, RGB, RGBA).
    static let shapes: [(color: UInt8, channels: Int)] = [(0, 1), (4, 2), (2, 3), (6, 4)]

    @Test(arguments: [8, 16])
    func everyFilterOnEveryShapeEqualsTheSourceAndLibpng(depth: Int) throws {
        var rng = SeededGenerator(seed: UInt64(depth))
        for (color, channels) in Self.shapes {
            for (width, height) in [(1, 5), (2, 5), (3, 7), (5, 6), (17, 10), (64, 3)] {
                let bpp = channels * depth / 8
                let samples = (0..<(width * height * bpp)).map { i in
                    // Half noise, half smooth ramps: Paeth and Average take other branches on each.
                    i % 7 < 3 ? UInt8(truncatingIfNeeded: rng.next()) : UInt8(truncatingIfNeeded: i * 3 + i / (width * bpp))
                }
                let filters = (0..<height).map { UInt8(($0 + Int(rng.next() % 5)) % 5) }
                for chunks in [1, 3] {
                    let png = PNGWriter(width: width, height: height, color: color, depth: depth).file(
                        samples: samples, filters: filters, idatChunks: chunks)
                    let fast = try #require(Self.decode(png, fast: true), "\(color)/\(depth) \(width)×\(height) declined")
                    let slow = try #require(Self.decode(png, fast: false))
                    #expect(fast == slow, "colour \(color), \(depth)-bit, \(width)×\(height), filters \(filters)")
                    #expect(fast == Self.hostOrder(samples, depth: depth))
                }
            }
        }
    }

    @Test func eXIfAfterIDATIsFound() throws {
        let exif: [UInt8] = [0x4D, 0x4D, 0, 42, 0, 0, 0, 8, 0, 1, 1, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0]
        let png = PNGWriter(width: 3, height: 2, color: 2, depth: 8).file(
            samples: Array(0..<18), filters: [1, 4], idatChunks: 1, exifAfterIDAT: exif)
        let handle = try #require(png.withUnsafeBufferPointer { kiln_png_open($0.baseAddress, $0.count) })
        defer { kiln_png_close(handle) }
        var info = kiln_png_info()
        #expect(kiln_png_read_header(handle, &info) == 0)
        var out = [UInt8](repeating: 0, count: 18)
        #expect(kiln_png_fast_read(handle, &out, 1 << 20) == 1)
        var length = 0
        let found = try #require(kiln_png_exif(handle, &length))
        #expect(Array(UnsafeBufferPointer(start: found, count: length)) == exif)
        // Orientation 6 (rotate 90° clockwise): 3×2 becomes 2×3.
        let image = try png.withUnsafeBufferPointer { try ImageDecoder.decode(Array($0)) }
        #expect(image.width == 2 && image.height == 3)
    }

    /// Files the fast path must leave to libpng, which then decodes or refuses them.
    @Test func declinesWhatLibpngMustDecide() throws {
        let writer = PNGWriter(width: 4, height: 3, color: 2, depth: 8)
        let samples = (0..<36).map { UInt8($0 * 7 % 256) }
        let good = writer.file(samples: samples, filters: [0, 1, 2], idatChunks: 1)
        let badFilter = writer.file(samples: samples, filters: [0, 1, 2], idatChunks: 1, rawFilterBytes: [0, 5, 2])
        var badCRC = good
        let idat = try #require(Self.find("IDAT", in: good))
        let idatLength = good[idat..<(idat + 4)].reduce(0) { $0 << 8 | Int($1) }
        badCRC[idat + 8 + idatLength + 3] ^= 0x01  // the stored CRC: the data itself still inflates
        let cut = Array(good.prefix(good.count - 12))  // IEND missing
        for (name, png, message) in [("bad filter byte", badFilter, "filter"), ("IDAT CRC", badCRC, "CRC"), ("no IEND", cut, "")] {
            #expect(Self.decode(png, fast: true) == nil, "\(name): the fast path took it")
            if !message.isEmpty {
                #expect(throws: ImageError.self, "\(name)") { try ImageDecoder.decode(png) }
                do { _ = try ImageDecoder.decode(png) } catch { #expect(error.message.contains(message), "\(name): \(error.message)") }
            }
        }
        // Over the size cap (3 rows of 1 + 12 bytes inflate to 39 bytes): libpng streams it.
        #expect(Self.decode(good, fast: true, cap: 39) != nil)
        #expect(Self.decode(good, fast: true, cap: 38) == nil)
        #expect(try ImageDecoder.decode(good).width == 4)
        // A missing IEND after complete image data: libpng reads on and gives its verdict.
        #expect(throws: ImageError.self) { try ImageDecoder.decode(cut) }
        // Shapes it never takes: palette, interlaced, tRNS, sub-byte depths.
        for (color, depth, interlace) in [(UInt8(3), 8, false), (2, 8, true), (0, 4, false)] {
            let png = PNGWriter(width: 4, height: 3, color: color, depth: depth, interlaced: interlace).file(
                samples: [UInt8](repeating: 0, count: 36), filters: [0, 0, 0], idatChunks: 1)
            let handle = try #require(png.withUnsafeBufferPointer { kiln_png_open($0.baseAddress, $0.count) })
            var info = kiln_png_info()
            _ = kiln_png_read_header(handle, &info)
            var c: Int32 = 0, d: Int32 = 0
            #expect(kiln_png_fast_shape(handle, &c, &d) == 0, "colour \(color), depth \(depth), interlaced \(interlace)")
            kiln_png_close(handle)
        }
    }

    /// Damaged files, byte flips anywhere after the signature and cuts at any length: every
    /// byte there is a chunk's length, type, data or CRC, so the fast path must take none of
    /// them (had it taken one, libpng would have to read the same pixels), and neither path
    /// may crash; libpng decides each.
    @Test func damagedFilesNeverCrashAndBothPathsAgree() throws {
        var rng = SeededGenerator(seed: 9)
        let samples = (0..<(23 * 9 * 3)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let good = PNGWriter(width: 23, height: 9, color: 2, depth: 8).file(
            samples: samples, filters: [0, 1, 2, 3, 4, 4, 3, 2, 1], idatChunks: 2, exifAfterIDAT: [0x49, 0x49, 42, 0, 8, 0, 0, 0, 0, 0])
        #expect(Self.decode(good, fast: true) == samples)
        var taken = 0
        for trial in 0..<600 {
            var png = good
            if trial % 3 == 0 {
                png = Array(png.prefix(Int(rng.next() % UInt64(png.count))))
            } else {
                for _ in 0..<(1 + trial % 4) { png[8 + Int(rng.next() % UInt64(png.count - 8))] ^= UInt8(1 << (rng.next() % 8)) }
            }
            if let fast = Self.decode(png, fast: true) {
                taken += 1
                #expect(Self.decode(png, fast: false) == fast, "trial \(trial)")
            }
            if let image = try? ImageDecoder.decode(png) { #expect(image.width * image.height == 23 * 9) }
        }
        #expect(taken == 0)
    }

    /// Decoded sample bytes through one path, or nil when it fails or (fast) declines.
    static func decode(_ png: [UInt8], fast: Bool, cap: Int = PNGDecoder.fastPathMaxInflatedBytes) -> [UInt8]? {
        png.withUnsafeBufferPointer { b -> [UInt8]? in
            guard let handle = kiln_png_open(b.baseAddress, b.count) else { return nil }
            defer { kiln_png_close(handle) }
            var info = kiln_png_info()
            guard kiln_png_read_header(handle, &info) == 0 else { return nil }
            var c: Int32 = 0, d: Int32 = 0
            guard (fast ? kiln_png_fast_shape(handle, &c, &d) == 1 : kiln_png_start(handle, &c, &d) == 0) else { return nil }
            let rowBytes = Int(info.width) * Int(c) * Int(d) / 8
            var out = [UInt8](repeating: 0, count: rowBytes * Int(info.height))
            let ok = fast ? kiln_png_fast_read(handle, &out, cap) == 1 : kiln_png_read_pixels(handle, &out, rowBytes) == 0
            return ok ? out : nil
        }
    }

    /// PNG's big-endian 16-bit samples as the decoders hand them over (little-endian host).
    static func hostOrder(_ bigEndian: [UInt8], depth: Int) -> [UInt8] {
        guard depth == 16 else { return bigEndian }
        return (0..<bigEndian.count).map { bigEndian[$0 ^ 1] }
    }

    static func find(_ type: String, in png: [UInt8]) -> Int? {
        var at = 8
        while at + 8 <= png.count {
            let length = png[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) }
            if String(decoding: png[(at + 4)..<(at + 8)], as: UTF8.self) == type { return at }
            at += 12 + length
        }
        return nil
    }
}
