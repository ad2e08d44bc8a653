import TensorEngine
import Testing
@testable import Imaging

/// End to end against the Pillow reference (Fixtures/make_fixtures.py), plus the spec's
/// validation, the crop geometry and writing into a batch row.
///
/// Tolerances: 8-bit cases compare the resized uint8 image within ±1 (exact in practice)
/// and the tensor within 1/(255·std) + 1e-5 (one uint8 step, plus float rounding of the
/// fused multiply-add). 16-bit cases compare the tensor within 1e-4/std (Float vs Pillow's
/// double-accumulated "F" resize).
@Suite struct ImagePreprocessingTests {
    @Test(arguments: Fixtures.manifest.preprocess)
    func matchesPillowReference(_ c: Fixtures.PreprocessCase) throws {
        let spec = c.spec
        let bytes = Fixtures.bytes(c.file)
        let image = try ImageDecoder.decode(bytes)
        if let resized = c.resized {
            guard case .uint8(let px) = spec.prepared(image) else { Issue.record("expected 8-bit"); return }
            #expect(maxDifference(px, Fixtures.uint8Array(resized).values) <= 1)
        }
        let tensor = try spec.tensor(from: bytes, scaledDecode: false)
        let expected = Fixtures.npy(c.expected)
        #expect(tensor.shape == expected.shape)
        let minStd = spec.std.map(abs).min()!
        let tolerance: Float = image.bitDepth == 16 ? 1e-4 / minStd : 1 / (255 * minStd) + 1e-5
        let worst = zip(tensor.floats, expected.floats).map { abs($0 - $1) }.max() ?? 0
        #expect(worst <= tolerance, "max |Δ| \(worst)")
    }

    @Test func writesIntoOneRowOfABatch() throws {
        let spec = ImagePreprocessing(width: 8, height: 6, channels: 3)
        let batch = Tensor(shape: Shape([3, 3, 6, 8]))
        for (i, file) in ["rgb.jpg", "rgb.png", "gray.png"].enumerated() {
            try spec.process(Fixtures.bytes(file), into: batch.floatPointer + i * spec.elementCount)
        }
        let single = try spec.tensor(from: Fixtures.bytes("rgb.png"))
        #expect(Array(batch.floats[spec.elementCount..<(2 * spec.elementCount)]) == single.floats)
        #expect(batch.floats.allSatisfy { $0 >= 0 && $0 <= 1 })
    }

    @Test func scaledDecodeStaysCloseToFullDecode() throws {
        // 64×48 JPEG to 16×12: the 1/4-scale IDCT against full decode + antialiased resize.
        let spec = ImagePreprocessing(width: 16, height: 12, channels: 3)
        let bytes = Fixtures.bytes("rgb.jpg")
        let fast = try spec.tensor(from: bytes, scaledDecode: true).floats
        let full = try spec.tensor(from: bytes, scaledDecode: false).floats
        let meanDiff = zip(fast, full).map { abs($0 - $1) }.reduce(0, +) / Float(fast.count)
        #expect(meanDiff < 0.03, "mean |Δ| \(meanDiff)")
    }

    @Test func geometryOfShorterSideCrop() {
        let spec = ImagePreprocessing(width: 224, height: 224, resize: .shorterSideCrop)
        let g = spec.geometry(source: ImageSize(width: 3000, height: 2000))
        #expect(g.resized == ImageSize(width: 336, height: 224) && g.cropX == 56 && g.cropY == 0)
        let tall = spec.geometry(source: ImageSize(width: 100, height: 301))
        #expect(tall.resized == ImageSize(width: 224, height: 674) && tall.cropX == 0 && tall.cropY == 225)
        let stretch = ImagePreprocessing(width: 10, height: 20).geometry(source: ImageSize(width: 1, height: 1))
        #expect(stretch.resized == ImageSize(width: 10, height: 20))
    }

    @Test func invalidSpecsAreRefused() {
        let bad = [
            ImagePreprocessing(width: 0, height: 10),
            ImagePreprocessing(width: 10, height: 10, channels: 2),
            ImagePreprocessing(width: 10, height: 10, mean: [0, 0]),
            ImagePreprocessing(width: 10, height: 10, std: [1, 0, 1]),
            ImagePreprocessing(width: 10, height: 10, std: [.nan]),
        ]
        for spec in bad {
            #expect(throws: ImageError.self) { try spec.validate() }
        }
        #expect(ImagePreprocessing.ResizeMode(rawValue: "shorter_side_crop") == .shorterSideCrop)
    }
}
