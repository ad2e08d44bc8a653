import Dispatch
import Foundation
import HTTPCore
import HTTPServer
import Logging

/// The running Kiln service: builds the router from the configuration, owns the server,
/// readiness and metrics, and turns SIGTERM/SIGINT into a graceful shutdown.
public final class Application: @unchecked Sendable {
    public let configuration: AppConfiguration
    public let health = Health()
    public let metrics = ServerMetrics()
    public let server: Server
    private let logger: Logger
    private var signalPipe: SignalPipe?

    public init(configuration: AppConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        var router = Router()
        health.register(in: &router)
        MetricsRoute.register(in: &router, metrics: metrics)
        if configuration.debugRoutes { DebugRoutes.register(in: &router) }
        server = Server(configuration: configuration.server, router: router, logger: logger, observer: metrics)
    }

    /// Binds, reports readiness, and serves until a signal ends the process (exit 0 after
    /// a graceful drain). Never returns.
    public func run() throws -> Never {
        // Handlers first: a signal arriving right after "listening" must not be lost.
        installSignalHandlers()
        try start()
        dispatchMain()
    }

    /// Binds and starts serving without blocking (tests and `run`).
    public func start() throws {
        try server.start()
        health.setReady(true)
        logger.info(
            "listening",
            metadata: [
                "host": "\(configuration.host)", "port": .stringConvertible(server.port),
                "event_loops": .stringConvertible(configuration.server.eventLoopThreads > 0 ? configuration.eventLoopThreads : System.coreCount),
                "compute_threads": .stringConvertible(server.compute.size),
            ])
    }

    /// Readiness fails at once so load balancers stop sending; in-flight work finishes.
    public func shutdown(completion: @escaping @Sendable (_ forced: Int) -> Void) {
        health.setReady(false)
        logger.info("shutting down", metadata: ["grace_seconds": .stringConvertible(configuration.shutdownGraceSeconds)])
        server.shutdown(grace: configuration.shutdownGraceSeconds, completion: completion)
    }

    private func installSignalHandlers() {
        do {
            signalPipe = try SignalPipe(signals: [SIGTERM, SIGINT], queue: .main) { [self] sig in
                if server.isShuttingDown {
                    logger.warning("second signal: exiting without waiting")
                    exit(1)
                }
                logger.info("signal received", metadata: ["signal": "\(sig == SIGTERM ? "SIGTERM" : "SIGINT")"])
                shutdown { [logger] forced in
                    if forced > 0 {
                        logger.warning("grace period over: connections dropped", metadata: ["connections": .stringConvertible(forced)])
                    }
                    logger.info("stopped")
                    exit(0)
                }
            }
        } catch {
            logger.critical("cannot install signal handlers", metadata: ["error": "\(error)"])
            exit(1)
        }
    }
}
