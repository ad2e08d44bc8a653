import Testing
@testable import TensorEngine

/// The depthwise path (group == C == M): the unrolled 3×3 and 5×5 kernels at stride 1 and 2,
/// the run-time-size SIMD loop, the scalar borders and tails, against the direct reference.
@Suite struct DepthwiseConv2DTests {
    func check(
        channels: Int = 5, kernel: (Int, Int), strides: (Int, Int) = (1, 1), pads: (Int, Int, Int, Int) = (0, 0, 0, 0),
        dilations: (Int, Int) = (1, 1), batch: Int = 1, height: Int, width: Int, activation: Activation = .none, threads: Int = 1,
        seed: UInt64, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let p = Conv2DParameters(
            inChannels: channels, outChannels: channels, kernel: kernel, strides: strides, pads: pads, dilations: dilations,
            group: channels)
        var rng = SeededRandom(seed: seed)
        let input = rng.floats(batch * channels * height * width)
        let weight = rng.floats(p.weightCount)
        let bias = rng.floats(channels)
        let conv = Conv2DKernel(parameters: p, weights: weight, bias: bias, activation: activation)
        #expect(conv.path == .depthwise, sourceLocation: sourceLocation)
        let got = runConv(conv, input: input, batch: batch, height: height, width: width, threads: threads)
        let want = referenceConv(p, input: input, weight: weight, bias: bias, batch: batch, height: height, width: width, activation: activation)
        expectClose(got, want, "k\(kernel) s\(strides) \(height)×\(width) \(activation)", sourceLocation: sourceLocation)
    }

    @Test func threeByThreeStrideOne() {
        // Width 45 with pad 1: scalar 0, SIMD16 at 1 and 17, SIMD8 at 33 and (overlapping) 36, scalar 44.
        check(kernel: (3, 3), pads: (1, 1, 1, 1), height: 9, width: 45, seed: 30)
        check(kernel: (3, 3), pads: (1, 1, 1, 1), batch: 2, height: 14, width: 14, seed: 31)
        check(kernel: (3, 3), height: 6, width: 37, seed: 32)
    }

    @Test func threeByThreeStrideTwo() {
        check(kernel: (3, 3), strides: (2, 2), pads: (1, 1, 1, 1), height: 11, width: 77, seed: 33)
        check(kernel: (3, 3), strides: (2, 2), pads: (0, 0, 1, 1), batch: 2, height: 16, width: 50, seed: 34)
        check(kernel: (3, 3), strides: (2, 2), pads: (1, 1, 1, 1), height: 7, width: 7, seed: 35)
    }

    @Test func fiveByFive() {
        check(kernel: (5, 5), pads: (2, 2, 2, 2), height: 10, width: 41, seed: 36)
        check(kernel: (5, 5), strides: (2, 2), pads: (2, 2, 2, 2), height: 13, width: 69, seed: 37)
        check(kernel: (5, 5), strides: (2, 2), pads: (1, 2, 2, 1), height: 9, width: 29, seed: 38)
    }

    @Test func oddWidthsExerciseEveryTail() {
        for (i, width) in [1, 2, 3, 7, 8, 9, 15, 16, 17, 23, 25, 31, 33, 47].enumerated() {
            check(channels: 3, kernel: (3, 3), pads: (1, 1, 1, 1), height: 4, width: width, seed: 40 + UInt64(i))
            check(channels: 3, kernel: (3, 3), strides: (2, 2), pads: (1, 1, 1, 1), height: 5, width: width, seed: 60 + UInt64(i))
            if width >= 5 {
                check(channels: 2, kernel: (5, 5), strides: (2, 2), height: 6, width: width, seed: 80 + UInt64(i))
            }
        }
    }

    @Test func dilatedAndOtherSizes() {
        check(kernel: (3, 3), pads: (2, 2, 2, 2), dilations: (2, 2), height: 12, width: 40, seed: 100)
        check(kernel: (3, 3), strides: (2, 2), pads: (2, 1, 2, 1), dilations: (2, 1), height: 12, width: 53, seed: 101)
        // 7×7 and 3×5: the run-time-size SIMD loop.
        check(kernel: (7, 7), pads: (3, 3, 3, 3), height: 11, width: 30, seed: 102)
        check(kernel: (3, 5), strides: (2, 2), pads: (1, 2, 1, 2), height: 9, width: 43, seed: 103)
        // Stride 3 and 1×1: scalar.
        check(kernel: (3, 3), strides: (3, 3), pads: (1, 1, 1, 1), height: 10, width: 31, seed: 104)
        check(kernel: (1, 1), height: 4, width: 19, seed: 105)
        // A single-channel conv takes this path too.
        check(channels: 1, kernel: (3, 3), pads: (1, 1, 1, 1), height: 8, width: 24, seed: 106)
    }

    @Test(arguments: allActivations)
    func everyActivation(_ activation: Activation) {
        check(kernel: (3, 3), pads: (1, 1, 1, 1), batch: 2, height: 6, width: 27, activation: activation, seed: 110)
        check(kernel: (5, 5), strides: (2, 2), pads: (2, 2, 2, 2), height: 8, width: 40, activation: activation, seed: 111)
    }

    @Test func threadsSplitRows() {
        // 2·16·30·30 outputs: enough for both threads; the split falls inside a plane.
        check(channels: 16, kernel: (3, 3), pads: (1, 1, 1, 1), batch: 2, height: 30, width: 30, threads: 2, seed: 120)
        check(channels: 7, kernel: (3, 3), strides: (2, 2), pads: (1, 1, 1, 1), batch: 3, height: 61, width: 61, threads: 2, seed: 121)
    }
}
