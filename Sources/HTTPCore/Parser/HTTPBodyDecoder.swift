/// Reads a request body framed by Content-Length or by the chunked coding (RFC 9112 §7.1),
/// resumable at any byte, collecting the payload and any trailer fields.
struct HTTPBodyDecoder: Sendable {
    enum Result {
        /// Consumed `consumed` bytes; the body is not finished.
        case needMore(consumed: Int)
        case complete(consumed: Int)
        case invalid(HTTPParseError)
    }

    private enum State {
        /// Content-Length over `maxBodyBytes`: refused before any body byte is read or
        /// any buffer is sized from the number.
        case refused
        case length(remaining: Int)
        case chunkSize(digits: Int, value: Int)
        case chunkSizeWhitespace(value: Int)  // BWS before ";" (§7.1.1)
        case chunkExtension(value: Int)
        case chunkSizeLF(value: Int)
        case chunkData(remaining: Int)
        case chunkDataCR
        case chunkDataLF
        case trailerLine
        case done
    }

    let limits: HTTPLimits
    private var state: State
    private(set) var body: [UInt8] = []
    private(set) var trailers = HTTPHeaders()
    private var trailerLine: [UInt8] = []
    private var trailerBytes = 0
    /// The declared Content-Length, reserved in full only once this many bytes are
    /// more than `initialReserve`: a client must send a megabyte before its number
    /// sizes a buffer, and a body that large is copied once at most.
    private var declaredLength = 0

    /// What a Content-Length body reserves before its bytes arrive (1 MiB covers the
    /// shipped services' largest sample, a 371 KB photo, and a 224×224×3 FP32 tensor).
    static let initialReserve = 1 << 20

    /// Fields and bytes the head already used count against the trailers' share of
    /// `maxHeaderCount` and `maxHeaderBytes`: the limits bound the whole field section.
    private var headFieldCount = 0

    init(framing: HTTPRequestHead.BodyFraming, limits: HTTPLimits, headFields: Int = 0, headBytes: Int = 0) {
        self.limits = limits
        headFieldCount = headFields
        trailerBytes = headBytes
        switch framing {
        case .none: state = .done
        case .contentLength(let n):
            guard n <= limits.maxBodyBytes else {
                state = .refused
                return
            }
            state = .length(remaining: n)
            declaredLength = n
            body.reserveCapacity(min(n, Self.initialReserve))
        case .chunked: state = .chunkSize(digits: 0, value: 0)
        }
    }

    var isComplete: Bool { if case .done = state { true } else { false } }

    /// Hands over the collected body, leaving the decoder empty.
    mutating func takeBody() -> [UInt8] {
        defer { body = [] }
        return body
    }

    mutating func decode(_ buf: UnsafeRawBufferPointer) -> Result {
        if case .refused = state { return .invalid(.bodyTooLarge) }
        var p = 0
        let end = buf.count
        while p < end {
            switch state {
            case .done:
                return .complete(consumed: p)
            case .length(let remaining):
                let n = min(remaining, end - p)
                if body.count + n > body.capacity { body.reserveCapacity(declaredLength) }
                body.append(contentsOf: UnsafeRawBufferPointer(rebasing: buf[p..<(p + n)]))
                p += n
                state = remaining == n ? .done : .length(remaining: remaining - n)
            case .chunkData(let remaining):
                let n = min(remaining, end - p)
                body.append(contentsOf: UnsafeRawBufferPointer(rebasing: buf[p..<(p + n)]))
                p += n
                state = remaining == n ? .chunkDataCR : .chunkData(remaining: remaining - n)
            default:
                if let error = step(buf[p]) { return .invalid(error) }
                p += 1
            }
        }
        if case .done = state { return .complete(consumed: p) }
        return .needMore(consumed: p)
    }

    /// One byte of chunk framing: sizes, extensions, CRLFs and trailers.
    private mutating func step(_ b: UInt8) -> HTTPParseError? {
        switch state {
        case .chunkSize(let digits, let value):
            if let h = ByteClass.hexValue(b) {
                // 15 hex digits keep the size under Int.max; more is an overflow attack.
                guard digits < 15 else { return .invalidChunkSize }
                state = .chunkSize(digits: digits + 1, value: value << 4 | h)
            } else {
                guard digits > 0 else { return .invalidChunkSize }
                switch b {
                case ByteClass.cr: state = .chunkSizeLF(value: value)
                case 0x3B: state = .chunkExtension(value: value)
                case ByteClass.sp, ByteClass.htab: state = .chunkSizeWhitespace(value: value)
                default: return .invalidChunkSize
                }
                if body.count + value > limits.maxBodyBytes { return .bodyTooLarge }
            }
        case .chunkSizeWhitespace(let value):
            switch b {
            case ByteClass.sp, ByteClass.htab: break
            case 0x3B: state = .chunkExtension(value: value)
            default: return .invalidChunkSize
            }
        case .chunkExtension(let value):
            // Extensions are ignored (§7.1.1) but must not smuggle control characters.
            if b == ByteClass.cr {
                state = .chunkSizeLF(value: value)
            } else if !ByteClass.isFieldValue(b) {
                return .invalidChunkExtension
            } else {
                trailerBytes += 1
                if trailerBytes > limits.maxHeaderBytes { return .headerTooLarge }
            }
        case .chunkSizeLF(let value):
            guard b == ByteClass.lf else { return .bareCR }
            state = value == 0 ? .trailerLine : .chunkData(remaining: value)
        case .chunkDataCR:
            guard b == ByteClass.cr else { return .invalidChunkTerminator }
            state = .chunkDataLF
        case .chunkDataLF:
            guard b == ByteClass.lf else { return .invalidChunkTerminator }
            state = .chunkSize(digits: 0, value: 0)
        case .trailerLine:
            return trailerByte(b)
        case .refused, .length, .chunkData, .done:
            preconditionFailure("bulk states are handled in decode")
        }
        return nil
    }

    /// Trailer section (§7.1.2): field lines until an empty line, held to the header limits.
    private mutating func trailerByte(_ b: UInt8) -> HTTPParseError? {
        trailerBytes += 1
        if trailerBytes > limits.maxHeaderBytes { return .headerTooLarge }
        guard b == ByteClass.lf else {
            trailerLine.append(b)
            return nil
        }
        guard trailerLine.last == ByteClass.cr else { return .bareCR }
        trailerLine.removeLast()
        if trailerLine.isEmpty {
            state = .done
            return nil
        }
        if trailerLine.contains(ByteClass.cr) { return .bareCR }
        guard let colon = trailerLine.firstIndex(of: ByteClass.colon), colon > 0 else { return .invalidHeaderName }
        let name = trailerLine[..<colon]
        if name.last == ByteClass.sp || name.last == ByteClass.htab { return .whitespaceBeforeColon }
        guard name.allSatisfy(ByteClass.isToken) else {
            return name.first == ByteClass.sp || name.first == ByteClass.htab ? .obsoleteLineFolding : .invalidHeaderName
        }
        let value = trailerLine[(colon + 1)...]
        guard value.allSatisfy(ByteClass.isFieldValue) else { return .invalidHeaderValue }
        guard headFieldCount + trailers.count + 1 <= limits.maxHeaderCount else { return .tooManyHeaders }
        trailers.add(
            name: String(decoding: name, as: UTF8.self),
            value: String(String(decoding: value, as: UTF8.self).trimmingOWS()))
        trailerLine.removeAll(keepingCapacity: true)
        return nil
    }
}
