import CKilnKernels
/// How many of its planned threads a run may use, decided per run by whoever holds the cores.
public enum EngineThreads {
    /// Runs `body` with every kernel split on this thread executed inline: a plan built for
    /// several threads then runs on the caller's core alone (same results, same work).
    public static func onCallerOnly<T>(_ body: () throws -> T) rethrows -> T {
        kiln_parallel_set_inline(1)
        defer { kiln_parallel_set_inline(0) }
        return try body()
    }
}
