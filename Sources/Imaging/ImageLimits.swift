/// Caps on what one image may cost, checked before the memory is spent: the encoded size
/// before decoding starts, and the dimensions from the file header before any pixel
/// buffer is allocated. A 20000×20000 PNG compresses to a few kilobytes but decodes to
/// 1.2 GB of RGB; the header check refuses it at the cost of reading ~100 bytes.
public struct ImageLimits: Equatable, Sendable {
    /// Largest encoded image in bytes. Default 20 MiB: a 40 MP camera JPEG at high
    /// quality is ~15 MB. Applies to the decoded image bytes, after base64.
    public var maxEncodedBytes: Int
    /// Largest width × height as stored in the file. Default 40 000 000 (40 MP): 120 MB
    /// as 8-bit RGB, 480 MB as the Float planes a 16-bit PNG is resized in.
    public var maxPixels: Int
    /// Largest width or height. Default 20 000; a 20000×1 strip passes this and
    /// `maxPixels`, a 20000×20000 image passes this and fails `maxPixels`.
    public var maxDimension: Int

    public init(maxEncodedBytes: Int = 20 << 20, maxPixels: Int = 40_000_000, maxDimension: Int = 20_000) {
        self.maxEncodedBytes = maxEncodedBytes
        self.maxPixels = maxPixels
        self.maxDimension = maxDimension
    }

    /// Refuses an encoded payload over `maxEncodedBytes`.
    func checkEncoded(_ count: Int) throws(ImageError) {
        guard count <= maxEncodedBytes else {
            throw ImageError(.tooLarge, "image is \(count) bytes; the limit is \(maxEncodedBytes)")
        }
    }

    /// Refuses header dimensions that are empty or over the caps (413 for too large).
    func checkDimensions(width: Int, height: Int, format: String) throws(ImageError) {
        guard width > 0, height > 0 else { throw ImageError(.corrupt, "\(format): image has no pixels (\(width)×\(height))") }
        guard width <= maxDimension, height <= maxDimension else {
            throw ImageError(.tooLarge, "\(format): \(width)×\(height) exceeds the \(maxDimension)-pixel dimension limit")
        }
        guard width * height <= maxPixels else {
            throw ImageError(.tooLarge, "\(format): \(width)×\(height) is \(width * height) pixels; the limit is \(maxPixels)")
        }
    }
}
