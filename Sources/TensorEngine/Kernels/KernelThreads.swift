import Foundation

/// Splitting a kernel's independent work items across `threads` workers with `ParallelFor`
/// (the engine's fork-join pool), as docs/engine.md prescribes. Items are handed out in
/// contiguous chunks so each worker streams through adjacent memory, a few chunks per worker
/// so that a worker on a slower core does fewer of them instead of delaying the join.
enum KernelThreads {
    /// Chunks per worker when a loop is split. With one chunk each, a split layer lasted as
    /// long as its slowest thread: on a shared 2-vCPU host, where one vCPU often runs at half
    /// speed for milliseconds, MobileNetV2 at batch 1 ran slower on two threads than on one.
    /// `KILN_PARTS_PER_WORKER` (1–16) overrides it for benchmarks (1 = one chunk each).
    static let partsPerWorker: Int = {
        if let text = ProcessInfo.processInfo.environment["KILN_PARTS_PER_WORKER"], let n = Int(text), (1...16).contains(n) {
            return n
        }
        return 4
    }()

    /// Parts a loop of `items` split `workers` ways is cut into: `partsPerWorker` each, never
    /// more than the items; one part when there is one worker.
    static func partCount(workers: Int, items: Int) -> Int {
        workers > 1 ? min(items, workers * partsPerWorker) : 1
    }

    /// The least work worth handing to a second worker, in elements of a light element-wise
    /// pass (≈ 1 ns each, so ≈ 50–100 µs). Below it a split loses: on two cores OpenBLAS's
    /// own threads keep spinning (sched_yield) for a while after every threaded sgemm, so a
    /// Dispatch worker competes with them for the second core. Measured on transformer_block
    /// at batch 8 with two threads: Gelu, Softmax and LayerNorm split into 2–4 workers were no
    /// faster than run inline (1.6 ms either way, alternating runs), and a split fell into
    /// 7 ms stalls more often when the machine was loaded.
    static let minElementsPerWorker = 65536

    /// Calls `body(range, worker)` for disjoint contiguous ranges covering `0..<count`, with at
    /// most `threads` workers (worker ids `0..<workers`, usable to pick per-worker scratch; a
    /// worker may be handed several ranges, one after another).
    /// Runs inline when one worker suffices: a dispatch costs microseconds, more than many
    /// whole kernel calls on small tensors, so `minPerWorker` keeps tiny jobs on the caller.
    static func forEachChunk(
        count: Int, threads: Int, minPerWorker: Int = 1,
        _ body: (_ range: Range<Int>, _ worker: Int) -> Void
    ) {
        let workers = workerCount(count: count, threads: threads, minPerWorker: minPerWorker)
        if workers <= 1 {
            if count > 0 { body(0..<count, 0) }
            return
        }
        let parts = partCount(workers: workers, items: count)
        ParallelFor.run(parts: parts, workers: workers) { part, slot in body(chunk(part, of: parts, count: count), slot) }
    }

    /// How many workers `forEachChunk` uses: never more than `threads`, than `count`, or than
    /// `count / minPerWorker`; at least 1. Kernels size per-worker scratch with it.
    static func workerCount(count: Int, threads: Int, minPerWorker: Int = 1) -> Int {
        max(1, min(threads, count, count / max(minPerWorker, 1)))
    }

    /// Worker `w`'s share of `0..<count` when split `workers` ways (sizes differ by at most 1).
    static func chunk(_ w: Int, of workers: Int, count: Int) -> Range<Int> {
        let base = count / workers, extra = count % workers
        let start = w * base + min(w, extra)
        return start..<(start + base + (w < extra ? 1 : 0))
    }
}
