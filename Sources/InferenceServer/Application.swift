import CSystemShims
import Dispatch
import Foundation
import HTTPCore
import HTTPServer
import Logging
import Synchronization
import TensorEngine

/// The running Kiln service: builds the router from the configuration, owns the server,
/// the model repository, readiness and metrics, and turns SIGTERM/SIGINT into a graceful
/// shutdown (SIGTERM first drains: readiness fails while requests are still served).
public final class Application: @unchecked Sendable {
    public let configuration: AppConfiguration
    public let health: Health
    public let metrics = ServerMetrics()
    public let server: Server
    public let models: ModelManager
    private let logger: Logger
    private var signalPipe: SignalPipe?
    private let stopping = Atomic<Bool>(false)

    public init(configuration: AppConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        let cores = System.coreCount
        // Executions hold core tokens for their engine threads (the engine's own workers);
        // OpenBLAS is pinned to one thread by the engine, so nothing else adds threads.
        let pool = ComputePool(threads: configuration.computeThreads > 0 ? configuration.computeThreads : cores)
        models = ModelManager(
            root: configuration.models, mode: ModelManager.ControlMode(rawValue: configuration.modelControlMode) ?? .poll,
            environment: .init(budget: CoreBudget(cores: cores), pool: pool, registry: metrics.registry, cores: cores),
            logger: logger)
        health = Health(condition: { [models] in models.allReady })
        var router = Router()
        health.register(in: &router)
        MetricsRoute.register(in: &router, metrics: metrics)
        ModelRoutes.register(in: &router, manager: models)
        InferRoute.register(in: &router, manager: models, pool: pool)
        RepositoryRoutes.register(in: &router, manager: models)
        StatsRoutes.register(in: &router, manager: models)
        ServiceRoutes.register(in: &router, manager: models, pool: pool)
        if configuration.debugRoutes { DebugRoutes.register(in: &router) }
        server = Server(configuration: configuration.server, router: router, compute: pool, logger: logger, observer: metrics)
    }

    /// Binds, loads the repository, reports readiness, and serves until a signal ends the
    /// process (exit 0 after a graceful drain). Never returns.
    public func run() throws -> Never {
        // Handlers first: a signal arriving right after "listening" must not be lost.
        installSignalHandlers()
        if !Self.keepFreedMemory() {
            logger.warning("malloc settings refused: large request buffers will be mapped and zeroed per request")
        }
        try start()
        dispatchMain()
    }

    /// The server's malloc settings (false when glibc refuses one). A 1.5 MB JSON body, its
    /// tensor and the plan's arena per request: reuse freed memory instead of faulting in
    /// (and zeroing) fresh pages each time. Measured on the serving benchmark: page zeroing
    /// was 8 % of the server's CPU time. (32 MiB is glibc's ceiling for the mmap threshold:
    /// a larger value is refused, and a refused setting once passed unnoticed for a whole
    /// session.) One malloc arena per core: with glibc's default (up to 8 per core) each kept
    /// its own copy of the freed request buffers; on the serving benchmark's load the peak
    /// resident memory with batching on went 283–288 → 199–206 MB, req/s unchanged.
    public static func keepFreedMemory() -> Bool {
        kiln_keep_freed_memory(32 << 20, 512 << 20, Int32(max(2, System.coreCount))) != 0
    }

    /// Binds and starts serving without blocking, then loads every model in the
    /// background: liveness answers at once, readiness once the models are in.
    public func start() throws {
        try server.start()
        logger.info(
            "listening",
            metadata: [
                "host": "\(configuration.host)", "port": .stringConvertible(server.port),
                "event_loops": .stringConvertible(configuration.server.eventLoopThreads > 0 ? configuration.eventLoopThreads : System.coreCount),
                "compute_threads": .stringConvertible(server.compute.size),
                "blas_core": "\(GEMMKernel.coreName)", "engine_isa": "\(CPUSupport.builtForAVX2 ? "x86-64-v3 (AVX2+FMA)" : "x86-64 (portable)")",
                "models": "\(configuration.models)", "model_control_mode": "\(models.mode.rawValue)",
            ])
        DispatchQueue.global().async { [self] in
            do {
                let problems = try models.loadAll()
                logger.info(
                    problems.isEmpty ? "models loaded" : "models loaded with errors",
                    metadata: ["ready": "\(models.readyModels)", "failed": "\(problems.map(\.model))"])
            } catch {
                logger.error("cannot load the model repository", metadata: ["error": "\(error)"])
            }
            health.setReady(true)
            models.startPolling(every: configuration.repositoryPollSeconds)
        }
    }

    /// Readiness fails at once so load balancers stop sending; for `drain` seconds requests
    /// are still served, then the listener closes and in-flight work finishes.
    public func shutdown(drain: Double = 0, completion: @escaping @Sendable (_ forced: Int) -> Void) {
        health.setReady(false)
        logger.info(
            "shutting down",
            metadata: ["drain_seconds": .stringConvertible(drain), "grace_seconds": .stringConvertible(configuration.shutdownGraceSeconds)])
        DispatchQueue.global().asyncAfter(deadline: .now() + drain) { [self] in
            server.shutdown(grace: configuration.shutdownGraceSeconds, completion: completion)
        }
    }

    /// Ends the process without running C exit handlers. The drain is over by then; but a
    /// model may still be loading on another thread, and `exit` would run OpenBLAS's
    /// destructor under its feet (a SIGTERM during start-up crashed that way).
    static func exitNow(_ code: Int32) -> Never {
        fflush(nil)  // every open output stream
        _exit(code)
    }

    private func installSignalHandlers() {
        do {
            signalPipe = try SignalPipe(signals: [SIGTERM, SIGINT], queue: .main) { [self] sig in
                if stopping.exchange(true, ordering: .relaxed) {
                    logger.warning("second signal: exiting without waiting")
                    Application.exitNow(1)
                }
                logger.info("signal received", metadata: ["signal": "\(sig == SIGTERM ? "SIGTERM" : "SIGINT")"])
                // Ctrl-C at a terminal has no load balancer to drain from.
                shutdown(drain: sig == SIGTERM ? configuration.drainSeconds : 0) { [logger] forced in
                    if forced > 0 {
                        logger.warning("grace period over: connections dropped", metadata: ["connections": .stringConvertible(forced)])
                    }
                    logger.info("stopped")
                    Application.exitNow(0)
                }
            }
        } catch {
            logger.critical("cannot install signal handlers", metadata: ["error": "\(error)"])
            exit(1)
        }
    }
}
