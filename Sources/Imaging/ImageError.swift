/// Why an image was refused, with the HTTP status the server should answer with.
///
/// The message names the format and the problem ("JPEG: premature end of data (file
/// truncated)", "PNG: IDAT: CRC error") so a client can fix its request; it never holds
/// pixel data or more than a short excerpt of the input.
public struct ImageError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The class of failure; each maps to one status.
    public enum Kind: String, Equatable, Sendable {
        /// Damaged, truncated or inconsistent image data (400).
        case corrupt
        /// Encoded size, dimensions or pixel count over `ImageLimits` (413).
        case tooLarge
        /// Not JPEG or PNG, or a JPEG colour space Kiln does not convert (415).
        case unsupportedType
        /// The request around the image is malformed: bad JSON, bad base64, no image
        /// part in a multipart body, a preprocessing spec that makes no sense (400).
        case invalidRequest
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// 400 Bad Request, 413 Content Too Large or 415 Unsupported Media Type (RFC 9110 §15.5).
    public var status: Int {
        switch kind {
        case .corrupt, .invalidRequest: 400
        case .tooLarge: 413
        case .unsupportedType: 415
        }
    }

    public var description: String { message }
}
