import HTTPCore
import HTTPServer
import Synchronization

/// Liveness and readiness in both the KServe V2 form (`/v2/health/*`, which tritonclient
/// and KServe's client read as `{"live": true}` / `{"ready": true}`) and the Kubernetes
/// convention (`/healthz`, `/readyz`). They run inline on the event loop: liveness then
/// proves the loop is turning, and they never queue behind inference.
public final class Health: Sendable {
    private let ready = Atomic<Bool>(false)
    /// What else readiness needs (every model loaded); checked on each probe.
    private let condition: @Sendable () -> Bool

    public init(condition: @escaping @Sendable () -> Bool = { true }) { self.condition = condition }

    public var isReady: Bool { ready.load(ordering: .relaxed) && condition() }
    public func setReady(_ value: Bool) { ready.store(value, ordering: .relaxed) }

    private static let live = HTTPResponse.json(#"{"live":true}"#)
    private static let isReady = HTTPResponse.json(#"{"ready":true}"#)
    private static let notReady = HTTPResponse.json(#"{"ready":false}"#, status: .serviceUnavailable)
    private static let healthz = HTTPResponse.json(#"{"status":"ok"}"#)
    private static let readyz = HTTPResponse.json(#"{"status":"ready"}"#)
    private static let notReadyz = HTTPResponse.json(#"{"status":"not ready"}"#, status: .serviceUnavailable)

    public func register(in router: inout Router) {
        router.add(.get, "/v2/health/live", .inline { _ in Health.live })
        router.add(.get, "/healthz", .inline { _ in Health.healthz })
        router.add(.get, "/v2/health/ready", .inline { [self] _ in isReady ? Health.isReady : Health.notReady })
        router.add(.get, "/readyz", .inline { [self] _ in isReady ? Health.readyz : Health.notReadyz })
    }
}
