import Testing
import TensorEngine
@testable import Imaging

/// The resampler against Pillow's `Image.resize(size, Image.BILINEAR)` on a lossless
/// 160×120 source: shrinking by fractional and large factors, identity, enlarging, 1×1,
/// and extreme aspect changes. Required: within ±1 per uint8 sample, and at most 20% of
/// samples off by one.
@Suite struct ResamplerTests {
    @Test(arguments: Fixtures.manifest.resize)
    func matchesPillowBilinear(_ c: Fixtures.ResizeCase) throws {
        let source = try ImageDecoder.decode(Fixtures.bytes(c.file))
        let out = Resampler.resize(source.bytes, width: source.width, height: source.height, channels: 3,
                                   to: ImageSize(width: c.width, height: c.height))
        let expected = Fixtures.uint8Array(c.expected)
        #expect(expected.shape == [c.height, c.width, 3])
        #expect(maxDifference(out, expected.values) <= 1)
        // Same taps and fixed point as Pillow, so most cases are bit-exact. Pillow 13 runs
        // the vertical pass first for some size pairs (e.g. 160×120 → 159×3); rounding
        // between the passes then moves a few samples by one. Bound how many.
        let off = zip(out, expected.values).filter { $0 != $1 }.count
        #expect(off * 5 <= out.count, "\(off) of \(out.count) samples differ by 1")
    }

    @Test func kernelMatchesPillowsWindows() {
        // Shrinking 160 → 37: scale 4.32, support 4.32, at most 2·5 + 1 taps.
        let k = ResampleKernel(inSize: 160, outSize: 37)
        #expect(k.stride == 11)
        for i in 0..<37 {
            let sum = (0..<k.count[i]).reduce(0.0) { $0 + k.weights[i * k.stride + $1] }
            #expect(abs(sum - 1) < 1e-12)
            #expect(k.first[i] >= 0 && k.first[i] + k.count[i] <= 160)
        }
        // Identity: one tap of weight 1 per pixel.
        let id = ResampleKernel(inSize: 5, outSize: 5)
        for i in 0..<5 { #expect(id.first[i] == i && id.weights[i * id.stride] == 1) }
    }

    @Test func floatPathAgreesWithEightBitPathBeforeRounding() {
        let src: [UInt8] = (0..<(30 * 20)).map { UInt8(($0 * 37) % 256) }
        let size = ImageSize(width: 7, height: 9)
        let a = Resampler.resize(src, width: 30, height: 20, channels: 1, to: size)
        let b = Resampler.resize(src.map(Float.init), width: 30, height: 20, channels: 1, to: size)
        // The 8-bit path rounds between passes (±0.5 carried through the vertical taps).
        #expect(zip(a, b).allSatisfy { abs(Float($0) - $1) <= 1.0 })
    }

    /// The row-block passes (4 RGB rows or 8 gray rows per SIMD vector) against the plain
    /// pixel-by-pixel loop, bit for bit: heights that are and are
    /// not multiples of the block, 1-pixel rows and columns, shrinking by large factors (wide
    /// windows) and enlarging.
    @Test(arguments: [1, 3])
    func rowBlocksEqualThePixelLoop(channels c: Int) {
        var rng = SeededGenerator(seed: UInt64(c))
        var sizes: [(Int, Int, Int)] = [(1, 1, 1), (1, 9, 4), (9, 1, 4), (200, 11, 128), (37, 17, 160), (160, 8, 37), (5, 13, 5)]
        for _ in 0..<60 { sizes.append((Int(rng.next() % 120) + 1, Int(rng.next() % 21) + 1, Int(rng.next() % 130) + 1)) }
        for (width, height, outWidth) in sizes {
            let src = (0..<(width * height * c)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let k = ResampleKernel(inSize: width, outSize: outWidth)
            let blocked = Resampler.horizontal(src, width: width, height: height, channels: c, kernel: k)
            let weights = k.fixedPointWeights
            let plain = [UInt8](unsafeUninitializedCapacity: outWidth * height * c) { out, n in
                weights.withUnsafeBufferPointer { w in
                    k.first.withUnsafeBufferPointer { f in
                        k.count.withUnsafeBufferPointer { n in
                            let taps = Resampler.Taps(first: f.baseAddress!, count: n.baseAddress!, weights: w.baseAddress!, stride: k.stride, outWidth: outWidth)
                            Resampler.horizontalAny(src, out.baseAddress!, width: width, height: height, channels: c, taps: taps)
                        }
                    }
                }
                n = outWidth * height * c
            }
            #expect(blocked == plain, "\(width)x\(height)x\(c) -> \(outWidth)")
        }
    }
}
