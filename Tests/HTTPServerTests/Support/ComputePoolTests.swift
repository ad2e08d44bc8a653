import Synchronization
import Testing
@testable import HTTPServer

/// The compute pool runs every job once, in order per submitter, and lets go of a job's
/// captures as soon as it has run: a served request's body must not outlive it (a pool
/// that kept its last thousand closures kept ~2 GB of request bodies alive).
@Suite struct ComputePoolTests {
    /// Something a job captures; counts how many are still alive.
    final class Payload: Sendable {
        static let alive = Atomic<Int>(0)
        let bytes = [UInt8](repeating: 1, count: 1024)
        init() { Payload.alive.add(1, ordering: .relaxed) }
        deinit { Payload.alive.subtract(1, ordering: .relaxed) }
    }

    @Test func runsEveryJobAndFreesItsCaptures() async {
        let pool = ComputePool(threads: 2)
        let ran = Atomic<Int>(0)
        let jobs = 3_000
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let finished = Atomic<Int>(0)
            for _ in 0..<jobs {
                let payload = Payload()
                pool.submit {
                    ran.add(payload.bytes.count == 1024 ? 1 : 0, ordering: .relaxed)
                    if finished.add(1, ordering: .acquiringAndReleasing).newValue == jobs { done.resume() }
                }
            }
        }
        // The last job may still be returning; its closure is released right after.
        for _ in 0..<200 where Payload.alive.load(ordering: .relaxed) > 0 { try? await Task.sleep(for: .milliseconds(5)) }
        #expect(ran.load(ordering: .relaxed) == jobs)
        #expect(Payload.alive.load(ordering: .relaxed) == 0)
        pool.shutdown()
    }
}
