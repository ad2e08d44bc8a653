import Dispatch

/// How kernels split a loop across threads: `DispatchQueue.concurrentPerform`, which
/// returns once every part is done.
///
/// Dispatch types the work closure `@Sendable`, but a kernel's parts capture raw pointers
/// into disjoint slices of the same buffers, which the compiler cannot prove race-free.
/// This is the single place that vouches for it, instead of unchecked wrappers in every
/// kernel.
enum ParallelFor {
    /// Calls `body(part)` for every part in 0..<parts, concurrently when parts > 1.
    static func run(parts: Int, _ body: (Int) -> Void) {
        if parts <= 1 {
            if parts == 1 { body(0) }
            return
        }
        withoutActuallyEscaping(body) { escapable in
            nonisolated(unsafe) let work = escapable
            DispatchQueue.concurrentPerform(iterations: parts) { work($0) }
        }
    }
}
