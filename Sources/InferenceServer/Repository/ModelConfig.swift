import Workers
/// A model's serving settings, read from `models/<name>/config.json` (docs/models.md):
/// which worker serves it, how requests are batched and queued, how many executions run
/// at once, and which versions are served. Worker-specific settings (thresholds, labels)
/// stay as free `parameters` for the worker to read.
public struct ModelConfig: Sendable, Equatable {
    /// Worker kinds. `generic` serves the model through the V2 API only.
    public static let kinds = ["generic", "defect_detection", "fraud_scoring", "recommendation", "medical_triage"]

    public var name: String
    public var kind = "generic"
    /// Largest batch (rows along the first dimension) one execution takes. 1 disables batching.
    public var maxBatchSize = 8
    public var dynamicBatching = DynamicBatching()
    /// Requests (not rows) waiting beyond this are refused at once with 503 + Retry-After.
    public var maxQueueSize = 64
    /// Executions of this model that may run at the same time.
    public var instanceCount = 1
    /// Engine threads per execution; 0 means one per core.
    public var threads = 0
    public var versionPolicy = VersionPolicy.latest(1)
    /// A default per-request timeout in microseconds (0: none); a request's own V2
    /// `timeout` parameter overrides it.
    public var defaultTimeoutMicroseconds = 0
    /// Free settings for the worker (thresholds, labels, feature specs).
    public var parameters: [String: JSONValue] = [:]

    public init(name: String) { self.name = name }

    /// How requests are grouped into executions.
    public struct DynamicBatching: Sendable, Equatable {
        public var enabled = true
        /// Batch sizes worth dispatching as soon as they are reached.
        public var preferredBatchSizes: [Int] = []
        /// How long the oldest queued request may wait for company, in microseconds.
        public var maxQueueDelayMicroseconds = 500
        /// Dispatch at once when no execution of the model is running: batches then form
        /// from what queues up during an execution, and a lone request never waits out
        /// the delay (Triton always waits it out; set false for that behaviour).
        public var dispatchWhenIdle = true
        public init() {}
    }
}

/// Which version folders are served (Triton's `version_policy`).
public enum VersionPolicy: Sendable, Equatable {
    /// The N highest-numbered versions.
    case latest(Int)
    /// Every version present.
    case all
    /// Exactly these versions (those present).
    case specific([Int])

    /// The versions to serve out of those present, highest first.
    public func select(from available: [Int]) -> [Int] {
        let sorted = available.sorted(by: >)
        switch self {
        case .latest(let n): return Array(sorted.prefix(n))
        case .all: return sorted
        case .specific(let wanted): return sorted.filter { wanted.contains($0) }
        }
    }
}
