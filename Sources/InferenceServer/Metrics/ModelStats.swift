import Foundation
import Prometheus
import TensorEngine

/// Counters of one model version, kept twice: as Triton-compatible Prometheus series
/// (`nv_inference_*`, so existing dashboards work) plus Kiln's histograms, and as the
/// totals the statistics extension (`GET /v2/models/{m}/stats`) reports.
public final class ModelStats: Sendable {
    public let model: String
    public let version: String
    private let totals = Locked(Totals())
    private let series: ModelSeries

    /// Count and cumulative nanoseconds of one kind of event.
    public struct Tally: Sendable, Equatable {
        public var count: UInt64 = 0
        public var nanos: UInt64 = 0
        mutating func add(_ ns: UInt64) {
            count += 1
            nanos += ns
        }
    }

    /// Per batch size: executions and their phase times.
    public struct BatchTally: Sendable, Equatable {
        public var input = Tally()
        public var infer = Tally()
        public var output = Tally()
    }

    /// What the statistics extension reports.
    public struct Totals: Sendable, Equatable {
        public var success = Tally()
        public var fail = Tally()
        public var queue = Tally()
        public var computeInput = Tally()
        public var computeInfer = Tally()
        public var computeOutput = Tally()
        /// Rows inferred (Triton's inference_count) and executions (execution_count).
        public var inferenceCount: UInt64 = 0
        public var executionCount: UInt64 = 0
        /// Wall-clock milliseconds since 1970 of the last completed request (0: none).
        public var lastInferenceMillis: UInt64 = 0
        public var batches: [Int: BatchTally] = [:]
        /// A worker's pre-processing (decode, features) and post-processing (answer).
        public var prepare = Tally()
        public var finish = Tally()
        public var failuresByReason: [String: UInt64] = [:]
    }

    public init(model: String, version: String, registry: PrometheusCollectorRegistry) {
        self.model = model
        self.version = version
        series = ModelSeries(model: model, version: version, registry: registry)
    }

    public var snapshot: Totals { totals.withLock { $0 } }

    /// A request answered with outputs; `totalNanos` from arrival at the model to the answer.
    public func requestSucceeded(queueNanos: UInt64, computeNanos: UInt64, totalNanos: UInt64) {
        totals.withLock { t in
            t.success.add(totalNanos)
            t.queue.add(queueNanos)
            t.lastInferenceMillis = UInt64(Date().timeIntervalSince1970 * 1000)
        }
        series.succeeded(queueNanos: queueNanos, computeNanos: computeNanos, totalNanos: totalNanos)
    }

    /// A request that failed, for a `reason` (the `InferError.Kind` raw value).
    public func requestFailed(_ reason: InferError.Kind, nanos: UInt64) {
        totals.withLock { t in
            t.fail.add(nanos)
            t.failuresByReason[reason.rawValue, default: 0] += 1
        }
        series.failed(reason: reason.rawValue, nanos: nanos)
    }

    /// One execution of `size` rows and its phases: stacking inputs, running the plan,
    /// splitting outputs.
    public func batchExecuted(size: Int, inputNanos: UInt64, inferNanos: UInt64, outputNanos: UInt64) {
        totals.withLock { t in
            t.executionCount += 1
            t.inferenceCount += UInt64(size)
            t.computeInput.add(inputNanos)
            t.computeInfer.add(inferNanos)
            t.computeOutput.add(outputNanos)
            var b = t.batches[size] ?? BatchTally()
            b.input.add(inputNanos)
            b.infer.add(inferNanos)
            b.output.add(outputNanos)
            t.batches[size] = b
        }
        series.executed(size: size, inputNanos: inputNanos, inferNanos: inferNanos, outputNanos: outputNanos)
    }

    public func setPending(_ count: Int) { series.pending.set(Int64(count)) }

    /// Time a worker spent around the model for one request.
    public func workerProcessed(prepareNanos: UInt64, finishNanos: UInt64) {
        totals.withLock { t in
            t.prepare.add(prepareNanos)
            t.finish.add(finishNanos)
        }
        series.prepareSeconds.recordNanoseconds(Int64(prepareNanos))
        series.finishSeconds.recordNanoseconds(Int64(finishNanos))
    }
}
