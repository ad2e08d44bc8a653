import Foundation

extension ExpandDepthwiseKernel {
    /// Computes the depthwise layer's output [batch, M, oH, oW] from the expansion's input
    /// [batch, C, height, width]. `workspace` holds `workspaceCount(…)` floats; input, output
    /// and workspace must not overlap.
    public func run(
        input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, batch: Int, height: Int, width: Int,
        workspace: UnsafeMutablePointer<Float>, threads: Int
    ) {
        guard batch > 0 else { return }
        let p = depthwise.parameters
        switch (p.kernelHeight, p.strideWidth) {
        case (3, 1): bands(Kernel3Stride1.self, input: input, output: output, batch: batch, height: height, width: width, workspace: workspace, threads: threads)
        case (3, 2): bands(Kernel3Stride2.self, input: input, output: output, batch: batch, height: height, width: width, workspace: workspace, threads: threads)
        case (5, 1): bands(Kernel5Stride1.self, input: input, output: output, batch: batch, height: height, width: width, workspace: workspace, threads: threads)
        default: bands(Kernel5Stride2.self, input: input, output: output, batch: batch, height: height, width: width, workspace: workspace, threads: threads)
        }
    }

    /// Bands of output rows, a contiguous run of them per worker so each band can keep the
    /// expanded rows it shares with the one before.
    private func bands<Shape: DepthwiseShape>(
        _: Shape.Type, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, batch: Int, height: Int, width: Int,
        workspace: UnsafeMutablePointer<Float>, threads: Int
    ) {
        let p = depthwise.parameters
        let (oH, oW) = p.outputSize(height: height, width: width)
        let (bandRows, span) = bandLayout(height: height, width: width)
        let rowLength = depthwise.paddedPlaneLayout(height: height, width: width).rowLength
        let bandsPerImage = (oH + bandRows - 1) / bandRows
        let perWorker = workerFloats(height: height, width: width)
        let (m, inChannels, plane) = (expand.parameters.outChannels, expand.parameters.inChannels, height * width)
        let (k, s, padT, padL) = (p.kernelHeight, p.strideHeight, p.padTop, p.padLeft)
        let fused = depthwise.activation.simdLanes
        let tapStride = depthwise.depthwiseTapStride
        let workerCount = workers(batch: batch, height: height, width: width, threads: threads)
        depthwise.weights.withUnsafeBufferPointer { w in
            depthwise.bias.withUnsafeBufferPointer { b in
                let taps = w.baseAddress!, biases = b.baseAddress!
                KernelThreads.forEachChunk(count: batch * bandsPerImage, threads: workerCount) { range, worker in
                    let band = workspace + worker * perWorker
                    let scratch = band + m * span * width
                    let panel = scratch + span * rowLength
                    scratch.update(repeating: 0, count: span * rowLength)
                    // Expanded rows [haveLo, haveHi) of `image` sit in band rows from 0.
                    var (image, haveLo, haveHi) = (-1, 0, 0)
                    for unit in range {
                        let n = unit / bandsPerImage
                        let o0 = (unit % bandsPerImage) * bandRows, o1 = min(oH, o0 + bandRows)
                        if n != image { (image, haveLo, haveHi) = (n, 0, 0) }
                        let first = o0 * s - padT  // the input row under the plane's row 0
                        let used = (o1 - o0 - 1) * s + k
                        let lo = max(0, first), hi = min(height, first + used)
                        var keep = 0
                        if lo >= haveLo && lo < haveHi {
                            keep = haveHi - lo
                            if lo > haveLo {
                                for c in 0..<m {
                                    let rows = band + c * span * width
                                    memmove(rows, rows + (lo - haveLo) * width, keep * width * 4)
                                }
                            }
                        }
                        if hi > lo + keep {
                            expand.gemm(
                                group: 0, b: input + n * inChannels * plane + (lo + keep) * width, ldb: plane,
                                columns: (hi - lo - keep) * width, c: band + keep * width, ldc: span * width,
                                workspace: panel, threads: 1)
                        }
                        (haveLo, haveHi) = (lo, hi)
                        for c in 0..<m {
                            let rows = band + c * span * width
                            for j in 0..<used {
                                let r = first + j
                                let dst = scratch + j * rowLength
                                if r < 0 || r >= height {
                                    dst.update(repeating: 0, count: rowLength)
                                } else {
                                    (dst + padL).update(from: rows + (r - lo) * width, count: width)
                                }
                            }
                            let wv = UnsafeRawPointer(taps + c * tapStride).loadUnaligned(as: SIMD32<Float>.self)
                            let out = output + (n * m + c) * oH * oW
                            for oh in o0..<o1 {
                                depthwise.paddedRow(
                                    Shape.self, rows: scratch + (oh - o0) * s * rowLength, rowLength: rowLength,
                                    out: out + oh * oW, oW: oW, w: wv, bias: biases[c], fused: fused)
                            }
                            if fused == nil { depthwise.activation.apply(out + o0 * oW, count: (o1 - o0) * oW) }
                        }
                    }
                }
            }
        }
    }
}
