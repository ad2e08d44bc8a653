/// The depthwise path (group == C == M): each output row is computed directly from the
/// kH input rows under it, 16 and then 8 outputs at a time in SIMD registers.
///
/// Every output row splits into a left border (scalar, taps checked against the padding),
/// an interior where every tap is inside the image (SIMD, no checks), and a right border plus
/// the SIMD tail (scalar). Rows whose window crosses the top or bottom padding are scalar
/// too: they are 2 rows of 56 for a 3×3, pad 1 layer. 3×3 and 5×5 at stride 1 and 2 have
/// the kernel size and stride as constants (fully unrolled taps, weights held in
/// registers); other sizes at stride 1 and 2 use the same SIMD loop with run-time bounds;
/// other strides are scalar.
extension Conv2DKernel {
    /// Splits the batch·C·oH output rows into `threads` contiguous runs.
    func runDepthwise(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, batch: Int, height: Int, width: Int, threads: Int) {
        let p = parameters
        let (oH, oW) = p.outputSize(height: height, width: width)
        let geometry = DepthwiseGeometry(p, height: height, width: width, outHeight: oH, outWidth: oW)
        let totalRows = batch * p.outChannels * oH
        // Below ~16K outputs a second thread costs more to wake than it saves.
        let parts = min(threads, max(1, totalRows * oW / 16_384))
        weights.withUnsafeBufferPointer { w in
            bias.withUnsafeBufferPointer { b in
                let taps = w.baseAddress!
                let biases = b.baseAddress!
                let tapStride = depthwiseTapStride
                let work = { (part: Int) in
                    let first = totalRows * part / parts
                    let end = totalRows * (part + 1) / parts
                    var plane = first / oH
                    var oh = first % oH
                    for _ in first..<end {
                        let c = plane % p.outChannels
                        depthwiseRow(
                            plane: input + plane * height * width, out: output + (plane * oH + oh) * oW, oh: oh,
                            taps: taps + c * tapStride, bias: biases[c], g: geometry)
                        oh += 1
                        if oh == oH { (plane, oh) = (plane + 1, 0) }
                    }
                }
                ParallelFor.run(parts: parts, work)
            }
        }
    }

    /// One output row of one channel, then the activation over it (still in L1).
    private func depthwiseRow(
        plane: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>, oh: Int, taps: UnsafePointer<Float>, bias: Float,
        g: DepthwiseGeometry
    ) {
        let ih0 = oh * g.sH - g.padT
        let khLo = max(0, ceilDivide(-ih0, g.dH))
        let khHi = min(g.kH, floorDivide(g.height - 1 - ih0, g.dH) + 1)
        var ow = 0
        if khLo == 0 && khHi == g.kH && (g.sW == 1 || g.sW == 2) {
            // First output whose leftmost tap is inside the image.
            let owLo = min(g.oW, ceilDivide(g.padL, g.sW))
            scalarOutputs(0..<owLo, plane: plane, out: out, ih0: ih0, kh: khLo..<khHi, taps: taps, bias: bias, g: g)
            let rows = plane + ih0 * g.width - g.padL
            switch (g.kH, g.kW, g.sW) {
            case (3, 3, 1): ow = simdOutputs(k: 3, s: 1, from: owLo, rows: rows, out: out, taps: taps, bias: bias, g: g)
            case (3, 3, 2): ow = simdOutputs(k: 3, s: 2, from: owLo, rows: rows, out: out, taps: taps, bias: bias, g: g)
            case (5, 5, 1): ow = simdOutputs(k: 5, s: 1, from: owLo, rows: rows, out: out, taps: taps, bias: bias, g: g)
            case (5, 5, 2): ow = simdOutputs(k: 5, s: 2, from: owLo, rows: rows, out: out, taps: taps, bias: bias, g: g)
            default: ow = simdOutputsAnySize(from: owLo, rows: rows, out: out, taps: taps, bias: bias, g: g)
            }
        }
        scalarOutputs(ow..<g.oW, plane: plane, out: out, ih0: ih0, kh: khLo..<khHi, taps: taps, bias: bias, g: g)
        activation.apply(out, count: g.oW)
    }

    /// Outputs `range` with every tap bounds-checked (borders, tails, odd strides).
    private func scalarOutputs(
        _ range: Range<Int>, plane: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>, ih0: Int, kh khRange: Range<Int>,
        taps: UnsafePointer<Float>, bias: Float, g: DepthwiseGeometry
    ) {
        for ow in range {
            let iw0 = ow * g.sW - g.padL
            let kwLo = max(0, ceilDivide(-iw0, g.dW))
            let kwHi = min(g.kW, floorDivide(g.width - 1 - iw0, g.dW) + 1)
            var sum = bias
            for kh in khRange {
                let row = plane + (ih0 + kh * g.dH) * g.width + iw0
                let w = taps + kh * g.kW
                var kw = kwLo
                while kw < kwHi {
                    sum += w[kw] * row[kw * g.dW]
                    kw += 1
                }
            }
            out[ow] = sum
        }
    }

    /// The interior of a row for a k×k kernel at stride s (both constants after inlining):
    /// SIMD16 blocks, then SIMD8 blocks while the input they load stays inside the row.
    /// `rows` points at input (row ih0, column −padL). Returns the first output not done.
    @inline(__always)
    private func simdOutputs(
        k: Int, s: Int, from start: Int, rows: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>,
        taps: UnsafePointer<Float>, bias: Float, g: DepthwiseGeometry
    ) -> Int {
        // Copying the taps into a value lets the compiler keep them in registers across the
        // loop; through the pointer it would reload them after every store to `out`.
        let w = UnsafeRawPointer(taps).loadUnaligned(as: SIMD32<Float>.self)
        let rowStep = g.dH * g.width
        // Floats one block reads to the right of its first input column (stride 2 loads
        // 2·lanes consecutive floats and keeps the even ones).
        let reach = (k - 1) * g.dW
        var ow = start
        while ow + 16 <= g.oW && ow * s + reach + 16 * s <= g.width + g.padL {
            let v = block(SIMD16<Float>.self, k: k, s: s, at: rows + ow * s, rowStep: rowStep, dW: g.dW, w: w, bias: bias)
            UnsafeMutableRawPointer(out + ow).storeBytes(of: v, as: SIMD16<Float>.self)
            ow += 16
        }
        while ow + 8 <= g.oW && ow * s + reach + 8 * s <= g.width + g.padL {
            let v = block(SIMD8<Float>.self, k: k, s: s, at: rows + ow * s, rowStep: rowStep, dW: g.dW, w: w, bias: bias)
            UnsafeMutableRawPointer(out + ow).storeBytes(of: v, as: SIMD8<Float>.self)
            ow += 8
        }
        return ow
    }

    /// One block of outputs: the sum over the k×k taps. Each kernel row has its own
    /// accumulator so k addition chains run in parallel instead of one chain of k² adds.
    @inline(__always)
    private func block<V: DepthwiseLane>(
        _: V.Type, k: Int, s: Int, at p: UnsafePointer<Float>, rowStep: Int, dW: Int, w: SIMD32<Float>, bias: Float
    ) -> V {
        var total = V.splat(bias)
        for kh in 0..<k {
            let row = p + kh * rowStep
            var acc = V.splat(0)
            for kw in 0..<k {
                let x = s == 1 ? V.load(row + kw * dW) : V.loadEven(row + kw * dW)
                acc = V.multiplyAdd(acc, w[kh * k + kw], x)
            }
            total = V.add(total, acc)
        }
        return total
    }

    /// The interior for other kernel sizes at stride 1 or 2: SIMD8 blocks with run-time
    /// loops over the taps (read through the pointer: there may be more than 32).
    private func simdOutputsAnySize(
        from start: Int, rows: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>, taps: UnsafePointer<Float>, bias: Float,
        g: DepthwiseGeometry
    ) -> Int {
        let s = g.sW
        let reach = (g.kW - 1) * g.dW
        var ow = start
        while ow + 8 <= g.oW && ow * s + reach + 8 * s <= g.width + g.padL {
            var total = SIMD8<Float>.splat(bias)
            for kh in 0..<g.kH {
                let row = rows + ow * s + kh * g.dH * g.width
                for kw in 0..<g.kW {
                    let x = s == 1 ? SIMD8<Float>.load(row + kw * g.dW) : SIMD8<Float>.loadEven(row + kw * g.dW)
                    total = SIMD8<Float>.multiplyAdd(total, taps[kh * g.kW + kw], x)
                }
            }
            UnsafeMutableRawPointer(out + ow).storeBytes(of: total, as: SIMD8<Float>.self)
            ow += 8
        }
        return ow
    }
}

/// The sizes one depthwise run needs, gathered once so the row loop passes one value.
struct DepthwiseGeometry {
    let height, width, oH, oW, kH, kW, sH, sW, dH, dW, padT, padL: Int

    init(_ p: Conv2DParameters, height: Int, width: Int, outHeight: Int, outWidth: Int) {
        self.height = height
        self.width = width
        oH = outHeight
        oW = outWidth
        (kH, kW) = (p.kernelHeight, p.kernelWidth)
        (sH, sW) = (p.strideHeight, p.strideWidth)
        (dH, dW) = (p.dilationHeight, p.dilationWidth)
        (padT, padL) = (p.padTop, p.padLeft)
    }
}

/// The vector operations the depthwise blocks use, as protocol requirements so a generic
/// block specialises to each concrete SIMD type's own vector operators (the generic `SIMD`
/// operators are lane-by-lane loops the optimiser does not always vectorise).
protocol DepthwiseLane {
    static func splat(_ x: Float) -> Self
    /// Lanes consecutive floats from `p` (unaligned).
    static func load(_ p: UnsafePointer<Float>) -> Self
    /// Every second float of 2·lanes consecutive floats from `p` (stride 2).
    static func loadEven(_ p: UnsafePointer<Float>) -> Self
    /// acc + w·x (a separate multiply and add: baseline x86-64 has no FMA instruction, and
    /// a fused multiply-add there would be a library call per lane).
    static func multiplyAdd(_ acc: Self, _ w: Float, _ x: Self) -> Self
    static func add(_ a: Self, _ b: Self) -> Self
}

extension SIMD8: DepthwiseLane where Scalar == Float {
    @inline(__always) static func splat(_ x: Float) -> Self { Self(repeating: x) }
    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> Self {
        UnsafeRawPointer(p).loadUnaligned(as: Self.self)
    }
    @inline(__always) static func loadEven(_ p: UnsafePointer<Float>) -> Self {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self).evenHalf
    }
    @inline(__always) static func multiplyAdd(_ acc: Self, _ w: Float, _ x: Self) -> Self { acc + Self(repeating: w) * x }
    @inline(__always) static func add(_ a: Self, _ b: Self) -> Self { a + b }
}

extension SIMD16: DepthwiseLane where Scalar == Float {
    @inline(__always) static func splat(_ x: Float) -> Self { Self(repeating: x) }
    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> Self {
        UnsafeRawPointer(p).loadUnaligned(as: Self.self)
    }
    @inline(__always) static func loadEven(_ p: UnsafePointer<Float>) -> Self {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD32<Float>.self).evenHalf
    }
    @inline(__always) static func multiplyAdd(_ acc: Self, _ w: Float, _ x: Self) -> Self { acc + Self(repeating: w) * x }
    @inline(__always) static func add(_ a: Self, _ b: Self) -> Self { a + b }
}
