import HTTPServer
import Prometheus

/// The HTTP-level Prometheus metrics (docs/metrics.md), fed by the server's observer
/// hooks. swift-prometheus renders each metric's label text once at registration, so
/// recording is a few atomic adds on the request path.
public final class ServerMetrics: ServerObserver, Sendable {
    public let registry: PrometheusCollectorRegistry
    private let connectionsOpen: Gauge
    private let connectionsTotal: Counter
    /// Index 0 holds 1xx, …, 4 holds 5xx.
    private let requestsByClass: [Counter]
    private let duration: DurationHistogram
    private let bytesIn: Counter
    private let bytesOut: Counter

    /// Request duration buckets, from 50 µs (a health check) to 30 s (a slow inference).
    static let durationBuckets: [Duration] = [
        .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1),
        .milliseconds(2.5), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5),
        .seconds(10), .seconds(30),
    ]

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(namespace: "kiln", subsystem: "http", metricName: metric, unitName: unit, helpText: help)
        }
        connectionsOpen = registry.makeGauge(descriptor: name("connections", "open", "Client connections currently open."))
        connectionsTotal = registry.makeCounter(descriptor: name("connections", "total", "Client connections accepted since start."))
        requestsByClass = (1...5).map {
            registry.makeCounter(
                descriptor: name("requests", "total", "HTTP requests answered, by status class."), labels: [("class", "\($0)xx")])
        }
        duration = registry.makeDurationHistogram(
            descriptor: name("request_duration", "seconds", "Time from a request's first parsed byte to its response being queued."),
            buckets: ServerMetrics.durationBuckets)
        bytesIn = registry.makeCounter(descriptor: name("received_bytes", "total", "Request bytes received (heads and bodies)."))
        bytesOut = registry.makeCounter(descriptor: name("sent_bytes", "total", "Response bytes queued for sending."))
    }

    public func connectionOpened() {
        connectionsOpen.increment()
        connectionsTotal.increment()
    }

    public func connectionClosed() { connectionsOpen.decrement() }

    public func requestCompleted(_ record: RequestRecord) {
        let index = min(max(record.status / 100, 1), 5) - 1
        requestsByClass[index].increment()
        duration.recordNanoseconds(Int64(record.durationNanos))
        bytesIn.increment(by: Int64(record.bytesIn))
        bytesOut.increment(by: Int64(record.bytesOut))
    }

    /// The exposition text: registry metrics followed by the process metrics.
    public func render() -> [UInt8] {
        var out = registry.emitToBuffer()
        out.append(contentsOf: ProcessMetrics.render().utf8)
        return out
    }
}
