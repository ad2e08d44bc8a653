/// Separable resizing of interleaved images, horizontal pass then vertical pass, as
/// Pillow's `ImagingResample` does. The 8-bit path rounds to 8 bits between the passes,
/// exactly like Pillow's, so results match `Image.resize(size, Image.BILINEAR)` on "L"
/// and "RGB" images; the Float path (16-bit sources) keeps full precision throughout.
enum Resampler {
    /// Resizes 8-bit samples; a pass whose size does not change is skipped (Pillow skips it too).
    static func resize(_ src: [UInt8], width: Int, height: Int, channels c: Int, to out: ImageSize) -> [UInt8] {
        twoPasses(src, width: width, height: height, to: out, horizontal: { horizontal($0, width: $1, height: height, channels: c, kernel: $2) },
                  vertical: { vertical($0, width: $1, height: height, channels: c, kernel: $2) })
    }

    /// Resizes Float samples with the same taps, without intermediate rounding.
    static func resize(_ src: [Float], width: Int, height: Int, channels c: Int, to out: ImageSize) -> [Float] {
        twoPasses(src, width: width, height: height, to: out, horizontal: { horizontal($0, width: $1, height: height, channels: c, kernel: $2) },
                  vertical: { vertical($0, width: $1, height: height, channels: c, kernel: $2) })
    }

    /// The pass order both sample types share: horizontal to the new width, then vertical to
    /// the new height (each given the current width and its kernel), skipping unchanged sizes.
    private static func twoPasses<T>(
        _ src: [T], width: Int, height: Int, to out: ImageSize,
        horizontal: ([T], Int, ResampleKernel) -> [T], vertical: ([T], Int, ResampleKernel) -> [T]
    ) -> [T] {
        var data = src
        var w = width
        if out.width != width {
            data = horizontal(data, w, ResampleKernel(inSize: w, outSize: out.width))
            w = out.width
        }
        if out.height != height {
            data = vertical(data, w, ResampleKernel(inSize: height, outSize: out.height))
        }
        return data
    }

    /// Fixed-point accumulate, then >> 22 and clamp: Pillow's clip8 (round half up, since
    /// the sum starts at 1 << 21).
    @inline(__always)
    static func clip8(_ sum: Int32) -> UInt8 {
        let v = sum >> Int32(ResampleKernel.precisionBits)
        return UInt8(clamping: v)
    }

    /// Pillow's ImagingResampleHorizontal_8bpc. Integer sums are exact, so the order of
    /// the taps does not matter; RGB and gray run blocks of rows (Resampler+Rows.swift),
    /// other channel counts a plain loop over raw pointers.
    static func horizontal(_ src: [UInt8], width: Int, height: Int, channels c: Int, kernel k: ResampleKernel) -> [UInt8] {
        let ow = k.outSize
        let weights = k.fixedPointWeights
        let lanes = c == 3 ? 16 * rgbBlockRows : 4 * grayBlockRows
        // Widened source pixels for the row blocks.
        let wide = UnsafeMutableRawPointer.allocate(byteCount: max(width, 1) * lanes, alignment: 64)
        defer { wide.deallocate() }
        return [UInt8](unsafeUninitializedCapacity: ow * height * c) { dst, n in
            src.withUnsafeBufferPointer { sb in
                weights.withUnsafeBufferPointer { wb in
                    k.first.withUnsafeBufferPointer { fb in
                        k.count.withUnsafeBufferPointer { cb in
                            let s = sb.baseAddress!, d = dst.baseAddress!
                            let taps = Taps(first: fb.baseAddress!, count: cb.baseAddress!, weights: wb.baseAddress!, stride: k.stride, outWidth: ow)
                            switch c {
                            case 3: horizontalRGB(s, d, width: width, height: height, taps: taps, wide: wide)
                            case 1: horizontalGray(s, d, width: width, height: height, taps: taps, wide: wide)
                            default: horizontalAny(s, d, width: width, height: height, channels: c, taps: taps)
                            }
                        }
                    }
                }
            }
            n = ow * height * c
        }
    }

    /// Any channel count, a pixel and a channel at a time.
    static func horizontalAny(
        _ s: UnsafePointer<UInt8>, _ d: UnsafeMutablePointer<UInt8>, width: Int, height: Int, channels c: Int, taps: Taps
    ) {
        let half = Int32(1) << Int32(ResampleKernel.precisionBits - 1)
        for y in 0..<height {
            let srow = s + y * width * c
            let drow = d + y * taps.outWidth * c
            for x in 0..<taps.outWidth {
                let p = srow + taps.first[x] * c
                let w = taps.weights + x * taps.stride
                for ch in 0..<c {
                    var sum = half
                    for t in 0..<taps.count[x] { sum &+= Int32(p[t * c + ch]) &* w[t] }
                    drow[x * c + ch] = clip8(sum)
                }
            }
        }
    }

    /// Pillow's ImagingResampleVertical_8bpc, accumulated a row at a time so the inner
    /// loop runs along contiguous memory (and vectorises).
    static func vertical(_ src: [UInt8], width: Int, height: Int, channels c: Int, kernel k: ResampleKernel) -> [UInt8] {
        let oh = k.outSize
        let rowLen = width * c
        let weights = k.fixedPointWeights
        let half = Int32(1) << Int32(ResampleKernel.precisionBits - 1)
        let stride = k.stride
        let acc = UnsafeMutablePointer<Int32>.allocate(capacity: max(rowLen, 1))
        defer { acc.deallocate() }
        return [UInt8](unsafeUninitializedCapacity: oh * rowLen) { dst, n in
            src.withUnsafeBufferPointer { sb in
                weights.withUnsafeBufferPointer { wb in
                    k.first.withUnsafeBufferPointer { fb in
                        k.count.withUnsafeBufferPointer { cb in
                            let s = sb.baseAddress!, wt = wb.baseAddress!, d = dst.baseAddress!
                            for y in 0..<oh {
                                let lo = fb[y], taps = cb[y], w = wt + y * stride
                                for i in 0..<rowLen { acc[i] = half }
                                for t in 0..<taps {
                                    let wv = w[t]
                                    let srow = s + (lo + t) * rowLen
                                    for i in 0..<rowLen { acc[i] &+= Int32(srow[i]) &* wv }
                                }
                                let out = d + y * rowLen
                                for i in 0..<rowLen { out[i] = clip8(acc[i]) }
                            }
                        }
                    }
                }
            }
            n = oh * rowLen
        }
    }

    static func horizontal(_ src: [Float], width: Int, height: Int, channels c: Int, kernel k: ResampleKernel) -> [Float] {
        let ow = k.outSize
        let weights = k.floatWeights
        return [Float](unsafeUninitializedCapacity: ow * height * c) { dst, n in
            src.withUnsafeBufferPointer { s in
                for y in 0..<height {
                    let row = y * width * c
                    for x in 0..<ow {
                        let lo = k.first[x], taps = k.count[x], wbase = x * k.stride
                        for ch in 0..<c {
                            var sum: Float = 0
                            for t in 0..<taps { sum += s[row + (lo + t) * c + ch] * weights[wbase + t] }
                            dst[(y * ow + x) * c + ch] = sum
                        }
                    }
                }
            }
            n = ow * height * c
        }
    }

    static func vertical(_ src: [Float], width: Int, height: Int, channels c: Int, kernel k: ResampleKernel) -> [Float] {
        let oh = k.outSize
        let rowLen = width * c
        let weights = k.floatWeights
        return [Float](unsafeUninitializedCapacity: oh * rowLen) { dst, n in
            src.withUnsafeBufferPointer { s in
                for y in 0..<oh {
                    let lo = k.first[y], taps = k.count[y], wbase = y * k.stride
                    let out = y * rowLen
                    for i in 0..<rowLen { dst[out + i] = 0 }
                    for t in 0..<taps {
                        let w = weights[wbase + t]
                        let srow = (lo + t) * rowLen
                        for i in 0..<rowLen { dst[out + i] += s[srow + i] * w }
                    }
                }
            }
            n = oh * rowLen
        }
    }
}
