import CImageShims

/// PNG through libpng (via CImageShims): every colour type and bit depth, 16-bit kept. The
/// common shapes (8/16-bit gray, gray+alpha, RGB, RGBA, not interlaced, no tRNS) take the
/// fast path of png_fast.c (one libdeflate inflate, SIMD unfiltering); libpng reads the rest
/// and every file the fast path declines.
enum PNGDecoder {
    /// Largest image (as inflated rows) the fast path takes: it holds them in full beside
    /// the pixels, where libpng streams a row at a time. 32 MiB is a 3300×3300 RGB image;
    /// the gain that matters is on the small images models take, not on the rare huge one.
    static let fastPathMaxInflatedBytes = 32 << 20

    static func decode(
        _ bytes: UnsafeBufferPointer<UInt8>, limits: ImageLimits, options: DecodeOptions
    ) throws(ImageError) -> Image {
        guard let handle = kiln_png_open(bytes.baseAddress, bytes.count) else {
            throw ImageError(.corrupt, "PNG: out of memory")
        }
        defer { kiln_png_close(handle) }
        func failure() -> ImageError { ImageError(.corrupt, "PNG: " + String(cString: kiln_png_message(handle))) }

        var info = kiln_png_info()
        guard kiln_png_read_header(handle, &info) == 0 else { throw failure() }
        // IHDR has been read, no IDAT yet: the bomb check costs nothing.
        try limits.checkDimensions(width: Int(info.width), height: Int(info.height), format: "PNG")

        var channels: Int32 = 0, depth: Int32 = 0
        let fast = kiln_png_fast_shape(handle, &channels, &depth) == 1
        if !fast { guard kiln_png_start(handle, &channels, &depth) == 0 else { throw failure() } }
        /// Fills `dst`: the fast path, or libpng (also when the fast path declines: its
        /// shapes are the ones libpng's transforms leave as they are, so `dst` fits).
        func read(_ dst: UnsafeMutablePointer<UInt8>, rowBytes: Int) -> Bool {
            if fast {
                if kiln_png_fast_read(handle, dst, fastPathMaxInflatedBytes) == 1 { return true }
                var c: Int32 = 0, d: Int32 = 0
                guard kiln_png_start(handle, &c, &d) == 0 else { return false }
            }
            return kiln_png_read_pixels(handle, dst, rowBytes) == 0
        }
        let width = Int(info.width), height = Int(info.height), c = Int(channels)
        let background = options.alphaBackground
        let image: Image
        if depth == 16 {
            var ok = true
            let raw = [UInt16](unsafeUninitializedCapacity: width * height * c) { buffer, count in
                ok = read(UnsafeMutableRawPointer(buffer.baseAddress!).assumingMemoryBound(to: UInt8.self), rowBytes: width * c * 2)
                count = ok ? buffer.count : 0
            }
            guard ok else { throw failure() }
            let (samples, outC) = dropAlpha(raw, channels: c, background: background)
            image = Image(width: width, height: height, channels: outC, samples: .uint16(samples))
        } else {
            var ok = true
            let raw = [UInt8](unsafeUninitializedCapacity: width * height * c) { buffer, count in
                ok = read(buffer.baseAddress!, rowBytes: width * c)
                count = ok ? buffer.count : 0
            }
            guard ok else { throw failure() }
            let (samples, outC) = dropAlpha(raw, channels: c, background: background)
            image = Image(width: width, height: height, channels: outC, samples: .uint8(samples))
        }
        // eXIf is read by now even when it follows IDAT (both paths read to IEND).
        var exifLength = 0
        let orientation = kiln_png_exif(handle, &exifLength).map {
            ExifOrientation.read(tiff: UnsafeBufferPointer(start: $0, count: exifLength))
        } ?? .up
        return image.oriented(orientation)
    }

    /// Gray+alpha → gray and RGBA → RGB by compositing over the background:
    /// out = (v·a + bg·(max − a)) / max, rounded. 1 and 3 channels pass through.
    static func dropAlpha<T: FixedWidthInteger & UnsignedInteger>(
        _ raw: [T], channels: Int, background: DecodeOptions.AlphaBackground
    ) -> ([T], Int) {
        guard channels == 2 || channels == 4 else { return (raw, channels) }
        let colour = channels - 1
        let maxV = UInt64(T.max)
        let bg: UInt64 = background == .white ? maxV : 0
        let pixels = raw.count / channels
        let out = [T](unsafeUninitializedCapacity: pixels * colour) { dst, count in
            raw.withUnsafeBufferPointer { src in
                for p in 0..<pixels {
                    let a = UInt64(src[p * channels + colour])
                    for k in 0..<colour {
                        let v = UInt64(src[p * channels + k])
                        dst[p * colour + k] = T((v * a + bg * (maxV - a) + maxV / 2) / maxV)
                    }
                }
            }
            count = pixels * colour
        }
        return (out, colour)
    }
}
