import Testing
@testable import Imaging

/// Scaled IDCT: choosing the reduction, and the decoded pixels against Pillow's draft().
@Suite struct JPEGDecoderTests {
    @Test func scaleIsTheLargestReductionThatStillCoversTheTarget() {
        let d = { (w: Int, h: Int, mw: Int, mh: Int) in
            JPEGDecoder.scaleDenominator(width: w, height: h, minimum: ImageSize(width: mw, height: mh))
        }
        #expect(JPEGDecoder.scaleDenominator(width: 3000, height: 2000, minimum: nil) == 1)
        #expect(d(3000, 2000, 224, 224) == 8)  // 375×250
        #expect(d(3000, 2000, 376, 224) == 4)  // 1/8 gives 375 < 376
        #expect(d(3000, 2000, 750, 500) == 4)  // exactly 1/4
        #expect(d(3000, 2000, 751, 500) == 2)
        #expect(d(3000, 2000, 1501, 10) == 1)
        #expect(d(65, 49, 9, 7) == 8)  // libjpeg rounds up: ceil(65/8) = 9, ceil(49/8) = 7
    }

    /// Tolerance ±2: the reduced IDCTs (jidctred) are simpler and rounding differences
    /// between libjpeg-turbo releases are more likely there.
    @Test(arguments: Fixtures.manifest.decode.filter { $0.minimum != nil })
    func scaledDecodeMatchesPillowDraft(_ c: Fixtures.DecodeCase) throws {
        let minimum = ImageSize(width: c.minimum![0], height: c.minimum![1])
        let image = try ImageDecoder.decode(Fixtures.bytes(c.file), options: DecodeOptions(minimumSize: minimum))
        let expected = Fixtures.uint8Array(c.expected)
        #expect([image.height, image.width] == Array(expected.shape.prefix(2)))
        #expect(image.width >= minimum.width && image.height >= minimum.height)
        #expect(maxDifference(image.bytes, expected.values) <= 2)
    }

    @Test func orientationSwapsTheMinimumBeforeScaling() throws {
        // orient6.jpg stores 12×8 and displays 8×12. A minimum of 6×3 in display terms is
        // 3×6 stored: 1/2 gives 6×4 stored (4×6 shown) and covers it; 1/4 (3×2) does not.
        let image = try ImageDecoder.decode(Fixtures.bytes("orient6.jpg"), options: DecodeOptions(minimumSize: ImageSize(width: 3, height: 6)))
        #expect(image.width == 4 && image.height == 6)
    }
}
