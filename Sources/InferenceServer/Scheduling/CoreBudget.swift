import TensorEngine

/// The machine's cores as tokens: an execution that runs on `n` engine threads holds `n`
/// tokens, so executions of all models together never ask for more threads than there
/// are cores, and waiting executions start in arrival order (no model starves another).
public final class CoreBudget: Sendable {
    public let total: Int
    private let state: Locked<State>

    /// Free tokens and the executions waiting for them, first come first served.
    private struct State {
        var free: Int
        var waiting: [(tokens: Int, start: @Sendable () -> Void)] = []
    }

    public init(cores: Int) {
        total = max(1, cores)
        state = Locked(State(free: max(1, cores)))
    }

    /// Runs `start` (on this thread, or later on a releasing thread) once `tokens` are free.
    public func acquire(_ tokens: Int, start: @escaping @Sendable () -> Void) {
        let want = min(max(1, tokens), total)
        let now = state.withLock { s -> Bool in
            if s.waiting.isEmpty && s.free >= want {
                s.free -= want
                return true
            }
            s.waiting.append((want, start))
            return false
        }
        if now { start() }
    }

    /// Returns tokens and starts waiting executions that now fit, in order.
    public func release(_ tokens: Int) {
        let give = min(max(1, tokens), total)
        let ready = state.withLock { s -> [@Sendable () -> Void] in
            s.free += give
            var starts: [@Sendable () -> Void] = []
            while let first = s.waiting.first, first.tokens <= s.free {
                s.free -= first.tokens
                starts.append(first.start)
                s.waiting.removeFirst()
            }
            return starts
        }
        for start in ready { start() }
    }

    /// Takes up to `tokens` more, at once and only if nobody waits for them: an elastic
    /// execution that already holds one widens onto idle cores. Returns how many it took.
    public func takeIdle(upTo tokens: Int) -> Int {
        state.withLock { s in
            guard s.waiting.isEmpty, tokens > 0 else { return 0 }
            let take = min(tokens, s.free)
            s.free -= take
            return take
        }
    }

    /// Tokens not held by any execution.
    public var available: Int { state.withLock { $0.free } }
}
