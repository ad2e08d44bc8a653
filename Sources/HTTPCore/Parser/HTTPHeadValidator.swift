/// The semantic rules applied to a syntactically valid head: Host, message framing,
/// connection persistence and expectations. Kept apart from the byte loop so each
/// rule sits next to the RFC paragraph it enforces.
enum HTTPHeadValidator {
    static func validate(
        method: HTTPMethod, target: String, version: HTTPVersion, headers: HTTPHeaders
    ) -> Result<HTTPRequestHead, HTTPParseError> {
        // One pass picks out the fields that shape framing and persistence; requests
        // usually carry few of them, so the common case allocates nothing here.
        var hostCount = 0
        var hasFraming = false
        var hasConnection = false
        var expect: String?
        for field in headers.fields {
            let name = field.name
            switch name.utf8.count {
            case 4 where HTTPHeaders.equalNames(name, "Host"):
                hostCount += 1
                guard isValidHost(field.value) else { return .failure(.invalidHost) }
            case 6 where HTTPHeaders.equalNames(name, "Expect"): expect = field.value
            case 10 where HTTPHeaders.equalNames(name, "Connection"): hasConnection = true
            case 14 where HTTPHeaders.equalNames(name, "Content-Length"): hasFraming = true
            case 17 where HTTPHeaders.equalNames(name, "Transfer-Encoding"): hasFraming = true
            default: break
            }
        }
        // RFC 9112 §3.2: a 1.1 request without Host, or with several, gets 400.
        if hostCount > 1 { return .failure(.multipleHost) }
        if version.minor >= 1 && hostCount == 0 { return .failure(.missingHost) }
        guard isValidTarget(target, method: method) else { return .failure(.invalidRequestTarget) }

        var framing = HTTPRequestHead.BodyFraming.none
        if hasFraming {
            switch bodyFraming(headers) {
            case .success(let f): framing = f
            case .failure(let e): return .failure(e)
            }
        }

        // RFC 9112 §9.3: 1.1 persists unless "close"; 1.0 only with "keep-alive".
        var keepAlive = version.minor >= 1
        if hasConnection {
            if headers.containsToken("close", in: "Connection") {
                keepAlive = false
            } else if version.minor == 0 {
                keepAlive = headers.containsToken("keep-alive", in: "Connection")
            }
        }

        // RFC 9110 §10.1.1: only 100-continue is defined; a 1.0 client cannot expect it.
        var expectation = HTTPRequestHead.Expectation.none
        if let expect {
            if expect.trimmingOWS().lowercasedASCII() == "100-continue" {
                if version.minor >= 1 { expectation = .continue100 }
            } else {
                expectation = .unsupported(expect)
            }
        }
        return .success(
            HTTPRequestHead(
                method: method, target: target, version: version, headers: headers,
                bodyFraming: framing, keepAlive: keepAlive, expectation: expectation))
    }

    /// Host = uri-host [ ":" port ] (RFC 9112 §3.2, RFC 3986 §3.2.2): reg-name or IP
    /// literal characters only, so "a b" or "a/b" cannot reach routing or logs as a host.
    static func isValidHost(_ value: String) -> Bool {
        value.utf8.allSatisfy { b in
            switch b {
            case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: true  // DIGIT ALPHA
            case 0x2D, 0x2E, 0x5F, 0x7E, 0x25: true  // - . _ ~ %
            case 0x21, 0x24, 0x26, 0x27, 0x28, 0x29, 0x2A, 0x2B, 0x2C, 0x3B, 0x3D: true  // sub-delims
            case 0x3A, 0x5B, 0x5D: true  // : [ ]
            default: false
            }
        }
    }

    /// origin-form ("/..."), absolute-form ("scheme://..."), asterisk-form ("*", OPTIONS
    /// only) and authority-form (CONNECT only), RFC 9112 §3.2.
    static func isValidTarget(_ target: String, method: HTTPMethod) -> Bool {
        if target.hasPrefix("/") { return true }
        if target == "*" { return method == .options }
        if method == .connect { return !target.contains("/") }
        guard let scheme = target.firstRange(of: "://") else { return false }
        let name = target[..<scheme.lowerBound]
        return !name.isEmpty && name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == "." }
    }

    /// RFC 9112 §6.1–§6.3: Transfer-Encoding wins only when alone; with Content-Length it is
    /// a smuggling attempt and is refused outright.
    static func bodyFraming(_ headers: HTTPHeaders) -> Result<HTTPRequestHead.BodyFraming, HTTPParseError> {
        let lengths = headers.values("Content-Length")
        let codings = headers.listElements("Transfer-Encoding")
        let hasTE = headers.contains("Transfer-Encoding")
        if hasTE && !lengths.isEmpty { return .failure(.contentLengthWithTransferEncoding) }
        if hasTE {
            guard let last = codings.last else { return .failure(.chunkedNotLast) }
            let lowered = codings.map { $0.lowercasedASCII() }
            if let unknown = lowered.first(where: { $0 != "chunked" }) {
                // A coding we do not implement is 501 (RFC 9112 §6.1) unless chunked is not
                // last, in which case the length cannot be determined at all: 400.
                return .failure(last.lowercasedASCII() != "chunked" ? .chunkedNotLast : .unsupportedTransferCoding(unknown))
            }
            guard lowered.count == 1 else { return .failure(.chunkedNotLast) }  // chunked applied twice
            return .success(.chunked)
        }
        guard !lengths.isEmpty else { return .success(.none) }
        // Several fields or a list are allowed only if every member is the same number (§6.3 ¶5).
        var value: Int?
        for field in lengths {
            for member in field.split(separator: ",", omittingEmptySubsequences: false) {
                guard let n = parseContentLength(member.trimmingOWS()) else { return .failure(.invalidContentLength) }
                if let v = value, v != n { return .failure(.invalidContentLength) }
                value = n
            }
        }
        return .success(value! == 0 ? .none : .contentLength(value!))
    }

    /// Content-Length = 1*DIGIT, no sign, no overflow.
    static func parseContentLength(_ s: Substring) -> Int? {
        guard !s.isEmpty, s.utf8.count <= 18 else { return nil }
        var n = 0
        for c in s.utf8 {
            guard c >= 0x30 && c <= 0x39 else { return nil }
            n = n * 10 + Int(c - 0x30)
        }
        return n
    }
}
