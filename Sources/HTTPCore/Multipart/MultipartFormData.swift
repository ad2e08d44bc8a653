/// A parser for complete multipart/form-data bodies (RFC 7578 over RFC 2046 §5.1).
///
/// The body is `preamble CRLF? "--" boundary padding CRLF part (CRLF "--" boundary
/// padding CRLF part)* CRLF "--" boundary "--" epilogue`; each part is header lines,
/// an empty line, then bytes up to the next CRLF "--" boundary. Preamble and epilogue
/// are ignored (§5.1.1). Lines end in CRLF as RFC 2046 requires; bare LF is not a line end.
public enum MultipartFormData {
    /// Caps on the work one body may cause.
    public struct Limits: Equatable, Sendable {
        /// Most parts accepted; default 64 (a form upload has a handful).
        public var maxParts: Int
        /// Largest header block of one part, in bytes; default 8 KiB.
        public var maxHeaderBytes: Int

        public init(maxParts: Int = 64, maxHeaderBytes: Int = 8 * 1024) {
            self.maxParts = maxParts
            self.maxHeaderBytes = maxHeaderBytes
        }
    }

    /// Splits `body` into parts using the boundary from `contentType`.
    public static func parse(
        body: [UInt8], contentType: String, limits: Limits = Limits()
    ) throws(MultipartError) -> [MultipartPart] {
        let boundary = try boundary(fromContentType: contentType)
        let dash = Array("--".utf8) + Array(boundary.utf8)
        let crlf: [UInt8] = [13, 10]
        let delimiter = crlf + dash

        // The first delimiter may open the body, or follow a preamble and a CRLF.
        var p: Int
        if body.starts(with: dash) {
            p = dash.count
        } else if let at = find(delimiter, in: body, from: 0) {
            p = at + delimiter.count
        } else {
            throw .noInitialBoundary
        }

        var parts: [MultipartPart] = []
        while true {
            // After a delimiter: "--" closes the body; otherwise padding then CRLF.
            if p + 2 <= body.count, body[p] == 0x2D, body[p + 1] == 0x2D { return parts }
            while p < body.count, body[p] == 0x20 || body[p] == 0x09 { p += 1 }
            guard p + 2 <= body.count else { throw .truncated("ends after a boundary line without the closing \"--\"") }
            guard body[p] == 13, body[p + 1] == 10 else {
                throw .malformedPart(index: parts.count, reason: "boundary line is not followed by CRLF")
            }
            p += 2
            guard parts.count < limits.maxParts else { throw .tooManyParts(limit: limits.maxParts) }

            // Header block: empty (the part begins with CRLF) or lines up to CRLF CRLF.
            let headerEnd: Int
            let bodyStart: Int
            if body.count - p >= 2, body[p] == 13, body[p + 1] == 10 {
                headerEnd = p
                bodyStart = p + 2
            } else {
                let window = min(body.count, p + limits.maxHeaderBytes + 4)
                guard let end = find([13, 10, 13, 10], in: body, from: p, until: window) else {
                    if window < body.count { throw .headerTooLarge(index: parts.count, limit: limits.maxHeaderBytes) }
                    throw .truncated("part \(parts.count) ends inside its headers")
                }
                headerEnd = end
                bodyStart = end + 4
            }
            let headers = try parseHeaders(body[p..<headerEnd], index: parts.count)
            guard let close = find(delimiter, in: body, from: bodyStart) else {
                throw .truncated("part \(parts.count) has no closing boundary")
            }
            parts.append(try makePart(headers: headers, body: Array(body[bodyStart..<close]), index: parts.count))
            p = close + delimiter.count
        }
    }

    /// First index of `needle` in `haystack[from..<until]`, or nil. Scans for the needle's
    /// first byte and compares only there: boundaries are long and rare in image bytes.
    static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int, until: Int? = nil) -> Int? {
        let end = until ?? haystack.count
        guard !needle.isEmpty, end - from >= needle.count else { return nil }
        return haystack.withUnsafeBufferPointer { h in
            needle.withUnsafeBufferPointer { n in
                let first = n[0]
                var i = from
                let last = end - n.count
                while i <= last {
                    if h[i] == first {
                        var j = 1
                        while j < n.count && h[i + j] == n[j] { j += 1 }
                        if j == n.count { return i }
                    }
                    i += 1
                }
                return nil
            }
        }
    }
}
