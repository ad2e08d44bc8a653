import Foundation

/// Weights a plan prepares at load (a convolution's packed kernel, a Gemm's packed operand),
/// kept by node so that plans of the same model at other batch sizes reuse them instead of
/// packing their own copy: what they hold depends on the node and its per-sample shapes,
/// never on the batch. A server gives one to every plan of a model version.
public final class PreparedWeights: @unchecked Sendable {
    // Values are kernels and packed operands: immutable once made, read by any plan's runs.
    private let lock = NSLock()
    private var entries: [String: Any] = [:]

    public init() {}

    /// The value stored under `key`, made by `make` the first time (outside the lock: two
    /// plans built at once may both make it; the first stored wins).
    func shared<T>(_ key: String, _ make: () -> T) -> T {
        if let hit = lock.withLock({ entries[key] }) as? T { return hit }
        let made = make()
        return lock.withLock {
            if let existing = entries[key] as? T { return existing }
            entries[key] = made
            return made
        }
    }

    /// Entries held (for tests).
    var count: Int { lock.withLock { entries.count } }
}
