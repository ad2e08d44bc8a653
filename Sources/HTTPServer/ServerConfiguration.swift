import HTTPCore

/// Everything the HTTP server needs to know, with defaults in `init` (Go's and
/// Hummingbird's habit: the config file only overrides).
public struct ServerConfiguration: Sendable {
    /// Address to bind; "0.0.0.0" for every IPv4 interface, "::" for IPv6. Default "0.0.0.0".
    public var host: String
    /// TCP port; 0 picks a free one (the bound port is reported by `Server.port`). Default 8000.
    public var port: Int
    /// listen(2) backlog: connections waiting while we are at `maxConnections`. Default 1024.
    public var backlog: Int32
    /// Serial event-loop queues that service sockets. 0 means one per core. Default 0.
    public var eventLoopThreads: Int
    /// Threads for CPU-bound handlers; never the socket threads. 0 means one per core. Default 0.
    public var computeThreads: Int
    /// Open connections at most; above it the server stops accepting (the rest wait in
    /// the kernel backlog) and keeps serving the open ones. Default 1024.
    public var maxConnections: Int
    public var limits: HTTPLimits
    public var timeouts: Timeouts
    /// Smallest response body worth gzipping when the client accepts it. Default 1024 bytes.
    public var gzipMinBytes: Int
    /// Log one line per request at info level. Default true.
    public var accessLog: Bool

    /// The four deadlines (Go's split: header, body, write, idle), in seconds.
    public struct Timeouts: Sendable, Equatable {
        /// From the first byte of a request to the end of its head. Past it: 408 and close. Default 10 s.
        public var header: Double
        /// Longest pause between body bytes. Past it: 408 and close. Default 30 s.
        public var body: Double
        /// How long an idle keep-alive connection is kept. Default 75 s: above the 60 s idle
        /// timeout of common load balancers (AWS ALB, GCP), so they close first and never
        /// reuse a socket we have just closed (which they would answer with 502).
        public var keepAlive: Double
        /// Longest stall while writing a response to a client that stopped reading. Past it
        /// the connection is dropped. Default 30 s.
        public var write: Double

        public init(header: Double = 10, body: Double = 30, keepAlive: Double = 75, write: Double = 30) {
            self.header = header
            self.body = body
            self.keepAlive = keepAlive
            self.write = write
        }

        var deadlines: ConnectionStateMachine.Deadlines {
            func ns(_ s: Double) -> UInt64 { UInt64((s * 1e9).rounded()) }
            return .init(header: ns(header), body: ns(body), keepAlive: ns(keepAlive), write: ns(write))
        }
    }

    public init(
        host: String = "0.0.0.0", port: Int = 8000, backlog: Int32 = 1024, eventLoopThreads: Int = 0,
        computeThreads: Int = 0, maxConnections: Int = 1024, limits: HTTPLimits = HTTPLimits(),
        timeouts: Timeouts = Timeouts(), gzipMinBytes: Int = 1024, accessLog: Bool = true
    ) {
        self.host = host
        self.port = port
        self.backlog = backlog
        self.eventLoopThreads = eventLoopThreads
        self.computeThreads = computeThreads
        self.maxConnections = maxConnections
        self.limits = limits
        self.timeouts = timeouts
        self.gzipMinBytes = gzipMinBytes
        self.accessLog = accessLog
    }
}
