/// The resumable byte loop that reads a request line and header fields (RFC 9112 §2–§5).
///
/// nginx's shape: the state and scan position are saved between calls, so a head split
/// at any byte costs no re-scan. The caller passes the bytes from the start of the head
/// each time, with more appended (the connection keeps them until the head completes);
/// the result is picohttpparser's three-way answer.
struct HTTPHeadParser: Sendable {
    /// What one call decided.
    enum Result {
        case complete(HTTPRequestHead, consumed: Int)
        case needMore
        case invalid(HTTPParseError)
    }

    private enum State {
        case start  // empty lines allowed before the request line (§2.2)
        case startLF
        case method
        case target
        case version
        case requestLineLF
        case fieldStart  // first byte of a field line, or CRLF ending the head
        case fieldName
        case valueLeadingOWS
        case value
        case fieldLF
        case headEndLF
    }

    let limits: HTTPLimits
    private var state = State.start
    private var position = 0
    private var lineStart = 0
    private var methodEnd = 0
    private var targetStart = 0
    private var targetEnd = 0
    private var versionStart = 0
    private var nameStart = 0
    private var nameEnd = 0
    private var valueStart = 0
    private var valueEnd = 0
    /// (nameStart, nameEnd, valueStart, valueEnd) of each field, flattened: reused across requests.
    private var fieldBounds: [Int] = []

    init(limits: HTTPLimits) {
        self.limits = limits
        fieldBounds.reserveCapacity(64)
    }

    /// Forgets everything about the previous head.
    mutating func reset() {
        state = .start
        position = 0
        fieldBounds.removeAll(keepingCapacity: true)
    }

    mutating func parse(_ buf: UnsafeRawBufferPointer) -> Result {
        precondition(buf.count >= position, "the head buffer shrank between calls")
        var p = position
        defer { position = p }
        let end = buf.count
        while p < end {
            let b = buf[p]
            switch state {
            case .start:
                if b == ByteClass.cr { state = .startLF } else if b == ByteClass.lf { lineStart = p + 1 } else if ByteClass.isToken(b) {
                    lineStart = p
                    state = .method
                } else { return .invalid(.invalidMethod) }
            case .startLF:
                guard b == ByteClass.lf else { return .invalid(.bareCR) }
                lineStart = p + 1
                state = .start
            case .method:
                if b == ByteClass.sp {
                    guard p > lineStart else { return .invalid(.invalidMethod) }
                    methodEnd = p
                    targetStart = p + 1
                    state = .target
                } else if !ByteClass.isToken(b) { return .invalid(.invalidMethod) }
            case .target:
                if b == ByteClass.sp {
                    guard p > targetStart else { return .invalid(.invalidRequestTarget) }
                    targetEnd = p
                    versionStart = p + 1
                    state = .version
                } else if !ByteClass.isTarget(b) {
                    return .invalid(b == ByteClass.cr || b == ByteClass.lf ? .invalidVersion : .invalidRequestTarget)
                }
            case .version:
                if b == ByteClass.cr { state = .requestLineLF } else if b == ByteClass.lf {
                    if let error = checkRequestLine(p) { return .invalid(error) }
                    state = .fieldStart
                } else if p - versionStart >= 8 || b <= ByteClass.sp { return .invalid(.invalidVersion) }
            case .requestLineLF:
                guard b == ByteClass.lf else { return .invalid(.bareCR) }
                if let error = checkRequestLine(p - 1) { return .invalid(error) }
                state = .fieldStart
            case .fieldStart:
                if b == ByteClass.cr { state = .headEndLF } else if b == ByteClass.lf {
                    return finish(buf, consumed: p + 1)
                } else if b == ByteClass.sp || b == ByteClass.htab { return .invalid(.obsoleteLineFolding) } else if ByteClass.isToken(b) {
                    guard fieldBounds.count / 4 < limits.maxHeaderCount else { return .invalid(.tooManyHeaders) }
                    nameStart = p
                    state = .fieldName
                } else { return .invalid(.invalidHeaderName) }
            case .fieldName:
                if b == ByteClass.colon {
                    nameEnd = p
                    state = .valueLeadingOWS
                } else if b == ByteClass.sp || b == ByteClass.htab { return .invalid(.whitespaceBeforeColon) } else if !ByteClass.isToken(b) {
                    return .invalid(.invalidHeaderName)
                }
            case .valueLeadingOWS:
                if b == ByteClass.sp || b == ByteClass.htab { break }
                valueStart = p
                valueEnd = p
                state = .value
                continue  // re-read this byte as part of the value
            case .value:
                if b == ByteClass.cr || b == ByteClass.lf {
                    fieldBounds.append(contentsOf: [nameStart, nameEnd, valueStart, valueEnd])
                    state = b == ByteClass.cr ? .fieldLF : .fieldStart
                } else if ByteClass.isFieldValue(b) {
                    if b != ByteClass.sp && b != ByteClass.htab { valueEnd = p + 1 }  // trailing OWS is not part of the value
                } else { return .invalid(.invalidHeaderValue) }
            case .fieldLF:
                guard b == ByteClass.lf else { return .invalid(.bareCR) }
                state = .fieldStart
            case .headEndLF:
                guard b == ByteClass.lf else { return .invalid(.bareCR) }
                return finish(buf, consumed: p + 1)
            }
            p += 1
            if p >= limits.maxHeaderBytes { return .invalid(overLimitError()) }
        }
        if state == .target || state == .method, p - lineStart > limits.maxRequestLineBytes {
            return .invalid(.requestLineTooLong)
        }
        return .needMore
    }

    /// Past the header limit: a request line that never ended is a 414, anything else a 431.
    private func overLimitError() -> HTTPParseError {
        switch state {
        case .start, .startLF, .method, .target, .version, .requestLineLF: .requestLineTooLong
        default: .headerTooLarge
        }
    }

    private func checkRequestLine(_ lineEnd: Int) -> HTTPParseError? {
        lineEnd - lineStart > limits.maxRequestLineBytes ? .requestLineTooLong : nil
    }

    /// Builds the head once every byte has been checked, then applies the semantic rules.
    private mutating func finish(_ buf: UnsafeRawBufferPointer, consumed: Int) -> Result {
        state = .start
        let version: HTTPVersion
        switch parseVersion(UnsafeRawBufferPointer(rebasing: buf[versionStart..<(versionStart + 8 <= buf.count ? versionStart + 8 : buf.count)]), methodEndLine: targetEnd) {
        case .success(let v): version = v
        case .failure(let e): return .invalid(e)
        }
        var headers = HTTPHeaders()
        var i = 0
        while i < fieldBounds.count {
            let name = String(decoding: UnsafeRawBufferPointer(rebasing: buf[fieldBounds[i]..<fieldBounds[i + 1]]), as: UTF8.self)
            let value = String(decoding: UnsafeRawBufferPointer(rebasing: buf[fieldBounds[i + 2]..<fieldBounds[i + 3]]), as: UTF8.self)
            headers.add(name: name, value: value)
            i += 4
        }
        let method = HTTPMethod(bytes: UnsafeRawBufferPointer(rebasing: buf[lineStart..<methodEnd]))
        let target = String(decoding: UnsafeRawBufferPointer(rebasing: buf[targetStart..<targetEnd]), as: UTF8.self)
        switch HTTPHeadValidator.validate(method: method, target: target, version: version, headers: headers) {
        case .success(let head): return .complete(head, consumed: consumed)
        case .failure(let error): return .invalid(error)
        }
    }

    /// HTTP-version = "HTTP/" DIGIT "." DIGIT (RFC 9112 §2.3); only major version 1 is served.
    private func parseVersion(_ v: UnsafeRawBufferPointer, methodEndLine: Int) -> Swift.Result<HTTPVersion, HTTPParseError> {
        let text = Array(v.prefix { $0 != ByteClass.cr && $0 != ByteClass.lf })
        guard text.count == 8, text[0] == 0x48, text[1] == 0x54, text[2] == 0x54, text[3] == 0x50, text[4] == 0x2F,
            text[6] == 0x2E, (0x30...0x39).contains(text[5]), (0x30...0x39).contains(text[7])
        else { return .failure(.invalidVersion) }
        let version = HTTPVersion(major: Int(text[5] - 0x30), minor: Int(text[7] - 0x30))
        guard version.major == 1 else { return .failure(.unsupportedVersion(version.description)) }
        return .success(version)
    }
}
