import CKilnKernels

/// How kernels split a loop across threads: `kiln_parallel_run`, a fork-join pool whose
/// helpers spin briefly between jobs (Sources/CKilnKernels/parallel.c), returning once every
/// part is done. It replaced `DispatchQueue.concurrentPerform`, whose sleeping workers cost
/// tens of microseconds to wake on every split (MobileNetV2 at batch 8 ran slower on two
/// threads than on one).
///
/// A kernel's parts capture raw pointers into disjoint slices of the same buffers, which the
/// compiler cannot prove race-free; this is the single place that vouches for handing such
/// a body to other threads.
enum ParallelFor {
    /// Calls `body(part)` for every part in 0..<parts, one worker per part.
    static func run(parts: Int, _ body: (Int) -> Void) {
        run(parts: parts, workers: parts) { part, _ in body(part) }
    }

    /// Calls `body(part, slot)` for every part in 0..<parts on at most `workers` threads,
    /// concurrently when both exceed 1. Parts are handed out one at a time, so cutting the
    /// work into more parts than workers lets a thread on a fast core take more of them;
    /// `slot` (in 0..<workers, never held by two threads at once) picks per-worker scratch.
    static func run(parts: Int, workers: Int, _ body: (_ part: Int, _ slot: Int) -> Void) {
        if parts <= 1 || workers <= 1 {
            for part in 0..<max(parts, 0) { body(part, 0) }
            return
        }
        withoutActuallyEscaping(body) { escapable in
            var work = escapable
            withUnsafeMutablePointer(to: &work) { context in
                kiln_parallel_run(Int32(parts), Int32(workers), { context, part, slot in
                    context!.assumingMemoryBound(to: ((Int, Int) -> Void).self).pointee(Int(part), Int(slot))
                }, context)
            }
        }
    }
}
