/// The request parser a connection drives: a head, then its body, then the next head.
///
/// Results follow picohttpparser's contract. While a head is incomplete the caller must
/// keep its bytes and pass them again from the same start with more appended
/// (`.needMore` consumes nothing); body bytes are consumed as they are decoded.
public struct HTTPRequestParser: Sendable {
    /// What one call of `parse` decided.
    public enum Result {
        /// A head was read and validated; the connection decides whether to read the body.
        case head(HTTPRequestHead, consumed: Int)
        /// Body bytes were consumed but the body is not finished.
        case needMore(consumed: Int)
        /// The body (possibly empty) is complete: the request can be handled.
        case complete(body: [UInt8], trailers: HTTPHeaders, consumed: Int)
        /// The input is malformed or over a limit; the connection must answer and close.
        case invalid(HTTPParseError)
    }

    private enum Phase {
        case head
        case body(HTTPBodyDecoder)
    }

    public let limits: HTTPLimits
    private var headParser: HTTPHeadParser
    private var phase = Phase.head

    public init(limits: HTTPLimits = HTTPLimits()) {
        self.limits = limits
        headParser = HTTPHeadParser(limits: limits)
    }

    /// True between a head and the end of its body.
    public var isReadingBody: Bool { if case .body = phase { true } else { false } }

    /// True when no byte of the next request has been seen yet.
    public var isIdle: Bool { if case .head = phase { true } else { false } }

    public mutating func parse(_ buffer: UnsafeRawBufferPointer) -> Result {
        switch phase {
        case .head:
            switch headParser.parse(buffer) {
            case .needMore: return .needMore(consumed: 0)
            case .invalid(let error): return .invalid(error)
            case .complete(let head, let consumed):
                headParser.reset()
                phase = .body(HTTPBodyDecoder(framing: head.bodyFraming, limits: limits, headFields: head.headers.count, headBytes: consumed))
                return .head(head, consumed: consumed)
            }
        case .body(var decoder):
            phase = .head  // avoid a copy-on-write of the body while it is decoded
            let result = decoder.decode(buffer)
            switch result {
            case .needMore(let consumed):
                phase = .body(decoder)
                return .needMore(consumed: consumed)
            case .invalid(let error):
                return .invalid(error)
            case .complete(let consumed):
                return .complete(body: decoder.takeBody(), trailers: decoder.trailers, consumed: consumed)
            }
        }
    }
}
