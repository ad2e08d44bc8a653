import Synchronization
import TensorEngine

/// Execution plans of one model version by batch size. Batch 1 and the largest batch are
/// planned at load (which proves every size in between plans too: shapes only scale);
/// the sizes between are planned on first use, so memory follows the sizes really served.
/// All sizes share one arena pool sized for the largest, so intermediate memory is one arena
/// per execution running at once, whatever batch sizes come and go, and one set of prepared
/// (packed) weights.
final class PlanCache: Sendable {
    let graph: GraphModel
    let threads: Int
    /// Largest rows one execution takes.
    let maxRows: Int
    private let plans: Mutex<[Int: ExecutionPlan]>
    private let arenas: ArenaPool
    private let prepared = PreparedWeights()

    init(graph: GraphModel, maxRows: Int, threads: Int) throws(EngineError) {
        self.graph = graph
        self.threads = threads
        self.maxRows = maxRows
        arenas = ArenaPool()
        let largest = try ExecutionPlan(model: graph, batch: maxRows, threads: threads, arenaPool: arenas, prepared: prepared)
        arenas.reserve(atLeast: largest.arenaBytes)
        var built: [Int: ExecutionPlan] = [maxRows: largest]
        if maxRows > 1 { built[1] = try ExecutionPlan(model: graph, batch: 1, threads: threads, arenaPool: arenas, prepared: prepared) }
        plans = Mutex(built)
    }

    /// The plan for `rows` (1...maxRows), built now if this size was never run.
    func plan(rows: Int) throws(EngineError) -> ExecutionPlan {
        if let p = plans.withLock({ $0[rows] }) { return p }
        let p = try ExecutionPlan(model: graph, batch: rows, threads: threads, arenaPool: arenas, prepared: prepared)
        return plans.withLock { cache in
            if let existing = cache[rows] { return existing }
            cache[rows] = p
            return p
        }
    }

    /// The batch-1 plan: input and output shapes with the batch resolved.
    var unit: ExecutionPlan { plans.withLock { $0[1]! } }
}
