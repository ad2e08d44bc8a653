#if canImport(Glibc)
import Glibc
#endif

/// Per-step timing for `kiln bench --profile`: which layers a model's time goes to.
extension ExecutionPlan {
    /// Runs the plan once on `given` (already checked by a plain `run` before), adding each
    /// step's wall time in nanoseconds to `into` (one slot per step).
    public func accumulateStepTimes(_ given: [Tensor], into: inout [UInt64]) {
        if into.count != steps.count { into = Array(repeating: 0, count: steps.count) }
        let arena = arenaPool.take(bytes: arenaBytes)
        defer { arenaPool.give(arena) }
        let context = RunContext(arena: arena.pointer, inputs: given.map(\.rawPointer))
        var ts = timespec()
        func now() -> UInt64 {
            clock_gettime(CLOCK_MONOTONIC, &ts)
            return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
        }
        for (i, step) in steps.enumerated() {
            let start = now()
            step(context)
            into[i] &+= now() &- start
        }
    }
}
