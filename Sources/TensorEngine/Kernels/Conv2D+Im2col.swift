/// The general path: unfold the input patches of a band of output rows into a matrix
/// [C/g·kH·kW, rows·oW] (im2col) and multiply it by the group's packed filters.
///
/// Why bands rather than the whole image: the unfolded matrix is kH·kW times the input
/// (29 MB for a 3×3, 256-channel 56×56 layer); a band that stays in L2 is still there when
/// the GEMM packs it. Below the cap the whole image is one band.
extension Conv2DKernel {
    /// Largest im2col band in floats (2 MiB). Measured on resnet18_gray at batch 1 with Kiln's
    /// GEMM: 2 MiB and 1 MiB bands ran 43–45 ms, 8 MiB bands (sized for OpenBLAS, whose
    /// threads split small products badly) 45–47 ms, and 256 KiB bands 50 ms (the filters are
    /// streamed once per band).
    static let bandFloats = 1 << 19

    /// Rows of the im2col matrix: C/g · kH · kW (the GEMM's K).
    var im2colRows: Int { parameters.inChannelsPerGroup * parameters.kernelHeight * parameters.kernelWidth }

    /// Output rows per band: as many as fit `bandFloats`, at least one, at most all.
    func bandRows(outHeight: Int, outWidth: Int) -> Int {
        let perRow = im2colRows * outWidth
        return min(outHeight, max(1, Conv2DKernel.bandFloats / max(perRow, 1)))
    }

    func runIm2col(
        input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, batch: Int, height: Int, width: Int,
        workspace: UnsafeMutablePointer<Float>, threads: Int
    ) {
        let p = parameters
        let (oH, oW) = p.outputSize(height: height, width: width)
        let k = im2colRows
        let (cg, mg) = (p.inChannelsPerGroup, p.outChannelsPerGroup)
        let band = bandRows(outHeight: oH, outWidth: oW)
        let panels = GEMMKernel.packedAWorkspaceCount(k: k, threads: threads)
        let columnsBuffer = workspace + panels
        for n in 0..<batch {
            for g in 0..<p.group {
                let image = input + (n * p.inChannels + g * cg) * height * width
                let out = output + (n * p.outChannels + g * mg) * oH * oW
                var oh0 = 0
                while oh0 < oH {
                    let rows = min(band, oH - oh0)
                    unfold(image, height: height, width: width, firstRow: oh0, rows: rows, outWidth: oW, into: columnsBuffer, threads: threads)
                    gemm(
                        group: g, b: columnsBuffer, columns: rows * oW, c: out + oh0 * oW, ldc: oH * oW, workspace: workspace,
                        threads: threads)
                    oh0 += rows
                }
            }
        }
    }

    /// Writes the im2col band for output rows `firstRow ..< firstRow + rows` of one group's
    /// image into `dst` ([K, rows·oW]). Padding becomes zeros. The K rows are independent,
    /// so a big band is split across threads (it is a pure memory copy).
    func unfold(
        _ image: UnsafePointer<Float>, height: Int, width: Int, firstRow: Int, rows: Int, outWidth: Int,
        into dst: UnsafeMutablePointer<Float>, threads: Int
    ) {
        let k = im2colRows
        let columns = rows * outWidth
        let workers = (threads > 1 && k * columns >= 1 << 15) ? min(threads, k) : 1
        let parts = KernelThreads.partCount(workers: workers, items: k)
        ParallelFor.run(parts: parts, workers: workers) { t, _ in
            let range = (k * t / parts)..<(k * (t + 1) / parts)
            unfoldRows(range, image, height: height, width: width, firstRow: firstRow, rows: rows, outWidth: outWidth, into: dst)
        }
    }

    /// Fills im2col rows `ks` (each one (channel, kh, kw) triple).
    private func unfoldRows(
        _ ks: Range<Int>, _ image: UnsafePointer<Float>, height: Int, width: Int, firstRow: Int, rows: Int, outWidth: Int,
        into dst: UnsafeMutablePointer<Float>
    ) {
        let p = parameters
        let (kH, kW) = (p.kernelHeight, p.kernelWidth)
        let (sH, sW) = (p.strideHeight, p.strideWidth)
        let columns = rows * outWidth
        for kk in ks {
            let c = kk / (kH * kW)
            let kh = (kk / kW) % kH
            let kw = kk % kW
            let plane = image + c * height * width
            // Output columns whose input column lies inside the image (the rest is padding).
            let offset = kw * p.dilationWidth - p.padLeft
            let lo = min(outWidth, max(0, ceilDivide(-offset, sW)))
            let hi = max(lo, min(outWidth, floorDivide(width - 1 - offset, sW) + 1))
            var d = dst + kk * columns
            for oh in firstRow..<(firstRow + rows) {
                let ih = oh * sH - p.padTop + kh * p.dilationHeight
                if ih < 0 || ih >= height {
                    d.update(repeating: 0, count: outWidth)
                } else {
                    d.update(repeating: 0, count: lo)
                    let src = plane + ih * width + offset
                    if sW == 1 {
                        (d + lo).update(from: src + lo, count: hi - lo)
                    } else if sW == 2 {
                        // Stride 2 (stem convs, downsampling): SIMD8 gathers of the even floats,
                        // then a scalar tail. A scalar strided copy measured 6% of MobileNetV2
                        // ×0.5 at batch 1 (its 3→16 stride-2 stem alone).
                        var ow = lo
                        while ow &+ 8 <= hi {
                            let v = SIMD8<Float>.loadEven(src + ow &* 2)
                            UnsafeMutableRawPointer(d + ow).storeBytes(of: v, as: SIMD8<Float>.self)
                            ow &+= 8
                        }
                        while ow < hi {
                            d[ow] = src[ow &* 2]
                            ow &+= 1
                        }
                    } else {
                        for ow in lo..<hi { d[ow] = src[ow * sW] }
                    }
                    (d + hi).update(repeating: 0, count: outWidth - hi)
                }
                d += outWidth
            }
        }
    }
}

/// ⌈a / b⌉ for any sign of a and b > 0 (Swift's `/` truncates toward zero).
@inline(__always)
func ceilDivide(_ a: Int, _ b: Int) -> Int {
    a >= 0 ? (a + b - 1) / b : -((-a) / b)
}

/// ⌊a / b⌋ for any sign of a and b > 0.
@inline(__always)
func floorDivide(_ a: Int, _ b: Int) -> Int {
    a >= 0 ? a / b : -((-a + b - 1) / b)
}
