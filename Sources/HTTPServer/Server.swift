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
    // acceptQueue only: the accept source is suspended while either pause holds.
    private var pausedAtLimit = false
    private var pausedAfterFailure = false
    private var acceptBackoff = AcceptBackoff()
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
        for loop in loops { try loop.start() }
        let fd: Int32, boundPort: Int
        do {
            (fd, boundPort) = try Socket.listen(host: configuration.host, port: configuration.port, backlog: configuration.backlog)
        } catch {
            loops.forEach { $0.stop() }
            throw error
        }
        listenFD = fd
        port = boundPort
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
                if !pausedAtLimit {
                    setAcceptPaused { pausedAtLimit = true }
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
                return acceptFailed(error)
            }
        }
    }

    /// EMFILE and friends leave the listener readable: pause instead of spinning, and
    /// log once per interval (`AcceptBackoff`). Waiting clients stay in the backlog.
    private func acceptFailed(_ error: SocketError) {
        if let count = acceptBackoff.failed(now: Socket.monotonicNanos()) {
            logger.warning(
                "accept failed; accepting paused briefly",
                metadata: ["error": "\(error)", "failures": .stringConvertible(count), "open_connections": .stringConvertible(connectionCount)])
        }
        setAcceptPaused { pausedAfterFailure = true }
        acceptQueue.asyncAfter(deadline: .now() + .nanoseconds(Int(AcceptBackoff.pauseNanos))) { [self] in
            setAcceptPaused { pausedAfterFailure = false }
        }
    }

    /// Applies a change to the pause flags, suspending or resuming the accept source when
    /// the change pauses or frees it (Dispatch counts suspensions, so each happens once).
    private func setAcceptPaused(_ change: () -> Void) {
        let wasPaused = pausedAtLimit || pausedAfterFailure
        change()
        let paused = pausedAtLimit || pausedAfterFailure
        guard let source = acceptSource, paused != wasPaused else { return }
        if paused { source.suspend() } else { source.resume() }
    }

    /// Called by a connection once its descriptor is closed: a descriptor and a slot are free.
    func connectionClosed() {
        let remaining = openConnections.subtract(1, ordering: .relaxed).newValue
        observer?.connectionClosed()
        if remaining < configuration.maxConnections {
            acceptQueue.async { [self] in
                guard !isShuttingDown else { return }
                setAcceptPaused {
                    pausedAtLimit = false
                    pausedAfterFailure = false
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
            setAcceptPaused {
                pausedAtLimit = false
                pausedAfterFailure = false
            }
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
