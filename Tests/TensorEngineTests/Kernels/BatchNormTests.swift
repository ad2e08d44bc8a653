import Testing
@testable import TensorEngine

/// BatchNormalization as an affine map, and its folding into a preceding Conv.
@Suite struct BatchNormTests {
    struct Statistics {
        var scale, bias, mean, variance: [Float]

        init(channels: Int, rng: inout SeededRandom) {
            scale = rng.floats(channels)
            bias = rng.floats(channels)
            mean = rng.floats(channels)
            // Variances in [0.05, 2.05): a small one makes a large multiplier, as trained nets have.
            variance = rng.floats(channels).map { $0 + 1.05 }
        }
    }

    @Test func affineMatchesTheDefinition() {
        var rng = SeededRandom(seed: 300)
        let (batch, channels, spatial, epsilon): (Int, Int, Int, Float) = (3, 6, 37, 1e-5)
        let s = Statistics(channels: channels, rng: &rng)
        let input = rng.floats(batch * channels * spatial)
        let (a, b) = BatchNormKernel.coefficients(scale: s.scale, bias: s.bias, mean: s.mean, variance: s.variance, epsilon: epsilon)
        let want = input.indices.map { i -> Double in
            let c = (i / spatial) % channels
            return Double(s.scale[c]) * (Double(input[i]) - Double(s.mean[c])) / (Double(s.variance[c]) + Double(epsilon)).squareRoot()
                + Double(s.bias[c])
        }
        for threads in [1, 2] {
            var output = [Float](repeating: .nan, count: input.count)
            input.withUnsafeBufferPointer { x in
                output.withUnsafeMutableBufferPointer { y in
                    BatchNormKernel.run(
                        input: x.baseAddress!, output: y.baseAddress!, batch: batch, channels: channels, spatial: spatial,
                        a: a, b: b, threads: threads)
                }
            }
            expectClose(output, want, "threads \(threads)")
        }
        // In place, over [N, C] input (spatial 1), split across two threads.
        let wide = rng.floats(70_000 * 2)
        var inPlace = wide
        let (a2, b2) = BatchNormKernel.coefficients(scale: [2, 1], bias: [0, 1], mean: [0, 0], variance: [1, 1], epsilon: 0)
        inPlace.withUnsafeMutableBufferPointer { y in
            BatchNormKernel.run(input: y.baseAddress!, output: y.baseAddress!, batch: 70_000, channels: 2, spatial: 1, a: a2, b: b2, threads: 2)
        }
        expectClose(inPlace, wide.indices.map { $0 % 2 == 0 ? 2 * Double(wide[$0]) : Double(wide[$0]) + 1 }, "in place")
    }

    /// BN(Conv(x)) computed in two steps equals Conv'(x) with the folded weights.
    func checkFold(_ p: Conv2DParameters, convBias: Bool, height: Int, width: Int, seed: UInt64, sourceLocation: SourceLocation = #_sourceLocation) {
        var rng = SeededRandom(seed: seed)
        let weight = rng.floats(p.weightCount)
        let bias = convBias ? rng.floats(p.outChannels) : nil
        let s = Statistics(channels: p.outChannels, rng: &rng)
        let input = rng.floats(2 * p.inChannels * height * width)
        let epsilon: Float = 1e-3

        let convOut = runConv(Conv2DKernel(parameters: p, weights: weight, bias: bias), input: input, batch: 2, height: height, width: width)
        let (a, b) = BatchNormKernel.coefficients(scale: s.scale, bias: s.bias, mean: s.mean, variance: s.variance, epsilon: epsilon)
        let (oH, oW) = p.outputSize(height: height, width: width)
        var twoSteps = [Float](repeating: .nan, count: convOut.count)
        convOut.withUnsafeBufferPointer { x in
            twoSteps.withUnsafeMutableBufferPointer { y in
                BatchNormKernel.run(
                    input: x.baseAddress!, output: y.baseAddress!, batch: 2, channels: p.outChannels, spatial: oH * oW, a: a, b: b, threads: 1)
            }
        }

        let folded = BatchNormKernel.foldIntoConv(
            weight: weight, bias: bias, outChannels: p.outChannels, scale: s.scale, bias: s.bias, mean: s.mean, variance: s.variance,
            epsilon: epsilon)
        #expect(folded.weight.count == weight.count && folded.bias.count == p.outChannels, sourceLocation: sourceLocation)
        let fused = runConv(Conv2DKernel(parameters: p, weights: folded.weight, bias: folded.bias), input: input, batch: 2, height: height, width: width)
        expectClose(fused, twoSteps.map(Double.init), "fold", sourceLocation: sourceLocation)
    }

    @Test func foldIntoConv() {
        checkFold(Conv2DParameters(inChannels: 4, outChannels: 6, kernel: (3, 3), pads: (1, 1, 1, 1)), convBias: true, height: 9, width: 10, seed: 310)
        checkFold(Conv2DParameters(inChannels: 4, outChannels: 6, kernel: (3, 3), strides: (2, 2)), convBias: false, height: 9, width: 10, seed: 311)
        checkFold(Conv2DParameters(inChannels: 5, outChannels: 8, kernel: (1, 1)), convBias: false, height: 6, width: 7, seed: 312)
        checkFold(Conv2DParameters(inChannels: 6, outChannels: 6, kernel: (3, 3), pads: (1, 1, 1, 1), group: 6), convBias: true, height: 8, width: 20, seed: 313)
        checkFold(Conv2DParameters(inChannels: 6, outChannels: 4, kernel: (3, 3), pads: (1, 1, 1, 1), group: 2), convBias: true, height: 7, width: 7, seed: 314)
    }
}
