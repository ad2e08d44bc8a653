/// Every way a request can be malformed or refused while parsing, and the one place
/// that maps each to a status. Any parse error ends the connection: after one,
/// framing can no longer be trusted (the NIO / nginx policy), so the server answers
/// with `Connection: close` and closes.
public enum HTTPParseError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidMethod
    case invalidRequestTarget
    case invalidVersion
    case unsupportedVersion(String)
    case requestLineTooLong
    case invalidHeaderName
    case whitespaceBeforeColon
    case obsoleteLineFolding
    case invalidHeaderValue
    case bareCR
    case headerTooLarge
    case tooManyHeaders
    case missingHost
    case multipleHost
    case invalidHost
    case invalidContentLength
    case contentLengthWithTransferEncoding
    case chunkedNotLast
    case unsupportedTransferCoding(String)
    case invalidChunkSize
    case invalidChunkExtension
    case invalidChunkTerminator
    case bodyTooLarge

    /// The case name, stable for logs and metric labels ("invalidContentLength").
    public var name: String {
        switch self {
        case .invalidMethod: "invalidMethod"
        case .invalidRequestTarget: "invalidRequestTarget"
        case .invalidVersion: "invalidVersion"
        case .unsupportedVersion: "unsupportedVersion"
        case .requestLineTooLong: "requestLineTooLong"
        case .invalidHeaderName: "invalidHeaderName"
        case .whitespaceBeforeColon: "whitespaceBeforeColon"
        case .obsoleteLineFolding: "obsoleteLineFolding"
        case .invalidHeaderValue: "invalidHeaderValue"
        case .bareCR: "bareCR"
        case .headerTooLarge: "headerTooLarge"
        case .tooManyHeaders: "tooManyHeaders"
        case .missingHost: "missingHost"
        case .multipleHost: "multipleHost"
        case .invalidHost: "invalidHost"
        case .invalidContentLength: "invalidContentLength"
        case .contentLengthWithTransferEncoding: "contentLengthWithTransferEncoding"
        case .chunkedNotLast: "chunkedNotLast"
        case .unsupportedTransferCoding: "unsupportedTransferCoding"
        case .invalidChunkSize: "invalidChunkSize"
        case .invalidChunkExtension: "invalidChunkExtension"
        case .invalidChunkTerminator: "invalidChunkTerminator"
        case .bodyTooLarge: "bodyTooLarge"
        }
    }

    public var status: HTTPStatus {
        switch self {
        case .requestLineTooLong: .uriTooLong
        case .headerTooLarge, .tooManyHeaders: .headerFieldsTooLarge
        case .unsupportedVersion: .versionNotSupported
        case .unsupportedTransferCoding: .notImplemented
        case .bodyTooLarge: .contentTooLarge
        default: .badRequest
        }
    }

    public var description: String {
        switch self {
        case .invalidMethod: "invalid method token"
        case .invalidRequestTarget: "invalid request target"
        case .invalidVersion: "invalid HTTP version"
        case .unsupportedVersion(let v): "HTTP version \(v) is not supported"
        case .requestLineTooLong: "request line too long"
        case .invalidHeaderName: "invalid header field name"
        case .whitespaceBeforeColon: "whitespace between header field name and colon (RFC 9112 §5.1)"
        case .obsoleteLineFolding: "obsolete line folding in header (RFC 9112 §5.2)"
        case .invalidHeaderValue: "invalid character in header field value"
        case .bareCR: "bare CR not followed by LF (RFC 9112 §2.2)"
        case .headerTooLarge: "request header block too large"
        case .tooManyHeaders: "too many header fields"
        case .missingHost: "missing Host header (required in HTTP/1.1, RFC 9112 §3.2)"
        case .multipleHost: "more than one Host header"
        case .invalidHost: "invalid Host header value (RFC 9112 §3.2)"
        case .invalidContentLength: "invalid Content-Length"
        case .contentLengthWithTransferEncoding: "Content-Length together with Transfer-Encoding (RFC 9112 §6.1)"
        case .chunkedNotLast: "chunked must be the final transfer coding (RFC 9112 §6.3)"
        case .unsupportedTransferCoding(let c): "unsupported transfer coding '\(c)'"
        case .invalidChunkSize: "invalid chunk size"
        case .invalidChunkExtension: "invalid chunk extension"
        case .invalidChunkTerminator: "chunk data not followed by CRLF"
        case .bodyTooLarge: "request body too large"
        }
    }
}
