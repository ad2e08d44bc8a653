import Dispatch
import HTTPCore
import Logging
import Synchronization

/// The HTTP/1.1 server: a listening socket whose accept source hands connections to
/// event loops round-robin, a compute pool for CPU-bound handlers, and graceful shutdown.
public final class Server: @unchecked Sendable {
    public let configuration: ServerConfiguration
    let router: Router
    let logger: Logger
    let observer: ServerObserver?
    public let compute: ComputePool
    let deadlines: ConnectionStateMachine.Deadlines
    private let loops: [EventLoop]
    private let acceptQueue = DispatchQueue(label: "kiln.accept", qos: .userInitiated)
    private var listenFD: Int32 = -1
    private var acceptSource: DispatchSourceRead?
    private var acceptSuspended = false  // acceptQueue only
    private var nextLoop = 0
    private var nextConnectionID = 0
    private let openConnections = Atomic<Int>(0)
    private let shuttingDown = Atomic<Bool>(false)
    /// The port actually bound (useful with port 0).
    public private(set) var port: Int = 0

    /// `compute`: the pool for `.compute` handlers, shared with the caller's own work (the
    /// inference scheduler) so the two never oversubscribe the cores; nil builds one.
    public init(configuration: ServerConfiguration, router: Router, compute: ComputePool? = nil, logger: Logger, observer: ServerObserver? = nil) {
        self.configuration = configuration
        self.router = router
        self.logger = logger
        self.observer = observer
        let cores = System.coreCount
        self.compute = compute ?? ComputePool(threads: configuration.computeThreads > 0 ? configuration.computeThreads : cores)
        deadlines = configuration.timeouts.deadlines
        let prefix = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let loopCount = configuration.eventLoopThreads > 0 ? configuration.eventLoopThreads : cores
        loops = (0..<loopCount).map { EventLoop(index: $0, requestIDPrefix: prefix) }
    }

    public var connectionCount: Int { openConnections.load(ordering: .relaxed) }
    public var isShuttingDown: Bool { shuttingDown.load(ordering: .relaxed) }

    /// Binds and starts accepting. Throws a `SocketError` naming the failed call.
    public func start() throws(SocketError) {
        Socket.ignoreSIGPIPE()
        let (fd, boundPort) = try Socket.listen(host: configuration.host, port: configuration.port, backlog: configuration.backlog)
        listenFD = fd
        port = boundPort
        loops.forEach { $0.start() }
        let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: acceptQueue)
        source.setEventHandler { [unowned self] in acceptPending() }
        source.setCancelHandler { Socket.close(fd) }
        acceptSource = source
        source.resume()
    }

    private func acceptPending() {
        // Bounded per event so one busy listener cannot starve the limit check.
        for _ in 0..<64 {
            if openConnections.load(ordering: .relaxed) >= configuration.maxConnections {
                if !acceptSuspended {
                    acceptSuspended = true
                    acceptSource?.suspend()
                    logger.info("connection limit reached; accepting paused", metadata: ["max_connections": "\(configuration.maxConnections)"])
                }
                return
            }
            switch Socket.accept(listenFD) {
            case .accepted(let fd):
                openConnections.add(1, ordering: .relaxed)
                nextConnectionID += 1
                let loop = loops[nextLoop]
                nextLoop = (nextLoop + 1) % loops.count
                let connection = Connection(id: nextConnectionID, fd: fd, loop: loop, server: self)
                observer?.connectionOpened()
                loop.queue.async { connection.start() }
            case .wouldBlock:
                return
            case .failed(let error):
                // EMFILE and friends: log and retry on the next readiness event.
                logger.warning("accept failed", metadata: ["error": "\(error)"])
                return
            }
        }
    }

    /// Called by a connection once its descriptor is closed.
    func connectionClosed() {
        let remaining = openConnections.subtract(1, ordering: .relaxed).newValue
        observer?.connectionClosed()
        if remaining < configuration.maxConnections {
            acceptQueue.async { [self] in
                if acceptSuspended && !isShuttingDown {
                    acceptSuspended = false
                    acceptSource?.resume()
                }
            }
        }
    }

    /// Graceful shutdown: stop accepting, close idle connections, let in-flight requests
    /// finish (their responses say `Connection: close`), and call `completion` when every
    /// connection is gone or `grace` seconds have passed (then the rest are dropped).
    public func shutdown(grace: Double, completion: @escaping @Sendable (_ forced: Int) -> Void) {
        guard !shuttingDown.exchange(true, ordering: .relaxed) else { return }
        acceptQueue.sync {
            if acceptSuspended { acceptSource?.resume() }
            acceptSource?.cancel()
            acceptSource = nil
        }
        for loop in loops {
            loop.queue.async { for c in Array(loop.connections.values) { c.beginShutdown() } }
        }
        let deadline = Socket.monotonicNanos() + UInt64(max(0, grace) * 1e9)
        acceptQueue.async { self.pollShutdown(deadline: deadline, completion: completion) }
    }

    private func pollShutdown(deadline: UInt64, completion: @escaping @Sendable (Int) -> Void) {
        var forced = 0
        if openConnections.load(ordering: .relaxed) > 0 {
            guard Socket.monotonicNanos() >= deadline else {
                acceptQueue.asyncAfter(deadline: .now() + .milliseconds(20)) { self.pollShutdown(deadline: deadline, completion: completion) }
                return
            }
            forced = openConnections.load(ordering: .relaxed)
            for loop in loops { loop.queue.async { for c in Array(loop.connections.values) { c.closeNow() } } }
        }
        loops.forEach { loop in loop.queue.async { loop.stop() } }
        completion(forced)
    }
}
