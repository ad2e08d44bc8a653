/// One output row of a pool: the scalar loops for borders and odd strides, and the SIMD
/// loops for the interior (8 outputs per block, the last block overlapping the one before
/// it instead of a scalar tail; outputs are written, never accumulated, so recomputing a
/// few is harmless).
extension PoolKernel {
    /// The input rows under one output row: `taps` are the kernel rows inside the image,
    /// kernel row kh reads input row `start + kh·dilation`.
    struct Rows {
        let src: UnsafePointer<Float>
        let start: Int
        let taps: Range<Int>
        let width: Int

        /// Input row of kernel row `kh`, shifted to column `column`.
        @inline(__always)
        func at(_ kh: Int, dilation: Int, column: Int) -> UnsafePointer<Float> {
            src + ((start &+ kh &* dilation) &* width &+ column)
        }
    }

    /// Outputs whose whole window lies inside the input row (the same for every row). Empty
    /// unless the stride across is 1 or 2, the strides the SIMD loads support.
    static func interiorOutputs(_ p: Pool2DParameters, outWidth: Int, width: Int) -> Range<Int> {
        guard p.strideWidth == 1 || p.strideWidth == 2 else { return 0..<0 }
        let start = min(outWidth, ceilDivide(p.padLeft, p.strideWidth))
        let end = min(outWidth, floorDivide(width - 1 + p.padLeft - (p.kernelWidth - 1) * p.dilationWidth, p.strideWidth) + 1)
        return start..<max(start, end)
    }

    static func maxScalar(_ range: Range<Int>, _ rows: Rows, out: UnsafeMutablePointer<Float>, _ p: Pool2DParameters) {
        for ow in range {
            let w = window(ow, stride: p.strideWidth, pad: p.padLeft, dilation: p.dilationWidth, kernel: p.kernelWidth, size: rows.width)
            var best = -Float.greatestFiniteMagnitude
            for kh in rows.taps {
                let row = rows.at(kh, dilation: p.dilationHeight, column: w.start)
                for kw in w.taps {
                    let x = row[kw &* p.dilationWidth]
                    best = x > best ? x : best
                }
            }
            out[ow] = best
        }
    }

    static func averageScalar(
        _ range: Range<Int>, _ rows: Rows, out: UnsafeMutablePointer<Float>, _ p: Pool2DParameters, hCount: Int, countIncludePad: Bool
    ) {
        for ow in range {
            let w = window(ow, stride: p.strideWidth, pad: p.padLeft, dilation: p.dilationWidth, kernel: p.kernelWidth, size: rows.width)
            var sum: Float = 0
            for kh in rows.taps {
                let row = rows.at(kh, dilation: p.dilationHeight, column: w.start)
                for kw in w.taps { sum += row[kw &* p.dilationWidth] }
            }
            let count = countIncludePad
                ? hCount * paddedTaps(w.start, dilation: p.dilationWidth, kernel: p.kernelWidth, end: rows.width + p.padRight)
                : hCount * w.taps.count
            out[ow] = count > 0 ? sum / Float(count) : 0
        }
    }

    /// `span` holds at least 8 outputs, all inside the row.
    static func maxSIMD(_ span: Range<Int>, _ rows: Rows, out: UnsafeMutablePointer<Float>, _ p: Pool2DParameters) {
        let s = p.strideWidth
        var ow = span.lowerBound
        while ow < span.upperBound {
            ow = min(ow, span.upperBound &- 8)
            var best = SIMD8<Float>(repeating: -Float.greatestFiniteMagnitude)
            for kh in rows.taps {
                let row = rows.at(kh, dilation: p.dilationHeight, column: ow &* s &- p.padLeft)
                for kw in 0..<p.kernelWidth {
                    let x = s == 1 ? SIMD8<Float>.load(row + kw &* p.dilationWidth) : SIMD8<Float>.loadEven(row + kw &* p.dilationWidth)
                    best = SIMD8<Float>.maximum(best, x)
                }
            }
            UnsafeMutableRawPointer(out + ow).storeBytes(of: best, as: SIMD8<Float>.self)
            ow &+= 8
        }
    }

    /// Same taps and summation order as `averageScalar`, lane by lane, so both paths give
    /// bit-identical results; `count` is the divisor of every output in `span`.
    static func averageSIMD(_ span: Range<Int>, _ rows: Rows, out: UnsafeMutablePointer<Float>, _ p: Pool2DParameters, count: Int) {
        let s = p.strideWidth
        let divisor = SIMD8<Float>(repeating: Float(max(count, 1)))
        var ow = span.lowerBound
        while ow < span.upperBound {
            ow = min(ow, span.upperBound &- 8)
            var sum = SIMD8<Float>()
            for kh in rows.taps {
                let row = rows.at(kh, dilation: p.dilationHeight, column: ow &* s &- p.padLeft)
                for kw in 0..<p.kernelWidth {
                    let x = s == 1 ? SIMD8<Float>.load(row + kw &* p.dilationWidth) : SIMD8<Float>.loadEven(row + kw &* p.dilationWidth)
                    sum = SIMD8<Float>.add(sum, x)
                }
            }
            UnsafeMutableRawPointer(out + ow).storeBytes(of: sum / divisor, as: SIMD8<Float>.self)
            ow &+= 8
        }
    }
}
