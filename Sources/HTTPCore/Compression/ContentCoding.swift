/// Content-coding negotiation (RFC 9110 §8.4, §12.5.3): what a request body is encoded
/// with, and whether a response may be gzipped for this client.
public enum ContentCoding: Equatable, Sendable {
    case identity
    case gzip
    /// RFC 9110 §8.4.1.2: the zlib format (tritonclient's `deflate` option sends it).
    case deflate
    case unsupported(String)

    /// The coding of a request body from its `Content-Encoding` field. Several codings
    /// applied in sequence are not supported (415).
    public static func ofRequest(_ headers: HTTPHeaders) -> ContentCoding {
        let codings = headers.listElements("Content-Encoding").map { $0.lowercasedASCII() }
        switch codings.count {
        case 0: return .identity
        case 1:
            switch codings[0] {
            case "identity": return .identity
            case "gzip", "x-gzip": return .gzip
            case "deflate": return .deflate
            default: return .unsupported(codings[0])
            }
        default: return .unsupported(codings.joined(separator: ", "))
        }
    }

    /// True when `Accept-Encoding` gives gzip (or `*`) a non-zero weight.
    public static func acceptsGzip(_ headers: HTTPHeaders) -> Bool {
        var gzipQ: Double?
        var starQ: Double?
        for element in headers.listElements("Accept-Encoding") {
            // Empty pieces are kept: an element such as ";q=1" must yield an empty coding
            // name, not an empty list whose first entry does not exist.
            let parts = element.split(separator: ";", omittingEmptySubsequences: false)
            let name = parts[0].trimmingOWS().lowercasedASCII()
            var q = 1.0
            for param in parts.dropFirst() {
                let kv = param.trimmingOWS()
                if kv.lowercasedASCII().hasPrefix("q=") { q = Double(kv.dropFirst(2)) ?? 0 }
            }
            if name == "gzip" || name == "x-gzip" { gzipQ = q } else if name == "*" { starQ = q }
        }
        return (gzipQ ?? starQ ?? 0) > 0
    }
}
