import HTTPCore

/// Every decision about one connection's lifecycle: which deadline applies, whether a
/// head may have its body read, when to close. Pure and clock-driven (Hummingbird's
/// shape): it is fed events with the current monotonic time in nanoseconds and answers
/// with actions that `Connection` carries out. No I/O happens here.
public struct ConnectionStateMachine: Sendable {
    /// Deadlines in nanoseconds; see `ServerConfiguration.Timeouts` for meanings and defaults.
    public struct Deadlines: Sendable, Equatable {
        public var header: UInt64
        public var body: UInt64
        public var keepAlive: UInt64
        public var write: UInt64
        public var linger: UInt64

        public init(header: UInt64, body: UInt64, keepAlive: UInt64, write: UInt64, linger: UInt64 = 2_000_000_000) {
            self.header = header
            self.body = body
            self.keepAlive = keepAlive
            self.write = write
            self.linger = linger
        }
    }

    /// Where the read side is.
    public enum ReadPhase: Equatable, Sendable {
        /// Between requests, waiting; `since` is when the previous exchange ended.
        case idle(since: UInt64)
        /// Some bytes of a head have arrived; the header deadline runs from `since`.
        case head(since: UInt64)
        /// Reading a body; the idle deadline runs from the last byte.
        case body(lastProgress: UInt64)
        /// A handler owns the request; no read deadline applies.
        case processing
        /// No further request will be read (close after the queued responses).
        case finished
    }

    /// What the connection should do with a freshly parsed head.
    public enum HeadAction: Equatable, Sendable {
        case readBody
        /// Send `100 Continue` first (RFC 9110 §10.1.1), then read the body.
        case sendContinueThenReadBody
        /// Answer with this final status without reading the body, then close.
        case reject(HTTPStatus, String)
    }

    /// What a timer tick decided.
    public enum TimeoutAction: Equatable, Sendable {
        case none
        /// A request was too slow to arrive: answer 408 and close (RFC 9110 §15.5.9).
        case requestTimeout
        /// Idle keep-alive expired, or lingering ended: close quietly.
        case close
        /// The client stopped reading our response: drop it at once.
        case abort
    }

    /// What to do once every queued byte has been written.
    public enum DrainAction: Equatable, Sendable {
        case keepReading
        /// Half-close and linger briefly so the peer reads the response before any RST.
        case lingerThenClose
    }

    public let deadlines: Deadlines
    public private(set) var readPhase: ReadPhase
    /// When the last write progress happened, while bytes are queued.
    public private(set) var writePendingSince: UInt64?
    public private(set) var lingerUntil: UInt64?
    /// Set by shutdown or by a response with `Connection: close`.
    public private(set) var closeAfterResponse = false
    /// Until the first response, an idle connection gets the header deadline, not the
    /// keep-alive one: a client that connects and sends nothing is gone in seconds.
    public private(set) var awaitingFirstRequest = true

    public init(deadlines: Deadlines, now: UInt64) {
        self.deadlines = deadlines
        readPhase = .idle(since: now)
    }

    /// Bytes arrived. The first bytes of a head start the header deadline; body bytes
    /// push the body deadline forward.
    public mutating func bytesReceived(now: UInt64, readingBody: Bool) {
        switch readPhase {
        case .idle: readPhase = readingBody ? .body(lastProgress: now) : .head(since: now)
        case .body: readPhase = .body(lastProgress: now)
        case .head, .processing, .finished: break
        }
    }

    /// A complete head was parsed. Bodies are refused before any byte is read when
    /// Content-Length alone says they are too large, or the expectation is unknown.
    public mutating func headReceived(_ head: HTTPRequestHead, maxBodyBytes: Int, now: UInt64) -> HeadAction {
        if case .contentLength(let n) = head.bodyFraming, n > maxBodyBytes {
            protocolError()
            return .reject(.contentTooLarge, "request body of \(n) bytes exceeds the limit of \(maxBodyBytes) bytes")
        }
        if case .unsupported(let value) = head.expectation {
            protocolError()
            return .reject(.expectationFailed, "unsupported expectation '\(value)'")
        }
        if !head.keepAlive { closeAfterResponse = true }
        readPhase = .body(lastProgress: now)
        if head.expectation == .continue100 && head.bodyFraming != .none { return .sendContinueThenReadBody }
        return .readBody
    }

    /// The whole request is in; a handler takes over.
    public mutating func requestReceived() {
        if readPhase != .finished { readPhase = .processing }
    }

    /// The request could not be parsed or was refused unread: answer, then read nothing more.
    public mutating func protocolError() {
        readPhase = .finished
        closeAfterResponse = true
    }

    /// A response was queued. Returns whether it should say the connection persists.
    public mutating func responseQueued(requestKeepAlive: Bool, now: UInt64) -> Bool {
        if writePendingSince == nil { writePendingSince = now }
        awaitingFirstRequest = false
        if !requestKeepAlive { closeAfterResponse = true }
        if closeAfterResponse {
            readPhase = .finished
            return false
        }
        if readPhase == .processing { readPhase = .idle(since: now) }
        return true
    }

    public mutating func writeProgress(now: UInt64) {
        if writePendingSince != nil { writePendingSince = now }
    }

    /// Everything queued has been written.
    public mutating func writeDrained(now: UInt64) -> DrainAction {
        writePendingSince = nil
        if readPhase == .finished {
            lingerUntil = now + deadlines.linger
            return .lingerThenClose
        }
        if case .idle = readPhase { readPhase = .idle(since: now) }
        return .keepReading
    }

    /// The server is shutting down: idle connections close now, busy ones after their response.
    public mutating func beginShutdown() -> Bool {
        closeAfterResponse = true
        if case .idle = readPhase, writePendingSince == nil {
            readPhase = .finished
            return true
        }
        return false
    }

    /// Called periodically; decides whether a deadline has passed.
    public func timeoutCheck(now: UInt64) -> TimeoutAction {
        if let until = lingerUntil { return now >= until ? .close : .none }
        if let since = writePendingSince, now &- since > deadlines.write { return .abort }
        switch readPhase {
        case .idle(let since):
            let limit = awaitingFirstRequest ? deadlines.header : deadlines.keepAlive
            return writePendingSince == nil && now &- since > limit ? .close : .none
        case .head(let since):
            return now &- since > deadlines.header ? .requestTimeout : .none
        case .body(let last):
            return now &- last > deadlines.body ? .requestTimeout : .none
        case .processing, .finished:
            return .none
        }
    }

    /// A 408 was queued after a timeout: nothing more will be read.
    public mutating func timedOut() {
        readPhase = .finished
        closeAfterResponse = true
    }
}
