import HTTPCore
import HTTPServer

/// `GET /metrics` in the Prometheus text exposition format 0.0.4.
enum MetricsRoute {
    static func register(in router: inout Router, metrics: ServerMetrics) {
        router.add(.get, "/metrics", .inline { _ in
            HTTPResponse(
                status: .ok, headers: ["Content-Type": "text/plain; version=0.0.4; charset=utf-8"],
                body: metrics.render())
        })
    }
}
