/// The depthwise path (group == C == M): each output row is computed directly from the
/// kH input rows under it, 16 and then 8 outputs at a time in SIMD registers.
///
/// Every output row splits into a left border, an interior where every tap is inside the
/// input row (SIMD, no checks; the last SIMD8 block overlaps the one before it instead of a
/// scalar tail) and a right border (scalar, each tap checked). Rows whose window crosses the
/// top or bottom padding use the same SIMD code over the kernel rows that are inside.
/// 3×3 and 5×5 at stride 1 and 2 have the kernel size and stride as compile-time constants
/// (`DepthwiseShape`: fully unrolled taps, weights held in registers); other sizes at stride
/// 1 and 2 run the SIMD loop with run-time bounds; other strides, and rows too narrow for
/// one SIMD8 block, are scalar.
///
/// Vector width: Swift compiles for baseline x86-64 (SSE2) unless the build says otherwise,
/// so a SIMD16 is four SSE registers there, two AVX registers with `-target-cpu haswell`
/// and one with AVX-512; the code is the same, the build decides.
extension Conv2DKernel {
    /// Splits the batch·C·oH output rows into contiguous runs, a few per thread.
    func runDepthwise(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, batch: Int, height: Int, width: Int, threads: Int) {
        let p = parameters
        let (oH, oW) = p.outputSize(height: height, width: width)
        let geometry = DepthwiseGeometry(p, height: height, width: width, outHeight: oH, outWidth: oW)
        let totalRows = batch * p.outChannels * oH
        // Below ~16K outputs a second thread costs more to wake than it saves.
        let workers = min(threads, max(1, totalRows * oW / 16_384))
        let parts = KernelThreads.partCount(workers: workers, items: totalRows)
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
                ParallelFor.run(parts: parts, workers: workers) { part, _ in work(part) }
            }
        }
    }

    /// One output row of one channel, then the activation over it (still in L1).
    private func depthwiseRow(
        plane: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>, oh: Int, taps: UnsafePointer<Float>, bias: Float,
        g: DepthwiseGeometry
    ) {
        let ih0 = oh * g.sH - g.padT
        // Kernel rows inside the image (all of them except near the top and bottom).
        let kh = g.dH == 1
            ? max(0, -ih0)..<max(max(0, -ih0), min(g.kH, g.height - ih0))
            : clamp(ceilDivide(-ih0, g.dH), floorDivide(g.height - 1 - ih0, g.dH) + 1, g.kH)
        if (g.sW == 1 || g.sW == 2) && g.interior.count >= 8 && !kh.isEmpty {
            switch (g.kH, g.kW, g.sW) {
            case (3, 3, 1): unrolledRow(Kernel3Stride1.self, plane: plane, out: out, ih0: ih0, kh: kh, taps: taps, bias: bias, g: g)
            case (3, 3, 2): unrolledRow(Kernel3Stride2.self, plane: plane, out: out, ih0: ih0, kh: kh, taps: taps, bias: bias, g: g)
            case (5, 5, 1): unrolledRow(Kernel5Stride1.self, plane: plane, out: out, ih0: ih0, kh: kh, taps: taps, bias: bias, g: g)
            case (5, 5, 2): unrolledRow(Kernel5Stride2.self, plane: plane, out: out, ih0: ih0, kh: kh, taps: taps, bias: bias, g: g)
            default:
                scalarOutputs(0..<g.interior.lowerBound, plane: plane, out: out, ih0: ih0, kh: kh, taps: taps, bias: bias, g: g)
                let rows = plane + ih0 * g.width - g.padL
                simdOutputsAnySize(g.interior, kh: kh, rows: rows, out: out, taps: taps, bias: bias, g: g)
                scalarOutputs(g.interior.upperBound..<g.oW, plane: plane, out: out, ih0: ih0, kh: kh, taps: taps, bias: bias, g: g)
            }
        } else {
            scalarOutputs(0..<g.oW, plane: plane, out: out, ih0: ih0, kh: kh, taps: taps, bias: bias, g: g)
        }
        activation.apply(out, count: g.oW)
    }

    /// Outputs `range` with every tap bounds-checked (borders, narrow rows, odd strides).
    private func scalarOutputs(
        _ range: Range<Int>, plane: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>, ih0: Int, kh khRange: Range<Int>,
        taps: UnsafePointer<Float>, bias: Float, g: DepthwiseGeometry
    ) {
        for ow in range {
            let iw0 = ow * g.sW - g.padL
            let kwRange = g.dW == 1
                ? max(0, -iw0)..<max(max(0, -iw0), min(g.kW, g.width - iw0))
                : clamp(ceilDivide(-iw0, g.dW), floorDivide(g.width - 1 - iw0, g.dW) + 1, g.kW)
            var sum = bias
            for kh in khRange {
                let row = plane + (ih0 + kh * g.dH) * g.width + iw0
                let w = taps + kh * g.kW
                // One partial sum per kernel row: shorter dependency chains.
                var partial: Float = 0
                for kw in kwRange { partial += w[kw] * row[kw * g.dW] }
                sum += partial
            }
            out[ow] = sum
        }
    }

    /// A whole row for a k×k kernel at stride s, both compile-time constants of `Shape` (a
    /// generic parameter: specialisation is reliable where inlining a function with constant
    /// arguments is not). Rows with all k kernel rows inside the image get their own copy of
    /// the code with the constant range 0..<k, which the compiler fully unrolls.
    private func unrolledRow<Shape: DepthwiseShape>(
        _: Shape.Type, plane: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>, ih0: Int, kh: Range<Int>,
        taps: UnsafePointer<Float>, bias: Float, g: DepthwiseGeometry
    ) {
        let (k, s) = (Shape.k, Shape.s)
        let rows = plane + ih0 * g.width - g.padL
        if kh.count == k {
            edgeOutputs(Shape.self, 0..<g.interior.lowerBound, kh: 0..<k, plane: plane, ih0: ih0, out: out, taps: taps, bias: bias, g: g)
            simdSpan(k: k, s: s, g.interior, kh: 0..<k, rows: rows, out: out, taps: taps, bias: bias, g: g)
            edgeOutputs(Shape.self, g.interior.upperBound..<g.oW, kh: 0..<k, plane: plane, ih0: ih0, out: out, taps: taps, bias: bias, g: g)
        } else {
            edgeOutputs(Shape.self, 0..<g.interior.lowerBound, kh: kh, plane: plane, ih0: ih0, out: out, taps: taps, bias: bias, g: g)
            simdSpan(k: k, s: s, g.interior, kh: kh, rows: rows, out: out, taps: taps, bias: bias, g: g)
            edgeOutputs(Shape.self, g.interior.upperBound..<g.oW, kh: kh, plane: plane, ih0: ih0, out: out, taps: taps, bias: bias, g: g)
        }
    }

    /// Border outputs of an unrolled row: each tap checked against the row's ends, unrolled
    /// (a predictable branch per tap instead of a loop with computed bounds).
    @inline(__always)
    private func edgeOutputs<Shape: DepthwiseShape>(
        _: Shape.Type, _ range: Range<Int>, kh khRange: Range<Int>, plane: UnsafePointer<Float>, ih0: Int,
        out: UnsafeMutablePointer<Float>, taps: UnsafePointer<Float>, bias: Float, g: DepthwiseGeometry
    ) {
        let (k, s) = (Shape.k, Shape.s)
        for ow in range {
            let iw0 = ow &* s &- g.padL
            var sum = bias
            for kh in khRange {
                let row = plane + (ih0 &+ kh &* g.dH) &* g.width
                var partial: Float = 0
                for kw in 0..<k {
                    let iw = iw0 &+ kw &* g.dW
                    if iw >= 0 && iw < g.width { partial += taps[kh &* k &+ kw] * row[iw] }
                }
                sum += partial
            }
            out[ow] = sum
        }
    }

    /// SIMD16 blocks, SIMD8 blocks, then one SIMD8 block ending at the span's end that
    /// overlaps the previous one: recomputing a few outputs is cheaper than a scalar tail, and
    /// safe because outputs are written, never accumulated. `rows` points at input
    /// (row ih0, column −padL).
    @inline(__always)
    private func simdSpan(
        k: Int, s: Int, _ span: Range<Int>, kh: Range<Int>, rows: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>,
        taps: UnsafePointer<Float>, bias: Float, g: DepthwiseGeometry
    ) {
        // Copying the taps into a value lets the compiler keep them in registers across the
        // loop; through the pointer it would reload them after every store to `out`.
        let w = UnsafeRawPointer(taps).loadUnaligned(as: SIMD32<Float>.self)
        let rowStep = g.dH &* g.width
        var ow = span.lowerBound
        while ow &+ 16 <= span.upperBound {
            let v = block(SIMD16<Float>.self, k: k, s: s, kh: kh, at: rows + ow &* s, rowStep: rowStep, dW: g.dW, w: w, bias: bias)
            UnsafeMutableRawPointer(out + ow).storeBytes(of: v, as: SIMD16<Float>.self)
            ow &+= 16
        }
        while ow < span.upperBound {
            ow = min(ow, span.upperBound &- 8)
            let v = block(SIMD8<Float>.self, k: k, s: s, kh: kh, at: rows + ow &* s, rowStep: rowStep, dW: g.dW, w: w, bias: bias)
            UnsafeMutableRawPointer(out + ow).storeBytes(of: v, as: SIMD8<Float>.self)
            ow &+= 8
        }
    }

    /// One block of outputs: the sum over the taps of kernel rows `kh`. Each kernel row has
    /// its own accumulator so k addition chains run in parallel instead of one chain of k²
    /// adds. Index arithmetic wraps (`&*`) because the planner has bounded every size, and
    /// overflow checks in this loop cost more than the loads.
    @inline(__always)
    private func block<V: StridedLanes>(
        _: V.Type, k: Int, s: Int, kh khRange: Range<Int>, at p: UnsafePointer<Float>, rowStep: Int, dW: Int, w: SIMD32<Float>,
        bias: Float
    ) -> V {
        var total = V.splat(bias)
        for kh in khRange {
            let row = p + kh &* rowStep
            var acc = V.splat(0)
            for kw in 0..<k {
                let x = s == 1 ? V.load(row + kw &* dW) : V.loadEven(row + kw &* dW)
                acc = V.multiplyAdd(acc, w[kh &* k &+ kw], x)
            }
            total = V.add(total, acc)
        }
        return total
    }

    /// The interior for other kernel sizes at stride 1 or 2: SIMD8 blocks (the last one
    /// overlapping) with run-time loops over the taps, read through the pointer since there
    /// may be more than 32.
    private func simdOutputsAnySize(
        _ span: Range<Int>, kh khRange: Range<Int>, rows: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>,
        taps: UnsafePointer<Float>, bias: Float, g: DepthwiseGeometry
    ) {
        let s = g.sW
        var ow = span.lowerBound
        while ow < span.upperBound {
            ow = min(ow, span.upperBound - 8)
            var total = SIMD8<Float>.splat(bias)
            for kh in khRange {
                let row = rows + ow * s + kh * g.dH * g.width
                for kw in 0..<g.kW {
                    let x = s == 1 ? SIMD8<Float>.load(row + kw * g.dW) : SIMD8<Float>.loadEven(row + kw * g.dW)
                    total = SIMD8<Float>.multiplyAdd(total, taps[kh * g.kW + kw], x)
                }
            }
            UnsafeMutableRawPointer(out + ow).storeBytes(of: total, as: SIMD8<Float>.self)
            ow += 8
        }
    }
}

/// lo..<hi clamped to 0..<count (empty when hi ≤ lo).
@inline(__always)
private func clamp(_ lo: Int, _ hi: Int, _ count: Int) -> Range<Int> {
    let l = min(max(0, lo), count)
    return l..<max(l, min(hi, count))
}

/// The sizes one depthwise run needs, gathered once so the row loop passes one value.
struct DepthwiseGeometry {
    let height, width, oH, oW, kH, kW, sH, sW, dH, dW, padT, padL: Int
    /// Outputs whose every tap lies inside the input row: the SIMD interior of each row
    /// (the same for every row, so computed once, divisions included).
    let interior: Range<Int>

    init(_ p: Conv2DParameters, height: Int, width: Int, outHeight: Int, outWidth: Int) {
        self.height = height
        self.width = width
        oH = outHeight
        oW = outWidth
        (kH, kW) = (p.kernelHeight, p.kernelWidth)
        (sH, sW) = (p.strideHeight, p.strideWidth)
        (dH, dW) = (p.dilationHeight, p.dilationWidth)
        (padT, padL) = (p.padTop, p.padLeft)
        let start = min(outWidth, ceilDivide(padL, sW))
        let end = min(outWidth, floorDivide(width - 1 + padL - (kW - 1) * dW, sW) + 1)
        interior = start..<max(start, end)
    }
}
