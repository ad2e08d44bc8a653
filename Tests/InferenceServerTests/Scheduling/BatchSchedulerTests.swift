import Foundation
import HTTPServer
import Prometheus
import TensorEngine
import Testing

@testable import InferenceServer

@Suite struct BatchSchedulerTests {
    /// A scheduler over the test repository's linear model, with `configure` applied.
    func scheduler(pool: ComputePool, threads: Int = 1, _ configure: (inout ModelConfig) -> Void = { _ in }) throws -> BatchScheduler {
        var config = ModelConfig(name: "linear")
        configure(&config)
        let plans = try PlanCache(graph: TestRepository.graph(scale: 1), maxRows: config.maxBatchSize, threads: threads)
        let stats = ModelStats(model: "linear", version: "1", registry: PrometheusCollectorRegistry())
        return BatchScheduler(model: "linear", config: config, plans: plans, budget: CoreBudget(cores: 2), pool: pool, stats: stats)
    }

    func input(rows: Int, seed: Float) -> (Tensor, [[Float]]) {
        let values = (0..<rows).map { r in (0..<4).map { Float($0) * 0.5 + seed + Float(r) } }
        return (Tensor(shape: Shape([rows, 4]), floats: values.flatMap { $0 }), values)
    }

    @Test func concurrentRequestsFormOneBatchAndEachGetsItsOwnRows() throws {
        let pool = ComputePool(threads: 2)
        let s = try scheduler(pool: pool) { c in
            c.dynamicBatching.dispatchWhenIdle = false
            c.dynamicBatching.maxQueueDelayMicroseconds = 200_000  // long enough for all 4 to queue
        }
        // Rows 1 + 2 + 3 + 2 = 8 = max_batch_size: the fourth request fills the batch.
        let rowsPerJob = [1, 2, 3, 2]
        var boxes: [(ResultBox, [[Float]])] = []
        for (i, rows) in rowsPerJob.enumerated() {
            let (t, values) = input(rows: rows, seed: Float(i) * 10)
            let box = ResultBox()
            try s.submit(InferenceJob(inputs: [t], rows: rows, cancellation: Cancellation()) { box.set($0) })
            boxes.append((box, values))
        }
        for (box, values) in boxes {
            let result = try box.wait().get()
            #expect(result.batchSize == 8)
            #expect(result.outputs[0].shape.dims == [values.count, 3])
            let want = values.flatMap { TestRepository.expected($0, scale: 1) }
            #expect(zip(result.outputs[0].floats, want).allSatisfy { abs($0 - $1) <= 1e-4 * max(1, abs($1)) })
        }
        let t = s.stats.snapshot
        #expect(t.executionCount == 1 && t.inferenceCount == 8 && t.batches[8]?.infer.count == 1)
    }

    /// Two instances of two threads each are elastic: executions side by side on one core
    /// each, or one on both; either way every request gets its own correct rows and every
    /// core token comes back.
    @Test func elasticInstancesAnswerCorrectlyAndReturnTheirCores() throws {
        let pool = ComputePool(threads: 2)
        let s = try scheduler(pool: pool, threads: 2) { c in
            c.instanceCount = 2
            c.dynamicBatching.enabled = false
        }
        #expect(s.isElastic)
        var boxes: [(ResultBox, [[Float]])] = []
        for i in 0..<24 {
            let (t, values) = input(rows: 1 + i % 3, seed: Float(i))
            let box = ResultBox()
            try s.submit(InferenceJob(inputs: [t], rows: values.count, cancellation: Cancellation()) { box.set($0) })
            boxes.append((box, values))
        }
        for (box, values) in boxes {
            let result = try box.wait().get()
            let want = values.flatMap { TestRepository.expected($0, scale: 1) }
            #expect(zip(result.outputs[0].floats, want).allSatisfy { abs($0 - $1) <= 1e-4 * max(1, abs($1)) })
        }
        for _ in 0..<200 where !s.isIdle { usleep(1000) }
        #expect(s.isIdle && s.budget.available == 2)
    }

    /// Submits race pumps from several threads (event loops prepare small requests inline):
    /// every request is answered, none is lost, and no wait time underflows (a pump that read
    /// the clock before taking the lock once met a younger job and trapped).
    @Test func submitsFromManyThreadsAllComplete() throws {
        let pool = ComputePool(threads: 2)
        let s = try scheduler(pool: pool, threads: 2) { c in
            c.instanceCount = 2
            c.maxQueueSize = 100_000
            c.dynamicBatching.maxQueueDelayMicroseconds = 50
        }
        let answered = Locked(0)
        let perThread = 1000
        DispatchQueue.concurrentPerform(iterations: 4) { t in
            for i in 0..<perThread {
                let (tensor, values) = input(rows: 1, seed: Float(t * perThread + i))
                let box = ResultBox()
                try? s.submit(InferenceJob(inputs: [tensor], rows: 1, cancellation: Cancellation()) { box.set($0) })
                if let r = try? box.wait().get(), abs(r.outputs[0].floats[0] - TestRepository.expected(values[0], scale: 1)[0]) <= 1e-3 {
                    answered.withLock { $0 += 1 }
                }
            }
        }
        #expect(answered.withLock { $0 } == 4 * perThread)
    }

    @Test func idleModelDispatchesAtOnce() throws {
        let pool = ComputePool(threads: 1)
        let s = try scheduler(pool: pool) { $0.dynamicBatching.maxQueueDelayMicroseconds = 5_000_000 }
        let (t, _) = input(rows: 1, seed: 0)
        let started = Date()
        let r = try runJob(s) { done in InferenceJob(inputs: [t], rows: 1, cancellation: Cancellation(), completion: done) }
        #expect(r.batchSize == 1)
        #expect(Date().timeIntervalSince(started) < 2, "a lone request must not wait out the 5 s delay")
    }

    @Test func fullQueueIsRefusedAtOnce() throws {
        let pool = ComputePool(threads: 1)
        let s = try scheduler(pool: pool) { c in
            c.maxQueueSize = 2
            c.dynamicBatching.dispatchWhenIdle = false
            c.dynamicBatching.maxQueueDelayMicroseconds = 300_000
        }
        let (t, _) = input(rows: 1, seed: 0)
        let boxes = [ResultBox(), ResultBox()]
        for box in boxes { try s.submit(InferenceJob(inputs: [t], rows: 1, cancellation: Cancellation()) { box.set($0) }) }
        #expect(throws: InferError.self) {
            try s.submit(InferenceJob(inputs: [t], rows: 1, cancellation: Cancellation()) { _ in })
        }
        for box in boxes { #expect((try? box.wait().get()) != nil, "queued requests still complete") }
        #expect(s.stats.snapshot.failuresByReason["QUEUE_FULL"] == 1)
    }

    @Test func expiredAndCancelledRequestsCostNoCompute() throws {
        let pool = ComputePool(threads: 1)
        let s = try scheduler(pool: pool) { c in
            c.dynamicBatching.dispatchWhenIdle = false
            c.dynamicBatching.maxQueueDelayMicroseconds = 300_000
        }
        let (t, _) = input(rows: 1, seed: 0)
        let expired = ResultBox(), cancelled = ResultBox()
        let cancellation = Cancellation()
        try s.submit(InferenceJob(inputs: [t], rows: 1, timeoutMicroseconds: 20_000, cancellation: Cancellation()) { expired.set($0) })
        try s.submit(InferenceJob(inputs: [t], rows: 1, cancellation: cancellation) { cancelled.set($0) })
        cancellation.cancel()
        let started = Date()
        guard case .failure(let e) = expired.wait() else { Issue.record("expired request succeeded"); return }
        #expect(e.kind == .timeout && e.status.code == 503)
        #expect(Date().timeIntervalSince(started) < 0.25, "the timeout fires on time, not at the batch delay")
        guard case .failure(let c) = cancelled.wait() else { Issue.record("cancelled request succeeded"); return }
        #expect(c.kind == .cancelled)
        #expect(s.stats.snapshot.executionCount == 0)
    }

    @Test func priorityOneJumpsTheQueue() throws {
        let pool = ComputePool(threads: 1)
        let s = try scheduler(pool: pool) { c in
            c.maxBatchSize = 1
            c.dynamicBatching.enabled = false
        }
        let (t, _) = input(rows: 1, seed: 0)
        let order = OrderLog()
        // Hold the pool's only thread so nothing runs until all three are queued.
        let gate = DispatchSemaphore(value: 0)
        pool.submit { gate.wait() }
        // The first takes the single instance; normal then urgent wait behind it.
        try s.submit(InferenceJob(inputs: [t], rows: 1, cancellation: Cancellation()) { _ in order.add("first") })
        let a = ResultBox(), b = ResultBox()
        try s.submit(InferenceJob(inputs: [t], rows: 1, cancellation: Cancellation()) { order.add("normal"); a.set($0) })
        try s.submit(InferenceJob(inputs: [t], rows: 1, priority: 1, cancellation: Cancellation()) { order.add("urgent"); b.set($0) })
        gate.signal()
        _ = a.wait()
        _ = b.wait()
        #expect(order.items == ["first", "urgent", "normal"])
    }
}

/// Completion order, recorded from any thread.
final class OrderLog: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [String] = []
    func add(_ s: String) { lock.withLock { list.append(s) } }
    var items: [String] { lock.withLock { list } }
}
