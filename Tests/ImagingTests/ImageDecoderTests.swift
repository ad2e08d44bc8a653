import Testing
@testable import Imaging

/// Decoding against Pillow: every fixture format, orientation and the damaged files.
///
/// Tolerances: PNG decoding is lossless, so PNG results must be identical. JPEG results
/// may differ by ±1 per sample because Pillow's wheel bundles a newer libjpeg-turbo than
/// Debian's (same islow IDCT, but rounding in upsampling/colour conversion may move);
/// in practice they are identical too.
@Suite struct ImageDecoderTests {
    @Test(arguments: Fixtures.manifest.decode.filter { $0.minimum == nil })
    func matchesPillow(_ c: Fixtures.DecodeCase) throws {
        let options = DecodeOptions(alphaBackground: c.background == "white" ? .white : .black)
        let image = try ImageDecoder.decode(Fixtures.bytes(c.file), options: options).converted(toChannels: c.channels)
        let expected = Fixtures.uint8Array(c.expected)
        #expect([image.height, image.width] == Array(expected.shape.prefix(2)))
        let tolerance = c.file.hasSuffix(".png") ? 0 : 1
        #expect(maxDifference(image.bytes, expected.values) <= tolerance)
    }

    @Test(arguments: Fixtures.manifest.errors)
    func refusesDamagedAndHostileFiles(_ c: Fixtures.ErrorCase) {
        do {
            let image = try ImageDecoder.decode(Fixtures.bytes(c.file))
            Issue.record("decoded \(c.file) as \(image.width)×\(image.height)")
        } catch {
            #expect(error.kind.rawValue == c.kind)
            #expect(error.message.contains(c.message), "message: \(error.message)")
        }
    }

    @Test func errorStatuses() {
        #expect(ImageError(.corrupt, "").status == 400)
        #expect(ImageError(.tooLarge, "").status == 413)
        #expect(ImageError(.unsupportedType, "").status == 415)
        #expect(ImageError(.invalidRequest, "").status == 400)
    }

    @Test func sixteenBitPNGKeepsItsPrecision() throws {
        let image = try ImageDecoder.decode(Fixtures.bytes("gray16.png"))
        #expect(image.bitDepth == 16 && image.channels == 1 && image.width == 40 && image.height == 30)
        guard case .uint16(let s) = image.samples else { return }
        // make_fixtures.py: value(x, y) = (1601x + 37y + (xy mod 251)) mod 65536.
        for (x, y) in [(0, 0), (1, 0), (39, 29), (17, 11)] {
            #expect(Int(s[y * 40 + x]) == (x * 1601 + y * 37 + (x * y) % 251) % 65536)
        }
    }

    @Test func limitsAreCheckedBeforeDecoding() {
        let jpeg = Fixtures.bytes("rgb.jpg")  // 64×48
        #expect(throws: ImageError.self) { try ImageDecoder.decode(jpeg, limits: ImageLimits(maxEncodedBytes: 100)) }
        do {
            _ = try ImageDecoder.decode(jpeg, limits: ImageLimits(maxPixels: 64 * 48 - 1))
            Issue.record("over maxPixels")
        } catch { #expect(error.kind == .tooLarge && error.status == 413) }
        do {
            _ = try ImageDecoder.decode(Fixtures.bytes("rgb.png"), limits: ImageLimits(maxDimension: 63))
            Issue.record("over maxDimension")
        } catch { #expect(error.kind == .tooLarge && error.message.contains("64×48")) }
        #expect((try? ImageDecoder.decode(jpeg, limits: ImageLimits(maxPixels: 64 * 48, maxDimension: 64))) != nil)
    }

    @Test func emptyAndTinyInputs() {
        for input: [UInt8] in [[], [0xFF], [0xFF, 0xD8, 0xFF], [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]] {
            #expect(throws: ImageError.self) { try ImageDecoder.decode(input) }
        }
    }

    @Test func formatSniffingAndMediaTypes() {
        #expect(ImageFormat.sniff(Fixtures.bytes("rgb.jpg")) == .jpeg)
        #expect(ImageFormat.sniff(Fixtures.bytes("rgb.png")) == .png)
        #expect(ImageFormat.sniff(Fixtures.bytes("not_an_image.bin")) == nil)
        #expect(ImageFormat(mediaType: "IMAGE/JPEG; q=1") == .jpeg)
        #expect(ImageFormat(mediaType: "image/png") == .png)
        #expect(ImageFormat(mediaType: "image/gif") == nil)
    }
}
