import Testing
@testable import TensorEngine

/// MaxPool, AveragePool and GlobalAveragePool against direct references, and the output
/// size rules (auto_pad, ceil_mode).
@Suite struct PoolingTests {
    enum Kind { case max, averageExcludingPad, averageIncludingPad }

    /// The reference walks every window position, padding included, and decides each one.
    func reference(_ kind: Kind, _ p: Pool2DParameters, input: [Float], planes: Int, height: Int, width: Int) -> [Double] {
        let (oH, oW) = p.outputSize(height: height, width: width)
        var out = [Double]()
        for plane in 0..<planes {
            for oh in 0..<oH {
                for ow in 0..<oW {
                    var best = -Double(Float.greatestFiniteMagnitude)
                    var sum = 0.0
                    var inside = 0
                    var insidePadded = 0
                    for kh in 0..<p.kernelHeight {
                        for kw in 0..<p.kernelWidth {
                            let ih = oh * p.strideHeight - p.padTop + kh * p.dilationHeight
                            let iw = ow * p.strideWidth - p.padLeft + kw * p.dilationWidth
                            if ih < height + p.padBottom && iw < width + p.padRight { insidePadded += 1 }
                            guard ih >= 0, ih < height, iw >= 0, iw < width else { continue }
                            let x = Double(input[(plane * height + ih) * width + iw])
                            best = max(best, x)
                            sum += x
                            inside += 1
                        }
                    }
                    switch kind {
                    case .max: out.append(best)
                    case .averageExcludingPad: out.append(sum / Double(inside))
                    case .averageIncludingPad: out.append(sum / Double(insidePadded))
                    }
                }
            }
        }
        return out
    }

    func check(
        _ kind: Kind, _ p: Pool2DParameters, batch: Int = 1, channels: Int = 3, height: Int, width: Int, threads: Int = 1,
        seed: UInt64, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        var rng = SeededRandom(seed: seed)
        let input = rng.floats(batch * channels * height * width)
        let (oH, oW) = p.outputSize(height: height, width: width)
        var output = [Float](repeating: .nan, count: batch * channels * oH * oW)
        input.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                switch kind {
                case .max:
                    PoolKernel.maxPool(
                        input: x.baseAddress!, output: y.baseAddress!, batch: batch, channels: channels, height: height, width: width,
                        parameters: p, threads: threads)
                case .averageExcludingPad, .averageIncludingPad:
                    PoolKernel.averagePool(
                        input: x.baseAddress!, output: y.baseAddress!, batch: batch, channels: channels, height: height, width: width,
                        parameters: p, countIncludePad: kind == .averageIncludingPad, threads: threads)
                }
            }
        }
        let want = reference(kind, p, input: input, planes: batch * channels, height: height, width: width)
        expectClose(output, want, "\(kind) \(height)×\(width)", sourceLocation: sourceLocation)
    }

    @Test(arguments: [Kind.max, .averageExcludingPad, .averageIncludingPad])
    func windows(_ kind: Kind) {
        check(kind, Pool2DParameters(kernel: (2, 2), strides: (2, 2)), batch: 2, height: 8, width: 8, seed: 200)
        check(kind, Pool2DParameters(kernel: (3, 3), strides: (2, 2), pads: (1, 1, 1, 1)), channels: 4, height: 11, width: 11, seed: 201)
        check(kind, Pool2DParameters(kernel: (2, 3), strides: (1, 2), pads: (1, 0, 0, 1)), batch: 2, channels: 2, height: 9, width: 7, seed: 202)
        check(kind, Pool2DParameters(kernel: (3, 2), strides: (2, 2), pads: (0, 1, 2, 0)), channels: 2, height: 8, width: 9, seed: 203)
        check(kind, Pool2DParameters(kernel: (7, 7)), batch: 2, channels: 8, height: 7, width: 7, seed: 204)
    }

    @Test(arguments: [Kind.max, .averageExcludingPad, .averageIncludingPad])
    func ceilMode(_ kind: Kind) {
        check(kind, Pool2DParameters(kernel: (3, 3), strides: (2, 2), ceilMode: true), height: 10, width: 10, seed: 210)
        check(kind, Pool2DParameters(kernel: (3, 3), strides: (2, 2), pads: (1, 1, 1, 1), ceilMode: true), height: 11, width: 12, seed: 211)
        // The window ceil_mode would add starts in the end padding here, so it is dropped.
        check(kind, Pool2DParameters(kernel: (2, 2), strides: (2, 2), pads: (1, 1, 1, 1), ceilMode: true), height: 3, width: 5, seed: 212)
        check(kind, Pool2DParameters(kernel: (3, 2), strides: (3, 2), pads: (0, 0, 1, 0), ceilMode: true), height: 8, width: 9, seed: 213)
    }

    @Test(arguments: [Kind.max, .averageExcludingPad, .averageIncludingPad])
    func dilations(_ kind: Kind) {
        check(kind, Pool2DParameters(kernel: (3, 3), strides: (1, 1), pads: (2, 2, 2, 2), dilations: (2, 2)), height: 9, width: 10, seed: 220)
        check(kind, Pool2DParameters(kernel: (2, 3), strides: (2, 1), pads: (1, 0, 1, 2), dilations: (3, 2), ceilMode: true), height: 12, width: 9, seed: 221)
    }

    @Test(arguments: [Kind.max, .averageExcludingPad, .averageIncludingPad])
    func wideRowsTakeTheSIMDPath(_ kind: Kind) {
        // Interiors of 8 or more outputs: SIMD blocks, the last one overlapping, scalar borders.
        check(kind, Pool2DParameters(kernel: (3, 3), strides: (2, 2), pads: (1, 1, 1, 1)), height: 9, width: 112, seed: 250)
        check(kind, Pool2DParameters(kernel: (3, 3), strides: (1, 1), pads: (1, 1, 1, 1)), height: 6, width: 37, seed: 251)
        check(kind, Pool2DParameters(kernel: (2, 2), strides: (2, 2)), height: 8, width: 34, seed: 252)
        check(kind, Pool2DParameters(kernel: (3, 2), strides: (2, 2), pads: (2, 0, 1, 1), ceilMode: true), height: 9, width: 45, seed: 253)
        check(kind, Pool2DParameters(kernel: (3, 3), strides: (1, 2), pads: (1, 2, 1, 2), dilations: (2, 3)), height: 9, width: 61, seed: 254)
        check(kind, Pool2DParameters(kernel: (5, 5), strides: (1, 1), pads: (2, 2, 2, 2)), height: 7, width: 20, seed: 255)
        // Stride 3: scalar throughout.
        check(kind, Pool2DParameters(kernel: (3, 3), strides: (3, 3), pads: (1, 1, 1, 1)), height: 9, width: 50, seed: 256)
    }

    @Test(arguments: [Kind.max, .averageExcludingPad, .averageIncludingPad])
    func threads(_ kind: Kind) {
        check(kind, Pool2DParameters(kernel: (3, 3), strides: (1, 1), pads: (1, 1, 1, 1)), batch: 2, channels: 16, height: 40, width: 40, threads: 2, seed: 230)
    }

    @Test func ceilModeOutputSizes() {
        // floor((10 − 3) / 2) + 1 = 4; ceil gives 5 (the last window hangs past the input).
        #expect(Pool2DParameters(kernel: (3, 3), strides: (2, 2)).outputSize(height: 10, width: 10) == (4, 4))
        #expect(Pool2DParameters(kernel: (3, 3), strides: (2, 2), ceilMode: true).outputSize(height: 10, width: 10) == (5, 5))
        // size 3, kernel 2, stride 2, pads 1+1: ceil would give 3, but window 3 would start at
        // position 4 − 1 = 3, the first end-padding position: dropped, as in ONNX and PyTorch.
        #expect(Pool2DParameters(kernel: (2, 2), strides: (2, 2), pads: (1, 1, 1, 1), ceilMode: true).outputSize(height: 3, width: 3) == (2, 2))
        #expect(Pool2DParameters(kernel: (2, 2), strides: (2, 2), pads: (1, 1, 1, 1)).outputSize(height: 3, width: 3) == (2, 2))
        // Exact division: ceil_mode changes nothing.
        #expect(Pool2DParameters(kernel: (2, 2), strides: (2, 2), ceilMode: true).outputSize(height: 8, width: 8) == (4, 4))
        #expect(Pool2DParameters(kernel: (5, 5)).outputSizeIfValid(height: 4, width: 9) == nil)
    }

    @Test func autoPad() {
        func resolve(_ a: AutoPad, _ size: Int, _ k: Int, _ s: Int, d: Int = 1) -> [Int]? {
            a.resolve(size: size, kernel: k, stride: s, dilation: d).map { [$0.padBegin, $0.padEnd, $0.output] }
        }
        #expect(resolve(.sameUpper, 10, 3, 2) == [0, 1, 5])
        #expect(resolve(.sameLower, 10, 3, 2) == [1, 0, 5])
        #expect(resolve(.sameUpper, 11, 4, 1) == [1, 2, 11])
        #expect(resolve(.sameLower, 11, 4, 1) == [2, 1, 11])
        #expect(resolve(.sameUpper, 9, 3, 1, d: 2) == [2, 2, 9])
        #expect(resolve(.sameUpper, 5, 1, 3) == [0, 0, 2])
        #expect(resolve(.valid, 10, 3, 2) == [0, 0, 4])
        #expect(resolve(.valid, 9, 3, 1) == [0, 0, 7])
        #expect(resolve(.valid, 2, 3, 1) == nil)
        #expect(AutoPad.notSet.resolve(size: 10, kernel: 3, stride: 2, dilation: 1, padBegin: 1, padEnd: 2).map { $0.output } == 6)
        #expect(AutoPad.notSet.resolve(size: 3, kernel: 2, stride: 2, dilation: 1, padBegin: 1, padEnd: 1, ceilMode: true).map { $0.output } == 2)
        #expect(AutoPad(rawValue: "SAME_LOWER") == .sameLower && AutoPad(rawValue: "NOTSET") == .notSet)
    }

    @Test func globalAveragePoolShape() {
        #expect(PoolKernel.globalAveragePoolOutputShape([2, 5, 7, 6]) == [2, 5, 1, 1])
        #expect(PoolKernel.globalAveragePoolOutputShape([3, 4, 9]) == [3, 4, 1])
    }

    @Test func globalAveragePool() {
        for (i, spatial) in [1, 7, 8, 42, 49, 3136].enumerated() {
            var rng = SeededRandom(seed: 240 + UInt64(i))
            let (batch, channels) = (2, 5)
            let input = rng.floats(batch * channels * spatial)
            for threads in [1, 2] {
                var output = [Float](repeating: .nan, count: batch * channels)
                input.withUnsafeBufferPointer { x in
                    output.withUnsafeMutableBufferPointer { y in
                        PoolKernel.globalAveragePool(
                            input: x.baseAddress!, output: y.baseAddress!, batch: batch, channels: channels, spatial: spatial, threads: threads)
                    }
                }
                let want = (0..<(batch * channels)).map { plane in
                    input[(plane * spatial)..<((plane + 1) * spatial)].reduce(0.0) { $0 + Double($1) } / Double(spatial)
                }
                expectClose(output, want, "spatial \(spatial) threads \(threads)")
            }
        }
    }
}
