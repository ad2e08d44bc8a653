/// Why a multipart/form-data body was refused. Every case is a client error (400), except
/// `notMultipart`, which the caller usually answers with 415.
public enum MultipartError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The Content-Type is not multipart/form-data.
    case notMultipart(String)
    /// multipart/form-data without a boundary parameter (RFC 2046 §5.1.1 requires one).
    case missingBoundary
    /// A boundary that is empty, longer than 70 characters, or uses characters outside
    /// RFC 2046's bchars.
    case invalidBoundary(String)
    /// The body never contains the first delimiter line.
    case noInitialBoundary
    /// The body ends before a part's headers or its closing delimiter.
    case truncated(String)
    /// A part's header block is malformed, or lacks Content-Disposition: form-data; name.
    case malformedPart(index: Int, reason: String)
    /// A part's header block is longer than the limit.
    case headerTooLarge(index: Int, limit: Int)
    /// More parts than the limit.
    case tooManyParts(limit: Int)

    public var description: String {
        switch self {
        case .notMultipart(let type): "Content-Type \(type) is not multipart/form-data"
        case .missingBoundary: "multipart/form-data Content-Type has no boundary parameter"
        case .invalidBoundary(let b): "invalid multipart boundary \"\(b)\" (1–70 characters from RFC 2046 bchars)"
        case .noInitialBoundary: "multipart body does not contain the opening boundary line"
        case .truncated(let why): "multipart body is truncated: \(why)"
        case .malformedPart(let i, let why): "multipart part \(i): \(why)"
        case .headerTooLarge(let i, let limit): "multipart part \(i): header block exceeds \(limit) bytes"
        case .tooManyParts(let limit): "multipart body has more than \(limit) parts"
        }
    }
}
