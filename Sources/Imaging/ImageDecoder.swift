/// Decodes JPEG and PNG bytes into an upright 8-bit (or 16-bit) gray or RGB `Image`.
///
/// Order of checks, cheapest first: encoded size, signature, then the header's dimensions
/// against `ImageLimits`, and only then the pixel buffer is allocated and filled.
public enum ImageDecoder {
    /// Decodes `bytes`, whose format is found from its signature.
    /// - Throws: `ImageError` — `.tooLarge` (413), `.unsupportedType` (415) for anything
    ///   that is not JPEG or PNG and for CMYK JPEGs, `.corrupt` (400) naming the problem.
    public static func decode(
        _ bytes: [UInt8], limits: ImageLimits = ImageLimits(), options: DecodeOptions = DecodeOptions()
    ) throws(ImageError) -> Image {
        try limits.checkEncoded(bytes.count)
        guard let format = ImageFormat.sniff(bytes) else {
            throw ImageError(.unsupportedType, "not a JPEG or PNG image (unrecognised signature \(hexPrefix(bytes)))")
        }
        let result: Result<Image, ImageError> = bytes.withUnsafeBufferPointer { buffer in
            do throws(ImageError) {
                switch format {
                case .jpeg: return .success(try JPEGDecoder.decode(buffer, limits: limits, options: options))
                case .png: return .success(try PNGDecoder.decode(buffer, limits: limits, options: options))
                }
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// The first bytes as hex, for error messages that must not echo arbitrary input.
    static func hexPrefix(_ bytes: [UInt8]) -> String {
        bytes.prefix(8).map { b in
            let s = String(b, radix: 16)
            return s.count == 1 ? "0" + s : s
        }.joined(separator: " ")
    }
}
