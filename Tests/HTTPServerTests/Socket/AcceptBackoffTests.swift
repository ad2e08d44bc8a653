import Testing
@testable import HTTPServer

/// A failing accept(2) is logged once per interval, the line carrying how many failures
/// it stands for, however often the listener fires meanwhile.
@Suite struct AcceptBackoffTests {
    @Test func logsTheFirstFailureAtOnce() {
        var backoff = AcceptBackoff()
        #expect(backoff.failed(now: 5_000) == 1)
    }

    @Test func staysQuietWithinTheIntervalThenCountsWhatItSkipped() {
        var backoff = AcceptBackoff()
        let start: UInt64 = 1_000_000_000
        #expect(backoff.failed(now: start) == 1)
        // Ten attempts a second for most of an interval: none is logged...
        var logged = 0
        var t = start
        for _ in 0..<99 {
            t += AcceptBackoff.pauseNanos
            if backoff.failed(now: t) != nil { logged += 1 }
        }
        #expect(logged == 0)
        // ...and the first one past the interval stands for all of them.
        #expect(backoff.failed(now: start + AcceptBackoff.logIntervalNanos) == 100)
        #expect(backoff.failed(now: start + AcceptBackoff.logIntervalNanos + 1) == nil)
    }

    @Test func pauseIsShortAgainstTheLogInterval() {
        #expect(AcceptBackoff.pauseNanos * 10 <= AcceptBackoff.logIntervalNanos)
        #expect(AcceptBackoff.pauseNanos >= 10_000_000)  // a 100/s retry rate at most
    }
}
