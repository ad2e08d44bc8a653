import Testing
@testable import TensorEngine

/// ParallelFor's fork-join pool (Sources/CKilnKernels/parallel.c): every part runs exactly
/// once per job, across many back-to-back jobs (the case where a helper still finishing one
/// job sees the next one published), nested calls and concurrent submitters.
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
}
