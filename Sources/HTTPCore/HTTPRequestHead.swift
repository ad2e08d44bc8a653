/// A parsed, validated request head: request line, header fields and the framing
/// and connection decisions derived from them (RFC 9112 §3, §6, §9).
public struct HTTPRequestHead: Sendable {
    public var method: HTTPMethod
    /// The request-target exactly as sent (origin-, absolute-, authority- or asterisk-form).
    public var target: String
    /// The path part of the target, still percent-encoded ("/" for asterisk-form).
    public var path: Substring
    /// The raw query string after "?", without the "?", or nil.
    public var query: Substring?
    public var version: HTTPVersion
    public var headers: HTTPHeaders
    public var bodyFraming: BodyFraming
    /// Whether the client wants the connection kept open after this exchange (RFC 9112 §9.3).
    public var keepAlive: Bool
    public var expectation: Expectation

    /// How the request body is delimited (RFC 9112 §6.3).
    public enum BodyFraming: Sendable, Equatable {
        case none
        case contentLength(Int)
        case chunked
    }

    /// The `Expect` field (RFC 9110 §10.1.1).
    public enum Expectation: Sendable, Equatable {
        case none
        case continue100
        case unsupported(String)
    }

    public init(
        method: HTTPMethod, target: String, version: HTTPVersion, headers: HTTPHeaders,
        bodyFraming: BodyFraming = .none, keepAlive: Bool = true, expectation: Expectation = .none
    ) {
        self.method = method
        self.target = target
        let (path, query) = HTTPRequestHead.splitTarget(target)
        self.path = path
        self.query = query
        self.version = version
        self.headers = headers
        self.bodyFraming = bodyFraming
        self.keepAlive = keepAlive
        self.expectation = expectation
    }

    /// Splits a target into path and query. Absolute-form ("http://h/p?q", RFC 9112 §3.2.2)
    /// keeps only its path, which servers must accept even though clients send it to proxies.
    static func splitTarget(_ target: String) -> (Substring, Substring?) {
        var rest = target[...]
        if !rest.hasPrefix("/") {
            if let scheme = rest.firstRange(of: "://") {
                let afterAuthority = rest[scheme.upperBound...]
                rest = afterAuthority.firstIndex(where: { $0 == "/" || $0 == "?" }).map { afterAuthority[$0...] } ?? ""
                if rest.isEmpty || rest.hasPrefix("?") { rest = "/" + rest }
            } else {
                return ("/", nil)  // asterisk-form or authority-form
            }
        }
        if let q = rest.firstIndex(of: "?") {
            return (rest[..<q], rest[rest.index(after: q)...])
        }
        return (rest, nil)
    }
}
