import Foundation
import HTTPServer
import Prometheus
import TensorEngine
import Workers

/// Where an industry request's time goes, without HTTP: the model folder's worker prepares
/// a sample body (decode and pre-processing), the model runs the prepared rows, the worker
/// writes the answer; each stage timed on its own, in one thread, after a warm-up. The same
/// stages as the server's `worker_stats` and `compute_infer`, minus queueing and sockets.
public enum ServiceBenchmark {
    /// Per-stage percentiles in milliseconds, and the share of the stages' mean total
    /// spent outside the model (prepare + finish).
    public struct Result: Sendable {
        public var rows: Int
        public var prepare: Percentiles
        public var model: Percentiles
        public var finish: Percentiles
        public var outsideShare: Double
    }

    /// p50, p99 and mean of one stage, in milliseconds.
    public struct Percentiles: Sendable {
        public var p50: Double
        public var p99: Double
        public var mean: Double

        init(_ nanos: [UInt64]) {
            let sorted = nanos.sorted()
            p50 = Double(PlanBenchmark.percentile(sorted, 0.5)) / 1e6
            p99 = Double(PlanBenchmark.percentile(sorted, 0.99)) / 1e6
            mean = Double(sorted.reduce(0, +)) / Double(sorted.count) / 1e6
        }
    }

    /// A model folder loaded as the server loads it (a `ServedVersion`): `config.json`, the
    /// highest version its policy selects, its plans and the worker of its `kind`, with
    /// `threads` standing for the server's cores.
    public struct Service: Sendable {
        public let name: String
        public let version: Int
        let worker: any Worker
        let plans: PlanCache

        public init(folder: String, threads: Int) throws(RepositoryError) {
            let trimmed = folder.hasSuffix("/") ? String(folder.dropLast()) : folder
            let root = trimmed.contains("/") ? String(trimmed[..<trimmed.lastIndex(of: "/")!]) : "."
            let name = String(trimmed.split(separator: "/").last ?? Substring(trimmed))
            guard let source = try RepositoryScanner.scan(root: root, model: name) else {
                throw RepositoryError(model: name, "'\(folder)' is not a model folder")
            }
            guard source.config != nil, let data = FileManager.default.contents(atPath: trimmed + "/" + RepositoryScanner.configFile) else {
                throw RepositoryError(model: name, "no config.json in '\(folder)': a service benchmark needs the model's kind and parameters")
            }
            let config = try ModelConfig.parse(Array(data), folderName: name)
            guard let v = config.versionPolicy.select(from: Array(source.versions.keys)).max(), let stamp = source.versions[v] else {
                throw RepositoryError(model: name, "no version folder with a model.kiln")
            }
            let environment = ServedVersion.Environment(
                budget: CoreBudget(cores: threads), pool: ComputePool(threads: 1), registry: PrometheusCollectorRegistry(), cores: threads)
            let served = try ServedVersion(
                name: name, version: v, path: "\(trimmed)/\(v)/\(RepositoryScanner.modelFile)", config: config, stamp: stamp,
                environment: environment)
            guard let worker = served.worker else {
                throw RepositoryError(model: name, "a \(config.kind) model has no worker to benchmark; use `kiln bench` on its .kiln file")
            }
            self.name = name
            version = v
            self.worker = worker
            plans = served.scheduler.plans
        }
    }

    /// Times `iterations` requests with `body` after `warmup` untimed ones. A body the worker
    /// refuses fails here with the message (and status) a client would get.
    public static func run(
        _ service: Service, body: [UInt8], contentType: String?, iterations: Int, warmup: Int = 20
    ) throws -> Result {
        let request = WorkerRequest(body: body, contentType: contentType)
        var prepare: [UInt64] = [], model: [UInt64] = [], finish: [UInt64] = []
        var rows = 0
        for i in 0..<(warmup + max(1, iterations)) {
            let t0 = Clock.nanos()
            let prepared: PreparedRequest
            do throws(WorkerError) {
                prepared = try service.worker.prepare(request)
            } catch {
                throw RepositoryError(model: service.name, "the sample is refused (\(error.status)): \(error)")
            }
            guard prepared.rows <= service.plans.maxRows else {
                throw RepositoryError(model: service.name, "the sample needs \(prepared.rows) rows; the model takes at most \(service.plans.maxRows)")
            }
            let t1 = Clock.nanos()
            let outputs = try service.plans.plan(rows: prepared.rows).run(prepared.inputs)
            let t2 = Clock.nanos()
            _ = try service.worker.finish(prepared, outputs: outputs)
            let t3 = Clock.nanos()
            rows = prepared.rows
            guard i >= warmup else { continue }
            prepare.append(t1 - t0)
            model.append(t2 - t1)
            finish.append(t3 - t2)
        }
        let p = Percentiles(prepare), m = Percentiles(model), f = Percentiles(finish)
        return Result(rows: rows, prepare: p, model: m, finish: f, outsideShare: (p.mean + f.mean) / (p.mean + m.mean + f.mean))
    }
}
