import TensorEngine

/// Execution plans of one model version by batch size. Batch 1 and the largest batch are
/// planned at load (which proves every size in between plans too: shapes only scale);
/// the sizes between are planned on first use, so memory follows the sizes really served.
/// All sizes share one arena pool sized for the largest, so intermediate memory is one arena
/// per execution running at once, whatever batch sizes come and go, and one set of prepared
/// (packed) weights.
///
/// At most `capacity` plans are kept: past that, the least recently used size other than 1
/// and the largest is dropped (and planned again if it comes back). A model with a large
/// `max_batch_size` (the fraud scorer's 4,096 rows) could otherwise keep a plan for every
/// size the batcher ever formed: ≈ 50 KB each for the shipped MLP, 12 MB after 256 sizes.
final class PlanCache: Sendable {
    /// Plans kept by default (every size of a model with `max_batch_size` up to this).
    static let defaultCapacity = 128

    let graph: GraphModel
    let threads: Int
    /// Largest rows one execution takes.
    let maxRows: Int
    let capacity: Int
    private let plans: Locked<Entries>
    private let arenas: ArenaPool
    private let prepared = PreparedWeights()

    /// Plans by rows, each with the tick of its last use.
    fileprivate struct Entries {
        var byRows: [Int: (plan: ExecutionPlan, used: UInt64)] = [:]
        var tick: UInt64 = 0
    }

    init(graph: GraphModel, maxRows: Int, threads: Int, capacity: Int = PlanCache.defaultCapacity) throws(EngineError) {
        self.graph = graph
        self.threads = threads
        self.maxRows = maxRows
        self.capacity = max(2, capacity)
        arenas = ArenaPool()
        let largest = try ExecutionPlan(model: graph, batch: maxRows, threads: threads, arenaPool: arenas, prepared: prepared)
        arenas.reserve(atLeast: largest.arenaBytes)
        var built = Entries()
        built.byRows[maxRows] = (largest, 0)
        if maxRows > 1 { built.byRows[1] = (try ExecutionPlan(model: graph, batch: 1, threads: threads, arenaPool: arenas, prepared: prepared), 0) }
        plans = Locked(built)
    }

    /// The plan for `rows` (1...maxRows), built now if this size was never run (or was
    /// dropped since).
    func plan(rows: Int) throws(EngineError) -> ExecutionPlan {
        if let p = plans.withLock({ $0.use(rows) }) { return p }
        let p = try ExecutionPlan(model: graph, batch: rows, threads: threads, arenaPool: arenas, prepared: prepared)
        return plans.withLock { cache in
            if let existing = cache.use(rows) { return existing }
            cache.tick += 1
            cache.byRows[rows] = (p, cache.tick)
            if cache.byRows.count > capacity, let stale = cache.leastRecent(keeping: [1, maxRows]) { cache.byRows[stale] = nil }
            return p
        }
    }

    /// Batch sizes with a plan now.
    var plannedSizes: [Int] { plans.withLock { $0.byRows.keys.sorted() } }

    /// The batch-1 plan: input and output shapes with the batch resolved.
    var unit: ExecutionPlan { plans.withLock { $0.byRows[1]!.plan } }
}

extension PlanCache.Entries {
    /// The plan for `rows`, marked as just used.
    mutating func use(_ rows: Int) -> ExecutionPlan? {
        guard let entry = byRows[rows] else { return nil }
        tick += 1
        byRows[rows] = (entry.plan, tick)
        return entry.plan
    }

    /// The size used longest ago, other than `pinned`.
    func leastRecent(keeping pinned: Set<Int>) -> Int? {
        byRows.filter { !pinned.contains($0.key) }.min { $0.value.used < $1.value.used }?.key
    }
}
