import Dispatch
import HTTPServer
import TensorEngine

/// One model version's queue and dynamic batcher. Requests wait in a bounded queue ordered
/// by priority; the batcher groups them along the first dimension into executions of at
/// most `maxBatchSize` rows, runs at most `instanceCount` at once, each holding its engine
/// threads' worth of the shared `CoreBudget`, on the fixed compute pool. Expired and
/// abandoned requests are answered and dropped before any compute is spent on them.
public final class BatchScheduler: Sendable {
    let model: String
    let config: ModelConfig
    /// Plans by batch size; a model without a dynamic batch has only batch 1.
    let plans: PlanCache
    let budget: CoreBudget
    let pool: ComputePool
    let stats: ModelStats
    private let state = Locked(State())
    private let timerQueue: DispatchQueue

    /// Queue and execution bookkeeping, guarded by the mutex.
    struct State {
        var queue: [InferenceJob] = []
        var running = 0
        var sequence: UInt64 = 0
        /// The earliest time a timer is armed for (0: none).
        var timerAt: UInt64 = 0
    }

    init(model: String, config: ModelConfig, plans: PlanCache, budget: CoreBudget, pool: ComputePool, stats: ModelStats) {
        self.model = model
        self.config = config
        self.plans = plans
        self.budget = budget
        self.pool = pool
        self.stats = stats
        timerQueue = DispatchQueue(label: "kiln.batcher.\(model)")
    }

    /// The most rows one request or execution may carry.
    var maxRows: Int { plans.maxRows }

    /// Engine threads (and core-budget tokens) of one execution.
    var threads: Int { plans.threads }

    /// Requests queued, not yet executing.
    public var pending: Int { state.withLock { $0.queue.count } }

    /// Queues a job, or refuses it at once when the queue is full. A retired version (swapped
    /// out or unloaded) still takes jobs: only requests that looked it up before the swap can
    /// reach it, and refusing them would lose requests during a hot reload. It is released
    /// once the last of them is answered.
    func submit(_ job: InferenceJob) throws(InferError) {
        let refused: InferError? = state.withLock { s in
            if s.queue.count >= config.maxQueueSize {
                return InferError(.queueFull, "model '\(model)': queue full (\(config.maxQueueSize) requests waiting); retry later")
            }
            // Stable insertion by priority: after every job of the same or a more urgent key.
            let key = job.priorityKey
            var i = s.queue.count
            while i > 0 && s.queue[i - 1].priorityKey > key { i -= 1 }
            s.queue.insert(job, at: i)
            return nil
        }
        if let refused {
            stats.requestFailed(refused.kind, nanos: 0)
            throw refused
        }
        stats.setPending(pending)
        pump()
    }

    /// True when nothing is queued or running.
    var isIdle: Bool { state.withLock { $0.queue.isEmpty && $0.running == 0 } }

    /// Forms every batch that may start now, arms a timer for the next decision, and
    /// hands batches to the budget. Called on submit, on a timer, and after executions.
    func pump() {
        var now: UInt64 = 0
        var dropped: [(InferenceJob, InferError)] = []
        var batches: [[InferenceJob]] = []
        var wakeAt: UInt64 = 0
        state.withLock { s in
            // Read under the lock: every queued job was stamped before it was queued, so none
            // is younger than `now` (submits race pumps on several event-loop threads; a
            // clock read before the lock once met a younger job and the wait underflowed).
            now = Clock.nanos()
            s.queue.removeAll { job in
                if job.cancellation.isCancelled {
                    dropped.append((job, InferError(.cancelled, "client disconnected")))
                    return true
                }
                if let d = job.deadlineNanos, d <= now {
                    let waited = BatchScheduler.elapsed(since: job.enqueuedNanos, now: now) / 1000
                    dropped.append((job, InferError(.timeout, "model '\(model)': request timed out after \(waited) µs in the queue")))
                    return true
                }
                return false
            }
            while s.running < config.instanceCount, !s.queue.isEmpty {
                let (count, rows, full) = prefix(s.queue)
                let batching = config.dynamicBatching
                let waited = BatchScheduler.elapsed(since: s.queue[0].enqueuedNanos, now: now)
                let ready =
                    !batching.enabled || maxRows == 1 || full
                    || (count == s.queue.count && batching.preferredBatchSizes.contains(rows))
                    || waited >= UInt64(batching.maxQueueDelayMicroseconds) * 1000
                    || (batching.dispatchWhenIdle && s.running == 0)
                if !ready {
                    wakeAt = s.queue[0].enqueuedNanos + UInt64(batching.maxQueueDelayMicroseconds) * 1000
                    break
                }
                let take = batching.enabled ? count : 1
                batches.append(Array(s.queue.prefix(take)))
                s.queue.removeFirst(take)
                s.running += 1
            }
            // Wake for the earliest deadline too, so a stuck queue still answers on time.
            for job in s.queue { if let d = job.deadlineNanos, wakeAt == 0 || d < wakeAt { wakeAt = d } }
            if wakeAt != 0, s.timerAt == 0 || wakeAt < s.timerAt { s.timerAt = wakeAt } else { wakeAt = 0 }
        }
        for (job, error) in dropped {
            stats.requestFailed(error.kind, nanos: BatchScheduler.elapsed(since: job.enqueuedNanos, now: now))
            job.complete(.failure(error))
        }
        if !dropped.isEmpty || !batches.isEmpty { stats.setPending(pending) }
        if wakeAt != 0 { armTimer(at: wakeAt) }
        for batch in batches { launch(batch) }
    }

    /// Nanoseconds from `start` to `now`, 0 if `start` is later (never a trap on a clock read
    /// taken on another thread).
    static func elapsed(since start: UInt64, now: UInt64) -> UInt64 { now > start ? now - start : 0 }

    /// How many queued jobs (from the head) fit one execution, their rows, and whether the
    /// execution is full (the next job would not fit, or `maxRows` is reached).
    private func prefix(_ queue: [InferenceJob]) -> (count: Int, rows: Int, full: Bool) {
        var rows = 0, count = 0
        for job in queue {
            if rows + job.rows > maxRows { return (max(count, 1), max(rows, job.rows), true) }
            rows += job.rows
            count += 1
        }
        return (count, rows, rows >= maxRows)
    }

    private func armTimer(at deadline: UInt64) {
        timerQueue.asyncAfter(deadline: DispatchTime(uptimeNanoseconds: deadline)) { [self] in
            state.withLock { s in if s.timerAt <= deadline { s.timerAt = 0 } }
            pump()
        }
    }

    /// Several instances with several threads each are elastic: an execution starts on one
    /// core and widens to its `threads` only for a lone request with nothing else waiting
    /// (one job in the batch, this model's queue empty, no execution waiting for a core).
    /// Under load the instances run side by side, one core each; a lone request still gets
    /// every core. (A batch of several requests is itself a sign of load: widening it kept
    /// the other instance from starting, 327–377 req/s instead of ≈ 430 in the benchmark.)
    var isElastic: Bool { config.instanceCount > 1 && threads > 1 }

    private func launch(_ batch: [InferenceJob]) {
        let base = isElastic ? 1 : threads
        budget.acquire(base) { [self] in
            pool.submit { [self] in
                let lone = isElastic && batch.count == 1 && state.withLock { $0.queue.isEmpty }
                let extra = lone ? budget.takeIdle(upTo: threads - 1) : 0
                let outcomes = isElastic && extra == 0 ? EngineThreads.onCallerOnly { execute(batch) } : execute(batch)
                // Free the core and the instance before answering: a client that gets its
                // answer and sends the next request at once must find the model idle (with
                // 2 cores this thread can be preempted right after the answer goes out),
                // and another batch may start while these answers are encoded.
                budget.release(base + extra)
                state.withLock { $0.running -= 1 }
                pump()
                for (job, result) in outcomes { job.complete(result) }
            }
        }
    }
}
