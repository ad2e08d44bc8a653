import Prometheus
import TensorEngine

/// The Prometheus series of one model version (docs/metrics.md). Triton's names and
/// meanings for the counters (cumulative microseconds, as Triton exports them), and real
/// histograms beside them, which Triton lacks.
final class ModelSeries: Sendable {
    let success, count, execCount, requestMicros, queueMicros, inputMicros, inferMicros, outputMicros: Counter
    let pending: Gauge
    let requestSeconds, queueSeconds, computeSeconds, prepareSeconds, finishSeconds: DurationHistogram
    let batchSize: ValueHistogram
    private let registry: PrometheusCollectorRegistry
    private let labels: [(String, String)]
    private let failures = Locked<[String: Counter]>([:])

    static let latencyBuckets: [Duration] = [
        .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2.5),
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
    ]
    static let batchBuckets: [Double] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]

    init(model: String, version: String, registry: PrometheusCollectorRegistry) {
        self.registry = registry
        let labels = [("model", model), ("version", version)]
        self.labels = labels
        func counter(_ name: String, _ help: String) -> Counter {
            registry.makeCounter(descriptor: ModelSeries.describe(name, help), labels: labels)
        }
        func histogram(_ name: String, _ help: String) -> DurationHistogram {
            registry.makeDurationHistogram(descriptor: ModelSeries.describe(name, help), labels: labels, buckets: ModelSeries.latencyBuckets)
        }
        success = counter("nv_inference_request_success", "Number of successful inference requests, all batch sizes")
        count = counter("nv_inference_count", "Number of inferences performed (rows; a batch of 8 counts 8)")
        execCount = counter("nv_inference_exec_count", "Number of model executions performed (a batch counts 1)")
        requestMicros = counter("nv_inference_request_duration_us", "Cumulative inference request duration in microseconds")
        queueMicros = counter("nv_inference_queue_duration_us", "Cumulative inference queuing duration in microseconds")
        inputMicros = counter("nv_inference_compute_input_duration_us", "Cumulative compute input duration in microseconds")
        inferMicros = counter("nv_inference_compute_infer_duration_us", "Cumulative compute inference duration in microseconds")
        outputMicros = counter("nv_inference_compute_output_duration_us", "Cumulative inference compute output duration in microseconds")
        pending = registry.makeGauge(
            descriptor: ModelSeries.describe("nv_inference_pending_request_count", "Instantaneous number of pending requests awaiting execution"),
            labels: labels)
        requestSeconds = histogram("kiln_inference_request_duration_seconds", "Time from a request reaching the model's queue to its answer")
        queueSeconds = histogram("kiln_inference_queue_duration_seconds", "Time requests waited in the model's queue")
        computeSeconds = histogram("kiln_inference_compute_duration_seconds", "Time of the execution a request was part of")
        prepareSeconds = histogram("kiln_worker_prepare_duration_seconds", "Industry endpoints: decoding and pre-processing per request")
        finishSeconds = histogram("kiln_worker_finish_duration_seconds", "Industry endpoints: post-processing and answer per request")
        batchSize = registry.makeValueHistogram(
            descriptor: ModelSeries.describe("kiln_inference_batch_size", "Rows per model execution"), labels: labels,
            buckets: ModelSeries.batchBuckets)
    }

    /// A full metric name as it is (no namespace or unit appended), with its help text.
    static func describe(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    func succeeded(queueNanos: UInt64, computeNanos: UInt64, totalNanos: UInt64) {
        success.increment()
        requestMicros.increment(by: Int64(totalNanos / 1000))
        queueMicros.increment(by: Int64(queueNanos / 1000))
        requestSeconds.recordNanoseconds(Int64(totalNanos))
        queueSeconds.recordNanoseconds(Int64(queueNanos))
        computeSeconds.recordNanoseconds(Int64(computeNanos))
    }

    func failed(reason: String, nanos: UInt64) {
        let counter = failures.withLock { f in
            if let c = f[reason] { return c }
            let c = registry.makeCounter(
                descriptor: ModelSeries.describe("nv_inference_request_failure", "Number of failed inference requests, all batch sizes"),
                labels: labels + [("reason", reason)])
            f[reason] = c
            return c
        }
        counter.increment()
        requestMicros.increment(by: Int64(nanos / 1000))
    }

    func executed(size: Int, inputNanos: UInt64, inferNanos: UInt64, outputNanos: UInt64) {
        execCount.increment()
        count.increment(by: Int64(size))
        inputMicros.increment(by: Int64(inputNanos / 1000))
        inferMicros.increment(by: Int64(inferNanos / 1000))
        outputMicros.increment(by: Int64(outputNanos / 1000))
        batchSize.record(Double(size))
    }
}
