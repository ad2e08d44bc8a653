import CImageShims

/// JPEG through libjpeg-turbo (via CImageShims), with scaled IDCT for large photos.
enum JPEGDecoder {
    static func decode(
        _ bytes: UnsafeBufferPointer<UInt8>, limits: ImageLimits, options: DecodeOptions
    ) throws(ImageError) -> Image {
        guard let handle = kiln_jpeg_open(bytes.baseAddress, bytes.count) else {
            throw ImageError(.corrupt, "JPEG: out of memory")
        }
        defer { kiln_jpeg_close(handle) }
        func failure() -> ImageError { ImageError(.corrupt, "JPEG: " + String(cString: kiln_jpeg_message(handle))) }

        var info = kiln_jpeg_info()
        guard kiln_jpeg_read_header(handle, &info) == 0 else { throw failure() }
        // CMYK and YCCK JPEGs (Adobe print workflows) need an ICC profile to become RGB
        // faithfully; a naive conversion gives visibly wrong colours, so refuse them.
        if info.is_cmyk != 0 {
            throw ImageError(.unsupportedType, "JPEG: CMYK/YCCK colour space is not supported; send an RGB or grayscale JPEG")
        }
        try limits.checkDimensions(width: Int(info.width), height: Int(info.height), format: "JPEG")

        var exifLength = 0
        let orientation = kiln_jpeg_exif(handle, &exifLength).map {
            ExifOrientation.read(tiff: UnsafeBufferPointer(start: $0, count: exifLength))
        } ?? .up

        var minimum = options.minimumSize
        if let m = minimum, orientation.swapsAxes { minimum = ImageSize(width: m.height, height: m.width) }
        let denominator = scaleDenominator(width: Int(info.width), height: Int(info.height), minimum: minimum)

        var width: Int32 = 0, height: Int32 = 0, channels: Int32 = 0
        guard kiln_jpeg_start(handle, Int32(denominator), &width, &height, &channels) == 0 else { throw failure() }
        let rowBytes = Int(width) * Int(channels)
        var ok = true
        let pixels = [UInt8](unsafeUninitializedCapacity: rowBytes * Int(height)) { buffer, count in
            ok = kiln_jpeg_read_pixels(handle, buffer.baseAddress, rowBytes) == 0
            count = ok ? buffer.count : 0
        }
        guard ok else { throw failure() }
        return Image(width: Int(width), height: Int(height), channels: Int(channels), samples: .uint8(pixels))
            .oriented(orientation)
    }

    /// 8, 4, 2 or 1: the largest IDCT reduction whose output (libjpeg rounds up:
    /// ceil(side / d)) still covers `minimum` on both axes.
    static func scaleDenominator(width: Int, height: Int, minimum: ImageSize?) -> Int {
        guard let minimum else { return 1 }
        for d in [8, 4, 2] where (width + d - 1) / d >= minimum.width && (height + d - 1) / d >= minimum.height {
            return d
        }
        return 1
    }
}
