import HTTPCore
import Testing
@testable import HTTPServer

/// The connection lifecycle driven by a fake clock: no sockets, just times in nanoseconds.
@Suite struct ConnectionStateMachineTests {
    static let s: UInt64 = 1_000_000_000
    static let deadlines = ConnectionStateMachine.Deadlines(header: 10 * s, body: 30 * s, keepAlive: 75 * s, write: 30 * s, linger: 2 * s)

    func head(_ framing: HTTPRequestHead.BodyFraming = .none, keepAlive: Bool = true, expect: HTTPRequestHead.Expectation = .none) -> HTTPRequestHead {
        HTTPRequestHead(method: .post, target: "/", version: .http1_1, headers: ["Host": "x"], bodyFraming: framing, keepAlive: keepAlive, expectation: expect)
    }

    @Test func silentNewConnectionClosesAfterHeaderTimeout() {
        let m = ConnectionStateMachine(deadlines: Self.deadlines, now: 0)
        #expect(m.timeoutCheck(now: 10 * Self.s) == .none)
        #expect(m.timeoutCheck(now: 10 * Self.s + 1) == .close)
    }

    @Test func idleKeepAliveClosesAfterKeepAliveTimeout() {
        var m = ConnectionStateMachine(deadlines: Self.deadlines, now: 0)
        _ = m.headReceived(head(), maxBodyBytes: 100, now: 0)
        m.requestReceived()
        _ = m.responseQueued(requestKeepAlive: true, now: 0)
        _ = m.writeDrained(now: 0)
        #expect(m.timeoutCheck(now: 75 * Self.s) == .none)
        #expect(m.timeoutCheck(now: 75 * Self.s + 1) == .close)
    }

    @Test func slowHeadGets408() {
        var m = ConnectionStateMachine(deadlines: Self.deadlines, now: 0)
        m.bytesReceived(now: 5 * Self.s, readingBody: false)
        #expect(m.timeoutCheck(now: 14 * Self.s) == .none)
        // More bytes of the same head do not extend the header deadline (slowloris).
        m.bytesReceived(now: 14 * Self.s, readingBody: false)
        #expect(m.timeoutCheck(now: 15 * Self.s + 1) == .requestTimeout)
    }

    @Test func bodyDeadlineMovesWithProgress() {
        var m = ConnectionStateMachine(deadlines: Self.deadlines, now: 0)
        m.bytesReceived(now: 0, readingBody: false)
        do { let r = m.headReceived(head(.contentLength(10)), maxBodyBytes: 100, now: 1 * Self.s); #expect(r == .readBody) }
        m.bytesReceived(now: 20 * Self.s, readingBody: true)
        #expect(m.timeoutCheck(now: 45 * Self.s) == .none)
        #expect(m.timeoutCheck(now: 50 * Self.s + 1) == .requestTimeout)
    }

    @Test func oversizedContentLengthRejectedBeforeBody() {
        var m = ConnectionStateMachine(deadlines: Self.deadlines, now: 0)
        let action = m.headReceived(head(.contentLength(101)), maxBodyBytes: 100, now: 0)
        guard case .reject(let status, _) = action else { Issue.record("expected reject"); return }
        #expect(status.code == 413)
        #expect(m.readPhase == .finished)
        do { let r = m.responseQueued(requestKeepAlive: true, now: 0); #expect(r == false) }
    }

    @Test func expectContinue() {
        var m = ConnectionStateMachine(deadlines: Self.deadlines, now: 0)
        do { let r = m.headReceived(head(.contentLength(5), expect: .continue100), maxBodyBytes: 100, now: 0); #expect(r == .sendContinueThenReadBody) }
        var m2 = ConnectionStateMachine(deadlines: Self.deadlines, now: 0)
        guard case .reject(let status, _) = m2.headReceived(head(.contentLength(500), expect: .continue100), maxBodyBytes: 100, now: 0) else {
            Issue.record("expected reject")
            return
        }
        #expect(status.code == 413)
        var m3 = ConnectionStateMachine(deadlines: Self.deadlines, now: 0)
        guard case .reject(let status3, _) = m3.headReceived(head(expect: .unsupported("x")), maxBodyBytes: 100, now: 0) else {
            Issue.record("expected reject")
            return
        }
        #expect(status3.code == 417)
    }

    @Test func processingHasNoReadDeadline() {
        var m = ConnectionStateMachine(deadlines: Self.deadlines, now: 0)
        _ = m.headReceived(head(), maxBodyBytes: 100, now: 0)
        m.requestReceived()
        #expect(m.timeoutCheck(now: 1000 * Self.s) == .none)
    }

    @Test func keepAliveCycleAndWriteTimeout() {
        var m = ConnectionStateMachine(deadlines: Self.deadlines, now: 0)
        _ = m.headReceived(head(), maxBodyBytes: 100, now: 0)
        m.requestReceived()
        do { let r = m.responseQueued(requestKeepAlive: true, now: 1 * Self.s); #expect(r) }
        // The client does not read: the write deadline applies, not keep-alive.
        #expect(m.timeoutCheck(now: 31 * Self.s + 1) == .abort)
        m.writeProgress(now: 20 * Self.s)
        #expect(m.timeoutCheck(now: 31 * Self.s + 1) == .none)
        do { let r = m.writeDrained(now: 21 * Self.s); #expect(r == .keepReading) }
        #expect(m.timeoutCheck(now: 96 * Self.s + 1) == .close)
    }

    @Test func connectionCloseLingersThenCloses() {
        var m = ConnectionStateMachine(deadlines: Self.deadlines, now: 0)
        _ = m.headReceived(head(keepAlive: false), maxBodyBytes: 100, now: 0)
        m.requestReceived()
        do { let r = m.responseQueued(requestKeepAlive: false, now: 0); #expect(r == false) }
        do { let r = m.writeDrained(now: 1 * Self.s); #expect(r == .lingerThenClose) }
        #expect(m.timeoutCheck(now: 2 * Self.s) == .none)
        #expect(m.timeoutCheck(now: 3 * Self.s) == .close)
    }

    @Test func shutdownClosesIdleAndFinishesBusy() {
        var idle = ConnectionStateMachine(deadlines: Self.deadlines, now: 0)
        do { let r = idle.beginShutdown(); #expect(r) }
        var busy = ConnectionStateMachine(deadlines: Self.deadlines, now: 0)
        _ = busy.headReceived(head(), maxBodyBytes: 100, now: 0)
        busy.requestReceived()
        do { let r = busy.beginShutdown(); #expect(r == false) }
        do { let r = busy.responseQueued(requestKeepAlive: true, now: 0); #expect(r == false) }
        do { let r = busy.writeDrained(now: 0); #expect(r == .lingerThenClose) }
    }
}
