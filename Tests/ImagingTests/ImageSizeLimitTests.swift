import Testing
@testable import Imaging

/// Sizes an image file states (dimensions, EXIF offsets and counts) and the sizes derived
/// from them (the resize before a centre crop) are bounded before memory is spent.
@Suite struct ImageSizeLimitTests {
    /// A 200×1 strip aimed at a 224×224 centre crop would first be resized to 44800×224
    /// (10 M pixels): over a 1 M-pixel limit it is refused (413) instead of allocated.
    @Test func cropIntermediateIsHeldToMaxPixels() throws {
        let strip = PNGWriter(width: 200, height: 1, color: 0, depth: 8)
            .file(samples: [UInt8](repeating: 128, count: 200), filters: [0], idatChunks: 1)
        let spec = ImagePreprocessing(width: 224, height: 224, channels: 1, resize: .shorterSideCrop)
        let limits = ImageLimits(maxPixels: 1_000_000)
        do {
            _ = try spec.tensor(from: strip, limits: limits)
            Issue.record("the 44800×224 intermediate was allocated")
        } catch {
            #expect(error.kind == .tooLarge && error.status == 413)
            #expect(error.message.contains("44800×224"), "\(error.message)")
        }
        // An ordinary aspect ratio under the same limit is served.
        let photo = PNGWriter(width: 300, height: 200, color: 0, depth: 8)
            .file(samples: [UInt8](repeating: 9, count: 300 * 200), filters: [UInt8](repeating: 1, count: 200), idatChunks: 1)
        #expect(try spec.tensor(from: photo, limits: limits).count == 224 * 224)
        // Stretch resizes to the target itself: not affected.
        let stretch = ImagePreprocessing(width: 224, height: 224, channels: 1)
        #expect(try stretch.tensor(from: strip, limits: limits).count == 224 * 224)
    }

    /// PNG headers at the format's extremes (2^31 − 1 per side) are refused, not allocated.
    @Test(arguments: [(0x7FFF_FFFF, 1), (1, 0x7FFF_FFFF), (0x7FFF_FFFF, 0x7FFF_FFFF), (20_001, 1), (7000, 7000)])
    func extremePNGDimensionsAreRefused(width: Int, height: Int) {
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        PNGWriter.chunk("IHDR", PNGWriter.be32(width) + PNGWriter.be32(height) + [8, 2, 0, 0, 0], into: &png)
        PNGWriter.chunk("IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01], into: &png)
        PNGWriter.chunk("IEND", [], into: &png)
        #expect(throws: ImageError.self) { try ImageDecoder.decode(png) }
    }

    /// EXIF offsets and entry counts at their maxima walk nothing out of bounds.
    @Test func exifOffsetsAndCountsAtTheirMaxima() {
        for ifd: [UInt8] in [[0xFF, 0xFF, 0xFF, 0xFF], [0xF8, 0xFF, 0xFF, 0x7F], [0x08, 0x00, 0x00, 0x00]] {
            // "II", 42, IFD offset, then an entry count of 65535 with only one entry present.
            let tiff: [UInt8] = [0x49, 0x49, 42, 0] + ifd + [0xFF, 0xFF, 0x12, 0x01, 3, 0, 1, 0, 0, 0]
            #expect(ExifOrientation.read(tiff: tiff) == .up)
        }
    }
}
