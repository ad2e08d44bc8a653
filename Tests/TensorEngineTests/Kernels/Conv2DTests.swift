import Testing
@testable import TensorEngine

/// Conv2DKernel's pointwise, direct and im2col paths against the reference convolution.
@Suite struct Conv2DTests {
    /// Builds a conv with random weights and bias, runs it and compares with the reference.
    func check(
        _ p: Conv2DParameters, batch: Int = 1, height: Int, width: Int, bias: Bool = true, activation: Activation = .none,
        threads: Int = 1, path: Conv2DKernel.Path, seed: UInt64, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        var rng = SeededRandom(seed: seed)
        let input = rng.floats(batch * p.inChannels * height * width)
        let weight = rng.floats(p.weightCount)
        let b = bias ? rng.floats(p.outChannels) : nil
        let kernel = Conv2DKernel(parameters: p, weights: weight, bias: b, activation: activation)
        #expect(kernel.path == path, sourceLocation: sourceLocation)
        let got = runConv(kernel, input: input, batch: batch, height: height, width: width, threads: threads)
        let want = referenceConv(p, input: input, weight: weight, bias: b, batch: batch, height: height, width: width, activation: activation)
        expectClose(got, want, "\(activation) threads \(threads)", sourceLocation: sourceLocation)
    }

    @Test func pointwise() {
        let p = Conv2DParameters(inChannels: 8, outChannels: 12, kernel: (1, 1))
        check(p, batch: 2, height: 7, width: 9, path: .pointwise, seed: 1)
        check(p, height: 5, width: 5, bias: false, path: .pointwise, seed: 2)
        // No im2col: only the GEMM's packing panel (one per worker).
        #expect(Conv2DKernel(parameters: p, weights: [Float](repeating: 0, count: p.weightCount), bias: nil)
            .workspaceCount(batch: 4, height: 7, width: 9, threads: 1) == GEMMKernel.packedAWorkspaceCount(k: 8, threads: 1))
    }

    @Test func pointwiseGroupedAndDilated() {
        // Dilation does not matter for a 1×1 kernel: still the plain GEMM.
        let p = Conv2DParameters(inChannels: 6, outChannels: 4, kernel: (1, 1), dilations: (2, 2), group: 2)
        check(p, batch: 2, height: 4, width: 6, path: .pointwise, seed: 3)
    }

    @Test func pointwiseStrided() {
        // 1×1 stride 2 (ResNet's downsample shortcut) subsamples: im2col.
        let p = Conv2DParameters(inChannels: 8, outChannels: 5, kernel: (1, 1), strides: (2, 2))
        check(p, batch: 2, height: 9, width: 8, path: .im2col, seed: 4)
    }

    @Test func threeByThreePadOne() {
        let s1 = Conv2DParameters(inChannels: 5, outChannels: 7, kernel: (3, 3), pads: (1, 1, 1, 1))
        check(s1, height: 11, width: 13, path: .im2col, seed: 5)
        let s2 = Conv2DParameters(inChannels: 5, outChannels: 7, kernel: (3, 3), strides: (2, 2), pads: (1, 1, 1, 1))
        check(s2, height: 11, width: 13, path: .im2col, seed: 6)
        check(s2, height: 12, width: 10, path: .im2col, seed: 7)
        // Wide enough for the SIMD8 stride-2 gathers of the unfold (two blocks and a tail).
        check(s2, height: 9, width: 41, path: .im2col, seed: 26)
        check(s2, height: 8, width: 38, path: .im2col, seed: 27)
    }

    @Test func fiveByFive() {
        let p = Conv2DParameters(inChannels: 3, outChannels: 4, kernel: (5, 5), pads: (2, 2, 2, 2))
        check(p, height: 9, width: 12, path: .direct, seed: 8)
        let valid = Conv2DParameters(inChannels: 3, outChannels: 4, kernel: (5, 5), strides: (2, 3))
        check(valid, height: 12, width: 14, path: .im2col, seed: 9)
    }

    @Test func dilations() {
        let p = Conv2DParameters(inChannels: 4, outChannels: 5, kernel: (3, 3), pads: (2, 2, 2, 2), dilations: (2, 2))
        check(p, height: 12, width: 12, path: .im2col, seed: 10)
        let rect = Conv2DParameters(inChannels: 3, outChannels: 4, kernel: (3, 3), strides: (1, 2), dilations: (3, 1))
        check(rect, height: 13, width: 11, path: .im2col, seed: 11)
    }

    @Test func asymmetricPadsAndRectangularKernel() {
        let p = Conv2DParameters(inChannels: 3, outChannels: 4, kernel: (3, 2), strides: (2, 1), pads: (0, 1, 2, 0))
        check(p, height: 8, width: 9, path: .im2col, seed: 12)
        // Pads larger than the kernel reach: whole rows and columns of zeros in the im2col band.
        let wide = Conv2DParameters(inChannels: 2, outChannels: 3, kernel: (2, 2), pads: (3, 0, 1, 4))
        check(wide, height: 5, width: 4, path: .direct, seed: 13)
        let wideIm2col = Conv2DParameters(inChannels: 5, outChannels: 3, kernel: (2, 2), pads: (3, 0, 1, 4))
        check(wideIm2col, height: 5, width: 4, path: .im2col, seed: 28)
    }

    @Test func groups() {
        let p = Conv2DParameters(inChannels: 6, outChannels: 4, kernel: (3, 3), pads: (1, 1, 1, 1), group: 2)
        check(p, batch: 2, height: 7, width: 8, path: .im2col, seed: 14)
        // Depth multiplier 2 (group == C, M == 2C) is not the depthwise kernel's case.
        let multiplier = Conv2DParameters(inChannels: 3, outChannels: 6, kernel: (3, 3), pads: (1, 1, 1, 1), group: 3)
        check(multiplier, height: 6, width: 7, path: .im2col, seed: 15)
    }

    @Test func batchAndSeveralBands() {
        // K = 64·9 = 576 and oW = 64: a 2 MiB band holds 14 of the 64 output rows.
        let p = Conv2DParameters(inChannels: 64, outChannels: 3, kernel: (3, 3), pads: (1, 1, 1, 1))
        let kernel = Conv2DKernel(parameters: p, weights: [Float](repeating: 0, count: p.weightCount), bias: nil)
        #expect(kernel.bandRows(outHeight: 64, outWidth: 64) == 14)
        #expect(kernel.workspaceCount(batch: 2, height: 64, width: 64, threads: 2) == 576 * 14 * 64 + GEMMKernel.packedAWorkspaceCount(k: 576, threads: 2))
        check(p, batch: 2, height: 64, width: 64, activation: .relu, path: .im2col, seed: 16)
        check(p, height: 64, width: 64, threads: 2, path: .im2col, seed: 17)
        // Small images are one band.
        let small = Conv2DParameters(inChannels: 32, outChannels: 6, kernel: (3, 3), pads: (1, 1, 1, 1))
        let one = Conv2DKernel(parameters: small, weights: [Float](repeating: 0, count: small.weightCount), bias: nil)
        #expect(one.workspaceCount(batch: 3, height: 40, width: 40, threads: 2) == 288 * 40 * 40 + GEMMKernel.packedAWorkspaceCount(k: 288, threads: 2))
        check(small, batch: 3, height: 40, width: 40, threads: 2, path: .im2col, seed: 22)
    }

    /// A CNN's first layer (few input channels): the direct kernel, at both strides, with
    /// channel counts that do not fill its blocks, rows narrower and wider than a vector,
    /// ResNet's 7×7 stem, batches, threads and every activation (ReLU/clip fused, the others
    /// applied after).
    @Test func directFewInputChannels() {
        let mobileNetStem = Conv2DParameters(inChannels: 3, outChannels: 16, kernel: (3, 3), strides: (2, 2), pads: (1, 1, 1, 1))
        check(mobileNetStem, batch: 2, height: 30, width: 34, activation: .clip(min: 0, max: 6), path: .direct, seed: 30)
        check(mobileNetStem, height: 31, width: 67, threads: 2, path: .direct, seed: 31)
        let odd = Conv2DParameters(inChannels: 3, outChannels: 21, kernel: (3, 3), pads: (1, 1, 1, 1))
        check(odd, height: 9, width: 40, activation: .relu, path: .direct, seed: 32)
        check(odd, height: 5, width: 3, bias: false, path: .direct, seed: 33)
        let resNetStem = Conv2DParameters(inChannels: 1, outChannels: 10, kernel: (7, 7), strides: (2, 2), pads: (3, 3, 3, 3))
        check(resNetStem, batch: 2, height: 29, width: 37, path: .direct, seed: 34)
        let four = Conv2DParameters(inChannels: 4, outChannels: 5, kernel: (2, 3), strides: (2, 2), pads: (0, 1, 1, 0))
        for (i, activation) in allActivations.enumerated() {
            check(four, height: 11, width: 18, activation: activation, threads: 2, path: .direct, seed: 40 + UInt64(i))
        }
        // Five input channels are the GEMM's again.
        let five = Conv2DParameters(inChannels: 5, outChannels: 16, kernel: (3, 3), strides: (2, 2), pads: (1, 1, 1, 1))
        check(five, height: 12, width: 12, path: .im2col, seed: 35)
    }

    @Test(arguments: allActivations)
    func everyActivation(_ activation: Activation) {
        let conv = Conv2DParameters(inChannels: 4, outChannels: 6, kernel: (3, 3), strides: (2, 1), pads: (1, 0, 1, 2))
        check(conv, batch: 2, height: 9, width: 8, activation: activation, path: .im2col, seed: 18)
        check(conv, height: 9, width: 8, bias: false, activation: activation, path: .im2col, seed: 19)
        let pointwise = Conv2DParameters(inChannels: 5, outChannels: 3, kernel: (1, 1))
        check(pointwise, batch: 2, height: 6, width: 5, activation: activation, path: .pointwise, seed: 20)
    }

    @Test func threadsGiveTheSameResult() {
        var rng = SeededRandom(seed: 21)
        let p = Conv2DParameters(inChannels: 16, outChannels: 8, kernel: (3, 3), strides: (2, 2), pads: (1, 1, 1, 1))
        let kernel = Conv2DKernel(parameters: p, weights: rng.floats(p.weightCount), bias: rng.floats(8), activation: .relu)
        let input = rng.floats(2 * 16 * 33 * 35)
        #expect(runConv(kernel, input: input, batch: 2, height: 33, width: 35, threads: 1)
            == runConv(kernel, input: input, batch: 2, height: 33, width: 35, threads: 2))
    }

    @Test func parametersAndFlops() {
        let p = Conv2DParameters(inChannels: 64, outChannels: 64, kernel: (3, 3), pads: (1, 1, 1, 1))
        #expect(p.outputSize(height: 56, width: 56) == (56, 56))
        #expect(p.flops(batch: 1, height: 56, width: 56) == 2 * 64 * 56 * 56 * 64 * 9)
        #expect(Conv2DParameters(inChannels: 3, outChannels: 1, kernel: (7, 7)).outputSizeIfValid(height: 6, width: 9) == nil)
        #expect(Conv2DParameters(inChannels: 8, outChannels: 8, kernel: (3, 3), group: 8).isDepthwise)
        #expect(Conv2DParameters(inChannels: 1, outChannels: 1, kernel: (3, 3)).isDepthwise)
        #expect(!Conv2DParameters(inChannels: 2, outChannels: 2, kernel: (3, 3)).isDepthwise)
    }
}
