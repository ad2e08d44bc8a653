/// MaxPool, AveragePool and GlobalAveragePool over NCHW float32 (ONNX semantics).
///
/// Each (image, channel) plane is independent, so planes are split across `threads`. Within
/// a row the window of every output is clipped to the taps inside the image, so the inner
/// loops carry no padding checks. At stride 1 and 2 the interior of each row — outputs whose
/// window is inside the row — runs 8 outputs at a time in SIMD (`Pooling+Rows.swift`): a
/// scalar max over 9 taps is a chain of 9 dependent instructions per output (3×3 stride-2
/// MaxPool over 64×112×112, one thread: 1.5 ms scalar, 0.42 ms with SIMD rows).
public enum PoolKernel {
    /// MaxPool: the largest tap inside the image (padding never wins). A window with no tap
    /// inside the image — only possible with pads ≥ the kernel, which ONNX forbids — gives
    /// −Float.greatestFiniteMagnitude, as onnxruntime does.
    public static func maxPool(
        input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, batch: Int, channels: Int, height: Int, width: Int,
        parameters p: Pool2DParameters, threads: Int
    ) {
        let (oH, oW) = p.outputSize(height: height, width: width)
        forEachPlane(count: batch * channels, outputsPerPlane: oH * oW, threads: threads) { plane in
            let src = input + plane * height * width
            let dst = output + plane * oH * oW
            let interior = interiorOutputs(p, outWidth: oW, width: width)
            for oh in 0..<oH {
                let h = window(oh, stride: p.strideHeight, pad: p.padTop, dilation: p.dilationHeight, kernel: p.kernelHeight, size: height)
                let rows = Rows(src: src, start: h.start, taps: h.taps, width: width)
                let out = dst + oh * oW
                if interior.count >= 8 && !h.taps.isEmpty {
                    maxScalar(0..<interior.lowerBound, rows, out: out, p)
                    maxSIMD(interior, rows, out: out, p)
                    maxScalar(interior.upperBound..<oW, rows, out: out, p)
                } else {
                    maxScalar(0..<oW, rows, out: out, p)
                }
            }
        }
    }

    /// AveragePool. The divisor is the number of taps inside the image
    /// (`countIncludePad` false), or inside the image and its explicit pads (true) — never the
    /// positions past the end padding that `ceil_mode` can add, as in onnxruntime and PyTorch.
    public static func averagePool(
        input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, batch: Int, channels: Int, height: Int, width: Int,
        parameters p: Pool2DParameters, countIncludePad: Bool, threads: Int
    ) {
        let (oH, oW) = p.outputSize(height: height, width: width)
        forEachPlane(count: batch * channels, outputsPerPlane: oH * oW, threads: threads) { plane in
            let src = input + plane * height * width
            let dst = output + plane * oH * oW
            let interior = interiorOutputs(p, outWidth: oW, width: width)
            for oh in 0..<oH {
                let h = window(oh, stride: p.strideHeight, pad: p.padTop, dilation: p.dilationHeight, kernel: p.kernelHeight, size: height)
                let rows = Rows(src: src, start: h.start, taps: h.taps, width: width)
                let hCount = countIncludePad
                    ? paddedTaps(h.start, dilation: p.dilationHeight, kernel: p.kernelHeight, end: height + p.padBottom) : h.taps.count
                let out = dst + oh * oW
                if interior.count >= 8 && !h.taps.isEmpty {
                    averageScalar(0..<interior.lowerBound, rows, out: out, p, hCount: hCount, countIncludePad: countIncludePad)
                    // Inside the interior every column tap is in the image: kW of them.
                    averageSIMD(interior, rows, out: out, p, count: hCount * p.kernelWidth)
                    averageScalar(interior.upperBound..<oW, rows, out: out, p, hCount: hCount, countIncludePad: countIncludePad)
                } else {
                    averageScalar(0..<oW, rows, out: out, p, hCount: hCount, countIncludePad: countIncludePad)
                }
            }
        }
    }

    /// GlobalAveragePool's output shape: the input's N and C with every spatial dimension 1
    /// ([N, C, H, W] → [N, C, 1, 1]; any rank ≥ 2, as ONNX allows).
    public static func globalAveragePoolOutputShape(_ input: Shape) -> Shape {
        precondition(input.rank >= 2, "GlobalAveragePool needs [N, C, spatial…]")
        return Shape(Array(input.dims.prefix(2)) + [Int](repeating: 1, count: input.rank - 2))
    }

    /// GlobalAveragePool: output [N, C, 1, 1], the mean of each plane of `spatial` floats.
    public static func globalAveragePool(
        input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, batch: Int, channels: Int, spatial: Int, threads: Int
    ) {
        precondition(spatial >= 1)
        forEachPlane(count: batch * channels, outputsPerPlane: spatial / 8, threads: threads) { plane in
            let src = input + plane * spatial
            // Eight partial sums: vectorisable, and less rounding drift than one long chain.
            var acc = SIMD8<Float>()
            var i = 0
            while i + 8 <= spatial {
                acc += UnsafeRawPointer(src + i).loadUnaligned(as: SIMD8<Float>.self)
                i += 8
            }
            var sum = acc.sum()
            while i < spatial {
                sum += src[i]
                i += 1
            }
            output[plane] = sum / Float(spatial)
        }
    }

    /// The window of output `o` along one axis: its first input position and the tap
    /// indices that fall inside the input.
    @inline(__always)
    static func window(_ o: Int, stride: Int, pad: Int, dilation: Int, kernel: Int, size: Int) -> (start: Int, taps: Range<Int>) {
        let start = o * stride - pad
        if dilation == 1 {
            let lo = max(0, -start)
            return (start, lo..<max(lo, min(kernel, size - start)))
        }
        let lo = max(0, ceilDivide(-start, dilation))
        let hi = min(kernel, floorDivide(size - 1 - start, dilation) + 1)
        return (start, lo..<max(lo, hi))
    }

    /// Taps of a window starting at `start` (≥ −pad) that lie before `end` (size + end pad).
    @inline(__always)
    static func paddedTaps(_ start: Int, dilation: Int, kernel: Int, end: Int) -> Int {
        max(0, min(kernel, floorDivide(end - 1 - start, dilation) + 1))
    }

    /// Runs `body` for planes 0..<count, split in contiguous runs across threads when there
    /// is enough work (~32K outputs per thread) to pay for waking them.
    static func forEachPlane(count: Int, outputsPerPlane: Int, threads: Int, _ body: (Int) -> Void) {
        KernelThreads.forEachChunk(count: count, threads: threads, minPerWorker: max(1, 32_768 / max(1, outputsPerPlane))) { planes, _ in
            for plane in planes { body(plane) }
        }
    }
}
