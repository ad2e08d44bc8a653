import HTTPServer
import Prometheus
import TensorEngine
import Workers

/// One loaded, verified version of a model: its graph, a plan per batch size, and the
/// scheduler that serves it. Immutable once built; a reload builds a new one and swaps it
/// in, and the old one finishes what it queued before it is released.
public final class ServedVersion: Sendable {
    public let name: String
    public let version: Int
    public let config: ModelConfig
    public let metadata: ModelMetadata
    /// Graph inputs and outputs as declared (-1 for a dynamic batch dimension).
    public let inputs: [ValueInfo]
    public let outputs: [ValueInfo]
    /// Whether requests may carry several rows and be stacked with others.
    public let batchable: Bool
    public let scheduler: BatchScheduler
    public let stats: ModelStats
    /// The industry service's pre- and post-processing (nil for `generic` models).
    public let worker: (any Worker)?
    let stamp: RepositoryScanner.Stamp

    /// Dependencies every version shares: the core budget, the compute pool, metrics.
    public struct Environment: Sendable {
        public var budget: CoreBudget
        public var pool: ComputePool
        public var registry: PrometheusCollectorRegistry
        public var cores: Int
    }

    /// Opens and verifies `path` (checksums, graph) and plans it for every batch size.
    init(name: String, version: Int, path: String, config: ModelConfig, stamp: RepositoryScanner.Stamp, environment env: Environment) throws(RepositoryError) {
        let graph: GraphModel
        do {
            graph = try GraphModel(file: try KilnFile.open(path: path))
        } catch {
            throw RepositoryError(model: name, "version \(version): \(error)")
        }
        self.name = name
        self.version = version
        self.config = config
        self.stamp = stamp
        metadata = graph.metadata
        inputs = graph.inputs
        outputs = graph.outputs
        batchable = !graph.inputs.isEmpty && graph.inputs.allSatisfy(\.hasDynamicBatch)
        let threads = config.threads == 0 ? env.cores : min(config.threads, env.cores)
        let plans: PlanCache
        do {
            plans = try PlanCache(graph: graph, maxRows: batchable ? config.maxBatchSize : 1, threads: threads)
        } catch {
            throw RepositoryError(model: name, "version \(version): cannot plan it: \(error)")
        }
        let folder = String(path.split(separator: "/", omittingEmptySubsequences: false).dropLast(2).joined(separator: "/"))
        do {
            worker = try WorkerFactory.make(
                kind: config.kind,
                model: WorkerModel(
                    name: name, version: version, inputs: graph.inputs, outputs: graph.outputs, maxRows: plans.maxRows,
                    folder: folder, parameters: config.parameters))
        } catch {
            throw RepositoryError(model: name, "version \(version): \(config.kind) worker: \(error)")
        }
        stats = ModelStats(model: name, version: String(version), registry: env.registry)
        scheduler = BatchScheduler(
            model: name, config: config, plans: plans, budget: env.budget, pool: env.pool, stats: stats)
    }

    /// The plan for one row: shapes with the batch dimension resolved to 1.
    var unitPlan: ExecutionPlan { scheduler.plans.unit }
}
