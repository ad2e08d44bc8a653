import HTTPServer
import Testing

@testable import InferenceServer

/// The V2 `timeout` and `priority` parameters are any Int64 a client sends; the job's
/// deadline and queue key saturate instead of trapping.
@Suite struct InferenceJobLimitTests {
    func job(priority: Int = 0, timeout: Int?) -> InferenceJob {
        InferenceJob(inputs: [], rows: 1, priority: priority, timeoutMicroseconds: timeout, cancellation: Cancellation()) { _ in }
    }

    @Test(arguments: [Int.max, Int.max / 100, 18_446_744_073_709_552])
    func hugeTimeoutsMeanNoDeadline(timeout: Int) {
        #expect(job(timeout: timeout).deadlineNanos == .max)
    }

    @Test func ordinaryAndNegativeTimeouts() {
        let j = job(timeout: 1000)
        #expect(j.deadlineNanos == j.enqueuedNanos + 1_000_000)
        let past = job(timeout: -5)
        #expect(past.deadlineNanos == past.enqueuedNanos)
    }

    @Test func hugePrioritiesRankLastWithoutTrapping() {
        #expect(job(priority: Int.max, timeout: nil).priorityKey == .max)
        #expect(job(priority: Int.max / 2 + 1, timeout: nil).priorityKey == .max)
        #expect(job(priority: 1, timeout: nil).priorityKey < job(priority: 0, timeout: nil).priorityKey)
        #expect(job(priority: 0, timeout: nil).priorityKey < job(priority: 2, timeout: nil).priorityKey)
        #expect(job(priority: 7, timeout: nil).priorityKey < job(priority: Int.max, timeout: nil).priorityKey)
    }
}
