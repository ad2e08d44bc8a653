/// Serialises a response head and body into wire bytes (RFC 9112 §4, §6).
/// Every response gets Date and Content-Length framing; `Connection: close` when the
/// connection ends after it, `Connection: keep-alive` when a 1.0 client asked to persist.
public enum HTTPResponseEncoder {
    /// Appends the encoded response to `out`.
    /// - Parameters:
    ///   - date: the current IMF-fixdate bytes (cached by the caller, one per second).
    ///   - keepAlive: whether the connection stays open after this response.
    ///   - omitBody: a response to HEAD: headers say what GET would send, no body follows.
    ///   - requestID: written as `X-Request-Id` (kept out of `response.headers` so a shared,
    ///     pre-built response is never copied just to add it).
    public static func encode(
        _ response: HTTPResponse, version: HTTPVersion, keepAlive: Bool, omitBody: Bool,
        date: [UInt8], requestID: String? = nil, into out: inout [UInt8]
    ) {
        out.reserveCapacity(out.count + 128 + response.body.count)
        // We answer 1.0 clients as 1.1 (RFC 9110 §6.2: the highest minor version we support).
        appendStatusLine(response.status, into: &out)
        append("Date: ", &out)
        out.append(contentsOf: date)
        append("\r\n", &out)
        if response.status.allowsBody {
            append("Content-Length: ", &out)
            appendDecimal(response.body.count, &out)
            append("\r\n", &out)
        }
        if !keepAlive {
            append("Connection: close\r\n", &out)
        } else if version.minor == 0 {
            append("Connection: keep-alive\r\n", &out)
        }
        if let requestID {
            append("X-Request-Id: ", &out)
            append(requestID, &out)
            append("\r\n", &out)
        }
        for field in response.headers {
            append(field.name, &out)
            append(": ", &out)
            append(field.value, &out)
            append("\r\n", &out)
        }
        append("\r\n", &out)
        if !omitBody && response.status.allowsBody {
            out.append(contentsOf: response.body)
        }
    }

    /// An interim response such as `100 Continue` (RFC 9110 §15.2): status line only.
    public static func encodeInterim(_ status: HTTPStatus, into out: inout [UInt8]) {
        appendStatusLine(status, into: &out)
        append("\r\n", &out)
    }

    private static func appendStatusLine(_ status: HTTPStatus, into out: inout [UInt8]) {
        append("HTTP/1.1 ", &out)
        appendDecimal(status.code, &out)
        out.append(0x20)
        append(status.reason, &out)
        append("\r\n", &out)
    }

    @inline(__always)
    static func append(_ s: String, _ out: inout [UInt8]) {
        var s = s
        s.withUTF8 { out.append(contentsOf: $0) }
    }

    static func appendDecimal(_ n: Int, _ out: inout [UInt8]) {
        if n < 10 {
            out.append(UInt8(0x30 + n))
            return
        }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var v = n
        withUnsafeMutableBytes(of: &digits) { d in
            while v > 0 {
                d[count] = UInt8(0x30 + v % 10)
                v /= 10
                count += 1
            }
            for i in stride(from: count - 1, through: 0, by: -1) { out.append(d[i]) }
        }
    }
}
