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
    /// Calls `body(part)` for every part in 0..<parts, concurrently when parts > 1.
    static func run(parts: Int, _ body: (Int) -> Void) {
        if parts <= 1 {
            if parts == 1 { body(0) }
            return
        }
        withoutActuallyEscaping(body) { escapable in
            var work = escapable
            withUnsafeMutablePointer(to: &work) { context in
                kiln_parallel_run(Int32(parts), { context, part in
                    context!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(Int(part))
                }, context)
            }
        }
    }
}
