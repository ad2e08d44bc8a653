import Testing
@testable import TensorEngine

/// ParallelFor's fork-join pool (Sources/CKilnKernels/parallel.c): every part runs exactly
/// once per job, across many back-to-back jobs (the case where a helper still finishing one
/// job sees the next one published), nested calls and concurrent submitters; with more parts
/// than workers, slots stay below the job's workers and no two threads hold one at once.
@Suite struct ParallelForTests {
    @Test func everyPartRunsOnceAcrossManyJobs() {
        for job in 0..<20_000 {
            let parts = 2 + job % 3
            var hits = [Int](repeating: 0, count: parts)
            hits.withUnsafeMutableBufferPointer { h in
                let base = h.baseAddress!
                ParallelFor.run(parts: parts) { p in base[p] += job + 1 }
            }
            #expect(hits == [Int](repeating: job + 1, count: parts), "job \(job)")
            if hits != [Int](repeating: job + 1, count: parts) { return }
        }
    }

    @Test func nestedAndConcurrentCallsRunInline() async {
        await withTaskGroup(of: Int.self) { group in
            for t in 0..<4 {
                group.addTask {
                    var total = 0
                    for _ in 0..<500 {
                        var sums = [Int](repeating: 0, count: 2)
                        sums.withUnsafeMutableBufferPointer { s in
                            let base = s.baseAddress!
                            ParallelFor.run(parts: 2) { outer in
                                var inner = [Int](repeating: 0, count: 3)
                                inner.withUnsafeMutableBufferPointer { i in
                                    let ib = i.baseAddress!
                                    ParallelFor.run(parts: 3) { ib[$0] = $0 + 1 }
                                }
                                base[outer] = inner.reduce(0, +) + t
                            }
                        }
                        total += sums.reduce(0, +)
                    }
                    return total == 500 * 2 * (6 + t) ? 1 : 0
                }
            }
            var ok = 0
            for await r in group { ok += r }
            #expect(ok == 4)
        }
    }

    @Test func morePartsThanWorkersKeepSlotsPrivate() {
        // A wide job first, so the pool has more helpers than the narrow jobs below may use.
        ParallelFor.run(parts: 6, workers: 6) { _, _ in }
        let busy = Locked([Int](repeating: 0, count: 8))
        for job in 0..<3_000 {
            let workers = 2 + job % 3
            let parts = workers * 4 + job % 5
            var hits = [Int](repeating: 0, count: parts)
            hits.withUnsafeMutableBufferPointer { h in
                let base = h.baseAddress!
                ParallelFor.run(parts: parts, workers: workers) { part, slot in
                    let took = busy.withLock { b in
                        guard slot >= 0, slot < workers, b[slot] == 0 else { return false }
                        b[slot] = 1
                        return true
                    }
                    guard took else { return }  // counted as a missing hit below
                    var x = part
                    for i in 0..<200 { x = x &* 31 &+ i }  // long enough for parts to overlap
                    base[part] += x == .min ? 2 : 1
                    busy.withLock { $0[slot] = 0 }
                }
            }
            #expect(hits == [Int](repeating: 1, count: parts), "job \(job): workers \(workers), parts \(parts)")
            if hits != [Int](repeating: 1, count: parts) { return }
        }
    }
}
