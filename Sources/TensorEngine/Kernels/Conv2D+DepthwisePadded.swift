/// The depthwise fast path for 3×3 and 5×5 kernels at stride 1 or 2 without dilation
/// (MobileNet, EfficientNet): each channel's plane is first copied into a zero-bordered
/// scratch plane wide enough that every output row, rounded up to whole SIMD8 blocks, reads
/// only inside it. Then there are no borders at all: every row is SIMD blocks with the taps
/// fully unrolled, bias and ReLU/clip applied in registers before the one store.
///
/// Why: the row-wise path computes the left and right border outputs one tap at a time, and
/// rows narrower than one SIMD8 interior block (the 7×7 layers, where MobileNet has most
/// channels) entirely so; measured on MobileNetV2 ×0.5 those scalar outputs took more time
/// than all the SIMD ones. The copy costs one load and store per input float against k²
/// multiply-adds per output.
///
/// The border of the scratch plane is the same for every channel, so it is zeroed once per
/// call and worker; each channel then overwrites only the image region.
extension Conv2DKernel {
    /// Whether this kernel takes the padded path (see the extension's documentation).
    var usesPaddedDepthwise: Bool {
        let p = parameters
        return path == .depthwise && p.dilationHeight == 1 && p.dilationWidth == 1 && p.kernelHeight == p.kernelWidth
            && (p.kernelHeight == 3 || p.kernelHeight == 5) && p.strideHeight == p.strideWidth
            && (p.strideWidth == 1 || p.strideWidth == 2)
    }

    /// Rows and row length (floats) of one worker's scratch plane.
    func paddedPlaneLayout(height: Int, width: Int) -> (rows: Int, rowLength: Int) {
        let p = parameters
        let (oH, oW) = p.outputSize(height: height, width: width)
        let blocks = (oW + 7) / 8 * 8
        let rowLength = max((blocks - 1) * p.strideWidth + p.kernelWidth, p.padLeft + width)
        let rows = max((oH - 1) * p.strideHeight + p.kernelHeight, p.padTop + height)
        return (rows, rowLength)
    }

    /// Workers the padded path uses: whole planes per worker, and at least ~16K outputs each
    /// (below that a second thread costs more to wake than it saves).
    func paddedDepthwiseWorkers(batch: Int, height: Int, width: Int, threads: Int) -> Int {
        let (oH, oW) = parameters.outputSize(height: height, width: width)
        return KernelThreads.workerCount(count: batch * parameters.outChannels, threads: threads, minPerWorker: max(1, 16_384 / max(1, oH * oW)))
    }

    func runDepthwisePadded(
        input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, batch: Int, height: Int, width: Int,
        workspace: UnsafeMutablePointer<Float>, threads: Int
    ) {
        let p = parameters
        switch (p.kernelHeight, p.strideWidth) {
        case (3, 1): paddedPlanes(Kernel3Stride1.self, input: input, output: output, batch: batch, height: height, width: width, workspace: workspace, threads: threads)
        case (3, 2): paddedPlanes(Kernel3Stride2.self, input: input, output: output, batch: batch, height: height, width: width, workspace: workspace, threads: threads)
        case (5, 1): paddedPlanes(Kernel5Stride1.self, input: input, output: output, batch: batch, height: height, width: width, workspace: workspace, threads: threads)
        default: paddedPlanes(Kernel5Stride2.self, input: input, output: output, batch: batch, height: height, width: width, workspace: workspace, threads: threads)
        }
    }

    private func paddedPlanes<Shape: DepthwiseShape>(
        _: Shape.Type, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, batch: Int, height: Int, width: Int,
        workspace: UnsafeMutablePointer<Float>, threads: Int
    ) {
        let p = parameters
        let (oH, oW) = p.outputSize(height: height, width: width)
        let (rows, rowLength) = paddedPlaneLayout(height: height, width: width)
        let planeFloats = rows * rowLength
        let planes = batch * p.outChannels
        let workers = paddedDepthwiseWorkers(batch: batch, height: height, width: width, threads: threads)
        let (padT, padL) = (p.padTop, p.padLeft)
        let fused = activation.simdLanes
        weights.withUnsafeBufferPointer { w in
            bias.withUnsafeBufferPointer { b in
                let taps = w.baseAddress!, biases = b.baseAddress!
                let tapStride = depthwiseTapStride
                KernelThreads.forEachChunk(count: planes, threads: workers) { range, worker in
                    let scratch = workspace + worker * planeFloats
                    scratch.update(repeating: 0, count: planeFloats)
                    for plane in range {
                        let c = plane % p.outChannels
                        let src = input + plane * height * width
                        for ih in 0..<height {
                            (scratch + (ih + padT) * rowLength + padL).update(from: src + ih * width, count: width)
                        }
                        let wv = UnsafeRawPointer(taps + c * tapStride).loadUnaligned(as: SIMD32<Float>.self)
                        let out = output + plane * oH * oW
                        for oh in 0..<oH {
                            paddedRow(
                                Shape.self, rows: scratch + oh * Shape.s * rowLength, rowLength: rowLength, out: out + oh * oW, oW: oW, w: wv,
                                bias: biases[c], fused: fused)
                        }
                        if fused == nil { activation.apply(out, count: oH * oW) }
                    }
                }
            }
        }
    }

    /// One output row: SIMD16 blocks, then SIMD8 blocks, the last one overlapping its
    /// predecessor (or, for rows narrower than 8, computed in full and stored partially).
    @inline(__always)
    func paddedRow<Shape: DepthwiseShape>(
        _: Shape.Type, rows: UnsafePointer<Float>, rowLength: Int, out: UnsafeMutablePointer<Float>, oW: Int, w: SIMD32<Float>,
        bias: Float, fused: (lo: Float, hi: Float)?
    ) {
        let (k, s) = (Shape.k, Shape.s)
        var ow = 0
        while ow &+ 16 <= oW {
            var v = paddedBlock(SIMD16<Float>.self, k: k, s: s, at: rows + ow &* s, rowLength: rowLength, w: w, bias: bias)
            if let f = fused { v = v.clampedLanes(f.lo, f.hi) }
            UnsafeMutableRawPointer(out + ow).storeBytes(of: v, as: SIMD16<Float>.self)
            ow &+= 16
        }
        if oW < 8 {
            var v = paddedBlock(SIMD8<Float>.self, k: k, s: s, at: rows, rowLength: rowLength, w: w, bias: bias)
            if let f = fused { v = v.clampedLanes(f.lo, f.hi) }
            for i in 0..<oW { out[i] = v[i] }
            return
        }
        while ow < oW {
            ow = min(ow, oW &- 8)
            var v = paddedBlock(SIMD8<Float>.self, k: k, s: s, at: rows + ow &* s, rowLength: rowLength, w: w, bias: bias)
            if let f = fused { v = v.clampedLanes(f.lo, f.hi) }
            UnsafeMutableRawPointer(out + ow).storeBytes(of: v, as: SIMD8<Float>.self)
            ow &+= 8
        }
    }

    /// The k×k taps over one block, one accumulator per kernel row.
    @inline(__always)
    func paddedBlock<V: StridedLanes>(
        _: V.Type, k: Int, s: Int, at p: UnsafePointer<Float>, rowLength: Int, w: SIMD32<Float>, bias: Float
    ) -> V {
        var total = V.splat(bias)
        for kh in 0..<k {
            let row = p + kh &* rowLength
            var acc = V.splat(0)
            for kw in 0..<k {
                let x = s == 1 ? V.load(row + kw) : V.loadEven(row + kw)
                acc = V.multiplyAdd(acc, w[kh &* k &+ kw], x)
            }
            total = V.add(total, acc)
        }
        return total
    }
}

extension Activation {
    /// The activation as a lane-wise clamp [lo, hi] when it is one (none, ReLU, clip), so
    /// it can be applied in registers; nil for the others.
    var simdLanes: (lo: Float, hi: Float)? {
        switch self {
        case .none: return (-.infinity, .infinity)
        case .relu: return (0, .infinity)
        case .clip(let lo, let hi): return (lo, hi)
        default: return nil
        }
    }
}

extension StridedLanes {
    /// Lane-wise min(max(x, lo), hi) as a compare-and-blend pair (NaN stays NaN).
    @inline(__always)
    func clampedLanes(_ lo: Float, _ hi: Float) -> Self {
        Self.clamp(self, lo, hi)
    }
}
