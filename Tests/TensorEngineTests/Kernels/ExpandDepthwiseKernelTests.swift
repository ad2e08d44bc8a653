import Testing
@testable import TensorEngine

/// The fused pointwise + depthwise kernel gives exactly what the two kernels give run one
/// after the other, whatever the band height (one band, many, a short last one), stride,
/// kernel size, padding, batch and thread count.
@Suite struct ExpandDepthwiseKernelTests {
    func check(
        inChannels: Int = 3, channels: Int = 6, kernel: Int = 3, stride: Int = 1, pads: (Int, Int, Int, Int) = (1, 1, 1, 1),
        batch: Int = 1, height: Int, width: Int, bandBytes: Int, threads: Int = 1,
        activations: (Activation, Activation) = (.clip(min: 0, max: 6), .clip(min: 0, max: 6)), seed: UInt64,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        var rng = SeededRandom(seed: seed)
        let pe = Conv2DParameters(inChannels: inChannels, outChannels: channels, kernel: (1, 1))
        let pd = Conv2DParameters(
            inChannels: channels, outChannels: channels, kernel: (kernel, kernel), strides: (stride, stride), pads: pads, group: channels)
        let expand = Conv2DKernel(parameters: pe, weights: rng.floats(pe.weightCount), bias: rng.floats(channels), activation: activations.0)
        let depthwise = Conv2DKernel(parameters: pd, weights: rng.floats(pd.weightCount), bias: rng.floats(channels), activation: activations.1)
        #expect(ExpandDepthwiseKernel.canFuse(expand: expand, depthwise: depthwise), sourceLocation: sourceLocation)
        let input = rng.floats(batch * inChannels * height * width).map { $0 * 4 }
        let middle = runConv(expand, input: input, batch: batch, height: height, width: width, threads: threads)
        let want = runConv(depthwise, input: middle, batch: batch, height: height, width: width, threads: threads)

        let fused = ExpandDepthwiseKernel(expand: expand, depthwise: depthwise, bandBytes: bandBytes)
        var got = [Float](repeating: .nan, count: want.count)
        var workspace = [Float](repeating: .nan, count: fused.workspaceCount(batch: batch, height: height, width: width, threads: threads))
        input.withUnsafeBufferPointer { x in
            got.withUnsafeMutableBufferPointer { y in
                workspace.withUnsafeMutableBufferPointer { w in
                    fused.run(
                        input: x.baseAddress!, output: y.baseAddress!, batch: batch, height: height, width: width,
                        workspace: w.baseAddress!, threads: threads)
                }
            }
        }
        let bands = fused.bandLayout(height: height, width: width)
        let mismatches = zip(got, want).filter { $0.bitPattern != $1.bitPattern }.count
        #expect(mismatches == 0, "k\(kernel) s\(stride) \(height)×\(width) band \(bands) threads \(threads)", sourceLocation: sourceLocation)
    }

    @Test func oneBandAndManyBands() {
        for (i, bandBytes) in [1 << 20, 6 * 37 * 4 * 5, 6 * 37 * 4 * 3, 1].enumerated() {
            check(height: 21, width: 37, bandBytes: bandBytes, seed: 10 + UInt64(i))
            check(stride: 2, height: 21, width: 37, bandBytes: bandBytes, seed: 20 + UInt64(i))
            check(kernel: 5, pads: (2, 2, 2, 2), height: 19, width: 29, bandBytes: bandBytes, seed: 30 + UInt64(i))
            check(kernel: 5, stride: 2, pads: (1, 2, 2, 1), height: 22, width: 9, bandBytes: bandBytes, seed: 40 + UInt64(i))
        }
    }

    @Test func unpaddedAndAsymmetricPads() {
        check(pads: (0, 0, 0, 0), height: 17, width: 20, bandBytes: 6 * 20 * 4 * 4, seed: 50)
        check(stride: 2, pads: (0, 1, 1, 0), height: 18, width: 23, bandBytes: 6 * 23 * 4 * 4, seed: 51)
        check(kernel: 5, stride: 2, pads: (2, 0, 1, 2), height: 15, width: 15, bandBytes: 6 * 15 * 4 * 6, seed: 52)
    }

    @Test func batchesAndThreads() {
        for threads in [1, 2, 3] {
            check(batch: 3, height: 16, width: 40, bandBytes: 6 * 40 * 4 * 4, threads: threads, seed: 60 + UInt64(threads))
            check(stride: 2, batch: 2, height: 25, width: 11, bandBytes: 6 * 11 * 4 * 5, threads: threads, seed: 70 + UInt64(threads))
        }
    }

    /// Activations the GEMM cannot apply as it stores (applied over the band afterwards),
    /// and none at all.
    @Test func otherActivations() {
        check(height: 12, width: 19, bandBytes: 6 * 19 * 4 * 4, activations: (.sigmoid, .none), seed: 80)
        check(stride: 2, height: 13, width: 19, bandBytes: 6 * 19 * 4 * 4, activations: (.none, .sigmoid), seed: 81)
    }

    @Test func onlyPointwiseIntoPaddedDepthwiseFuses() {
        let pointwise = Conv2DKernel(parameters: Conv2DParameters(inChannels: 2, outChannels: 4, kernel: (1, 1)), weights: [Float](repeating: 1, count: 8), bias: nil)
        let depthwise3 = Conv2DKernel(
            parameters: Conv2DParameters(inChannels: 4, outChannels: 4, kernel: (3, 3), pads: (1, 1, 1, 1), group: 4),
            weights: [Float](repeating: 1, count: 36), bias: nil)
        let depthwise7 = Conv2DKernel(
            parameters: Conv2DParameters(inChannels: 4, outChannels: 4, kernel: (7, 7), pads: (3, 3, 3, 3), group: 4),
            weights: [Float](repeating: 1, count: 196), bias: nil)
        let full3 = Conv2DKernel(
            parameters: Conv2DParameters(inChannels: 4, outChannels: 4, kernel: (3, 3), pads: (1, 1, 1, 1)),
            weights: [Float](repeating: 1, count: 144), bias: nil)
        #expect(ExpandDepthwiseKernel.canFuse(expand: pointwise, depthwise: depthwise3))
        #expect(!ExpandDepthwiseKernel.canFuse(expand: pointwise, depthwise: depthwise7))
        #expect(!ExpandDepthwiseKernel.canFuse(expand: pointwise, depthwise: full3))
        #expect(!ExpandDepthwiseKernel.canFuse(expand: depthwise3, depthwise: depthwise3))
    }
}
