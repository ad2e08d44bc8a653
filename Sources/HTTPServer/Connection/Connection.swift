import Dispatch
import HTTPCore
#if canImport(Glibc)
import Glibc
#endif

/// One client socket. It carries out what the parser and `ConnectionStateMachine`
/// decide: reads into the parser, hands complete requests to handlers, writes
/// responses in order, and closes. Every method runs on its event loop's queue.
final class Connection: @unchecked Sendable {
    let id: Int
    let fd: Int32
    unowned let loop: EventLoop
    unowned let server: Server
    var machine: ConnectionStateMachine
    var parser: HTTPRequestParser
    var inbound: [UInt8] = []
    var inboundStart = 0
    var outbound: [UInt8] = []
    var outboundStart = 0
    /// Reading is paused (peer EOF, or a pipelined backlog while a handler works).
    var readSuspended = false
    /// The socket was full: wait for it to become writable.
    var writeArmed = false
    /// What the loop's readiness set watches for now.
    var watched: ReadinessSet.Interest = []
    var peerEOF = false
    var lingering = false
    var closed = false
    /// The request between its head and its response (one at a time: pipelined
    /// requests wait in `inbound`, which keeps responses in order).
    var current: InFlight?

    /// Book-keeping for the request being served.
    struct InFlight {
        var head: HTTPRequestHead
        var started: UInt64
        var bytesIn: Int
        var requestID: String
        /// Created when a handler leaves the event loop; raised if the client leaves first.
        var cancellation: Cancellation?
        var waitingForHandler = false
    }

    init(id: Int, fd: Int32, loop: EventLoop, server: Server) {
        self.id = id
        self.fd = fd
        self.loop = loop
        self.server = server
        machine = ConnectionStateMachine(deadlines: server.deadlines, now: Socket.monotonicNanos())
        parser = HTTPRequestParser(limits: server.configuration.limits)
    }

    func start() {
        loop.add(self)
        guard let readiness = loop.readiness, readiness.add(fd, token: id, interest: .read) else {
            server.logger.warning("connection dropped: epoll_ctl refused the socket", metadata: ["errno": "\(errno)"])
            return closeNow()
        }
        watched = .read
        if server.isShuttingDown { beginShutdown() }
    }

    /// One readiness report. Errors and EOF surface through read(2) while reading; with
    /// reading paused, a hang-up (reset, or both sides shut) is reported on every wake-up
    /// whatever the interest, so it closes the connection here.
    func handle(_ report: ReadinessSet.Report) {
        if (report.readable || report.hungUp) && !readSuspended { onReadable() }
        if report.writable && writeArmed && !closed { flush() }
        if report.hungUp && readSuspended && !closed { closeNow() }
    }

    /// Tells the readiness set what this connection waits for now.
    func updateInterest() {
        guard !closed else { return }
        var wanted: ReadinessSet.Interest = []
        if !readSuspended { wanted.insert(.read) }
        if writeArmed { wanted.insert(.write) }
        guard wanted != watched else { return }
        watched = wanted
        loop.readiness?.modify(fd, token: id, interest: wanted)
    }

    // MARK: Reading

    private func onReadable() {
        guard !closed else { return }
        var received = false
        for _ in 0..<16 {
            switch Socket.read(fd, into: loop.scratch) {
            case .bytes(let n):
                if !lingering {
                    inbound.append(contentsOf: UnsafeRawBufferPointer(rebasing: loop.scratch[0..<n]))
                    received = true
                }
                if n < loop.scratch.count { break }
                continue
            case .wouldBlock:
                break
            case .closed:
                peerEOF = true
                suspendReading()
            case .failed:
                closeNow()
                return
            }
            break
        }
        if lingering {
            if peerEOF { closeNow() }
            return
        }
        if received { machine.bytesReceived(now: Socket.monotonicNanos(), readingBody: parser.isReadingBody) }
        processInbound()
        if peerEOF { handlePeerEOF() }
    }

    /// The client closed its side. A request still being computed is cancelled (its
    /// response could still be read after a half-close, so it is written if it arrives).
    private func handlePeerEOF() {
        guard !closed else { return }
        if let flight = current, flight.waitingForHandler {
            flight.cancellation?.cancel()
            return
        }
        // A request cut off by the client's FIN can never complete; the client may still
        // be reading, so it hears why before the close (RFC 9112 §8 allows the answer).
        let cutOff = !parser.isIdle || inboundStart < inbound.count
        if cutOff && machine.readPhase != .finished {
            machine.protocolError()
            if current == nil {
                current = InFlight(head: Connection.placeholderHead, started: Socket.monotonicNanos(), bytesIn: inbound.count - inboundStart, requestID: loop.nextRequestID())
            }
            respond(.error(.badRequest, "connection closed before the request was complete"))
            return flush()
        }
        if outboundStart == outbound.count { closeNow() }
    }

    /// Parses as many requests as the buffer holds, serving each before the next.
    func processInbound() {
        while !closed {
            switch machine.readPhase {
            case .processing, .finished: break
            default:
                if parseNext() { continue }
            }
            break
        }
        compactInbound()
        flush()
        applyBackpressure()
    }

    /// One parser step. Returns true when it is worth calling again.
    private func parseNext() -> Bool {
        let result = inbound.withUnsafeBytes { parser.parse(UnsafeRawBufferPointer(rebasing: $0[inboundStart...])) }
        let now = Socket.monotonicNanos()
        switch result {
        case .needMore(let consumed):
            inboundStart += consumed
            current?.bytesIn += consumed
            if inboundStart < inbound.count || !parser.isIdle {
                machine.bytesReceived(now: now, readingBody: parser.isReadingBody)
            }
            return false
        case .head(let head, let consumed):
            inboundStart += consumed
            current = InFlight(head: head, started: now, bytesIn: consumed, requestID: requestID(for: head))
            switch machine.headReceived(head, maxBodyBytes: server.configuration.limits.maxBodyBytes, now: now) {
            case .readBody:
                return true
            case .sendContinueThenReadBody:
                HTTPResponseEncoder.encodeInterim(.continue, into: &outbound)
                return true
            case .reject(let status, let message):
                respond(.error(status, message))
                return false
            }
        case .complete(let body, let trailers, let consumed):
            inboundStart += consumed
            current?.bytesIn += consumed
            machine.requestReceived()
            dispatch(body: body, trailers: trailers)
            return true
        case .invalid(let error):
            machine.protocolError()
            if current == nil {
                current = InFlight(head: Connection.placeholderHead, started: now, bytesIn: inbound.count - inboundStart, requestID: loop.nextRequestID())
            }
            respond(.error(error.status, error.description))
            return false
        }
    }

    private func requestID(for head: HTTPRequestHead) -> String {
        if let sent = head.headers["X-Request-Id"], (1...128).contains(sent.utf8.count),
            sent.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        {
            return sent
        }
        return loop.nextRequestID()
    }

    /// Stands in for the head of a request too malformed to have one, for logs only.
    static let placeholderHead = HTTPRequestHead(method: HTTPMethod(rawValue: "-"), target: "-", version: .http1_1, headers: HTTPHeaders())

    private func compactInbound() {
        if inboundStart == inbound.count {
            inbound.removeAll(keepingCapacity: inbound.capacity <= 1 << 20)
            inboundStart = 0
        } else if inboundStart >= 64 * 1024 {
            inbound.removeFirst(inboundStart)
            inboundStart = 0
        }
    }

    /// While a handler works, stop reading once a pipelined backlog passes the header
    /// limit, so one client cannot make us buffer without bound.
    private func applyBackpressure() {
        guard !closed else { return }
        let backlog = inbound.count - inboundStart
        if machine.readPhase == .processing && backlog > server.configuration.limits.maxHeaderBytes {
            suspendReading()
        } else if readSuspended && !peerEOF && machine.readPhase != .processing {
            readSuspended = false
            updateInterest()
        }
    }

    private func suspendReading() {
        if !readSuspended {
            readSuspended = true
            updateInterest()
        }
    }
}
