import Foundation
import HTTPServer
import Logging
import Prometheus
import TensorEngine

@testable import InferenceServer

/// A throw-away model repository on disk with a tiny linear model (Y = X·W + b, X of shape
/// [n, 4], Y of shape [n, 3]) whose weights depend on a `scale`, so versions differ.
struct TestRepository {
    let root: String

    init() throws {
        root = NSTemporaryDirectory() + "kiln-repo-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(atPath: root) }

    /// The weights of the model written with `scale`: W[k][j] = scale·(k + 1)·(j + 1), b[j] = j.
    static func expected(_ x: [Float], scale: Float) -> [Float] {
        (0..<3).map { j in (0..<4).reduce(Float(j)) { $0 + x[$1] * scale * Float($1 + 1) * Float(j + 1) } }
    }

    static func graph(scale: Float) -> GraphModel {
        let w = Tensor(shape: [4, 3], floats: (0..<4).flatMap { k in (0..<3).map { j in scale * Float(k + 1) * Float(j + 1) } })
        let b = Tensor(shape: [3], floats: [0, 1, 2])
        return GraphModel(
            metadata: ModelMetadata(name: "linear", labels: ["a", "b", "c"]),
            inputs: [ValueInfo(name: "x", dtype: .float32, shape: [-1, 4])],
            outputs: [ValueInfo(name: "y", dtype: .float32, shape: [-1, 3])],
            nodes: [GraphNode(name: "gemm", op: "Gemm", inputs: ["x", "w", "b"], outputs: ["y"])],
            initializers: ["w": w, "b": b])
    }

    func addModel(_ name: String, config: String? = nil) throws {
        try FileManager.default.createDirectory(atPath: root + "/" + name, withIntermediateDirectories: true)
        if let config { try config.write(toFile: root + "/\(name)/config.json", atomically: true, encoding: .utf8) }
    }

    func addVersion(_ name: String, _ version: Int, scale: Float) throws {
        let folder = "\(root)/\(name)/\(version)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try TestRepository.graph(scale: scale).write(to: folder + "/model.kiln")
    }

    /// Writes garbage where a version's model should be.
    func addCorruptVersion(_ name: String, _ version: Int) throws {
        let folder = "\(root)/\(name)/\(version)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data("KILN but not really a model".utf8).write(to: URL(fileURLWithPath: folder + "/model.kiln"))
    }

    func manager(mode: ModelManager.ControlMode = .explicit, pool: ComputePool) -> ModelManager {
        ModelManager(
            root: root, mode: mode,
            environment: .init(budget: CoreBudget(cores: 2), pool: pool, registry: PrometheusCollectorRegistry(), cores: 2),
            logger: Logger(label: "test"))
    }
}

/// Runs a job to completion and returns its result (tests only: blocks the caller).
func runJob(_ scheduler: BatchScheduler, _ job: (@escaping @Sendable (Result<JobResult, InferError>) -> Void) -> InferenceJob) throws(InferError) -> JobResult {
    let box = ResultBox()
    try scheduler.submit(job { box.set($0) })
    return try box.wait().get()
}

/// A result handed over between threads.
final class ResultBox: @unchecked Sendable {
    private let semaphore = DispatchSemaphore(value: 0)
    private var result: Result<JobResult, InferError>?

    func set(_ r: Result<JobResult, InferError>) {
        result = r
        semaphore.signal()
    }

    func wait(seconds: Double = 10) -> Result<JobResult, InferError> {
        guard semaphore.wait(timeout: .now() + seconds) == .success, let result else {
            return .failure(InferError(.internalError, "no answer within \(seconds) s"))
        }
        return result
    }
}
