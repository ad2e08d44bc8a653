import CKilnKernels

/// The direct path for layers with few input channels — a CNN's first layer, on an RGB or
/// gray image (CKilnKernels' conv_direct_template.h says why im2col does badly there): each
/// image is copied once into zero-bordered planes, then every output row is SIMD blocks of
/// `kiln_conv_direct_block` channels at a time, bias and ReLU/clip applied in registers.
extension Conv2DKernel {
    /// Layers with at most this many input channels (and group 1) take the direct path.
    static let directMaxInputChannels = 4

    /// Whether `p` takes the direct path: few input channels, no groups or dilation, the same
    /// stride (1 or 2) both ways, kernels up to 11×11 (ResNet's 7×7 stem included).
    static func takesDirectPath(_ p: Conv2DParameters) -> Bool {
        p.group == 1 && p.inChannels <= directMaxInputChannels && p.dilationHeight == 1 && p.dilationWidth == 1
            && p.strideHeight == p.strideWidth && (p.strideWidth == 1 || p.strideWidth == 2)
            && p.kernelHeight <= 11 && p.kernelWidth <= 11
    }

    /// Rows and row length (floats) of each padded input plane: every output block, rounded
    /// up to 16 lanes, reads inside it, plus one vector of slack for the stride-2 loads.
    func directLayout(height: Int, width: Int) -> (rows: Int, rowLength: Int) {
        let p = parameters
        let (oH, oW) = p.outputSize(height: height, width: width)
        let rows = max((oH - 1) * p.strideHeight + p.kernelHeight, p.padTop + height)
        let rowLength = max((oW + 15) / 16 * 16 * p.strideWidth + p.kernelWidth + 16, p.padLeft + width)
        return (rows, rowLength)
    }

    /// Filters [M, C, kH, kW] re-laid out for `kiln_conv_direct`: per block of channels, per
    /// tap, one weight per channel (zeros past M); then the biases padded to whole blocks.
    static func packDirect(_ p: Conv2DParameters, weights: UnsafeBufferPointer<Float>, bias: UnsafeBufferPointer<Float>?) -> (weights: [Float], bias: [Float]) {
        let block = Int(kiln_conv_direct_block(GEMMKernel.isa))
        let taps = p.inChannels * p.kernelHeight * p.kernelWidth
        let groups = (p.outChannels + block - 1) / block
        var packed = [Float](repeating: 0, count: groups * taps * block)
        var padded = [Float](repeating: 0, count: groups * block)
        for m in 0..<p.outChannels {
            let (g, o) = m.quotientAndRemainder(dividingBy: block)
            for t in 0..<taps { packed[(g * taps + t) * block + o] = weights[m * taps + t] }
            padded[m] = bias?[m] ?? 0
        }
        return (packed, padded)
    }

    func runDirect(
        input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, batch: Int, height: Int, width: Int,
        workspace: UnsafeMutablePointer<Float>, threads: Int
    ) {
        let p = parameters
        let (oH, oW) = p.outputSize(height: height, width: width)
        let (rows, rowLength) = directLayout(height: height, width: width)
        let plane = rows * rowLength
        let fused = activation.simdLanes
        let (lo, hi) = fused ?? (-.infinity, .infinity)
        let workers = KernelThreads.workerCount(count: oH, threads: threads, minPerWorker: max(1, 8192 / max(1, oW * p.outChannels)))
        // The border stays zero across images: only the image region is overwritten.
        workspace.update(repeating: 0, count: p.inChannels * plane)
        weights.withUnsafeBufferPointer { w in
            bias.withUnsafeBufferPointer { b in
                for n in 0..<batch {
                    let image = input + n * p.inChannels * height * width
                    for c in 0..<p.inChannels {
                        for ih in 0..<height {
                            (workspace + c * plane + (ih + p.padTop) * rowLength + p.padLeft)
                                .update(from: image + (c * height + ih) * width, count: width)
                        }
                    }
                    let out = output + n * p.outChannels * oH * oW
                    KernelThreads.forEachChunk(count: oH, threads: workers) { range, _ in
                        kiln_conv_direct(
                            GEMMKernel.isa, Int32(p.inChannels), Int32(p.kernelHeight), Int32(p.kernelWidth), Int32(p.strideWidth),
                            workspace, Int32(rows), Int32(rowLength), w.baseAddress, b.baseAddress, Int32(p.outChannels),
                            Int32(range.lowerBound), Int32(range.upperBound), Int32(oH), Int32(oW), lo, hi, out)
                    }
                    if fused == nil { activation.apply(out, count: p.outChannels * oH * oW) }
                }
            }
        }
    }
}
