import CSystemShims
import Dispatch
import HTTPCore

/// One serial queue servicing a share of the connections: their readiness (one epoll
/// set, watched by one Dispatch source), a periodic deadline sweep, a read buffer and the
/// cached Date. Everything here is touched only on `queue`, so connections need no locks.
final class EventLoop: @unchecked Sendable {
    let index: Int
    let queue: DispatchQueue
    private(set) var connections: [Int: Connection] = [:]
    /// Read buffer shared by this loop's connections (they never run concurrently).
    let scratch: UnsafeMutableRawBufferPointer
    private var dateSecond = -1
    private var dateBytes: [UInt8] = []
    private var timer: DispatchSourceTimer?
    private(set) var readiness: ReadinessSet?
    private var readinessSource: DispatchSourceRead?
    private let reports = UnsafeMutableBufferPointer<kiln_epoll_report>.allocate(capacity: 256)
    private var requestCounter: UInt64 = 0
    private let requestIDPrefix: String

    /// How often deadlines are checked: timeouts fire up to this late.
    static let sweepInterval = DispatchTimeInterval.milliseconds(100)

    init(index: Int, requestIDPrefix: String) {
        self.index = index
        queue = DispatchQueue(label: "kiln.loop.\(index)", qos: .userInitiated)
        scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 64)
        self.requestIDPrefix = requestIDPrefix + String(index, radix: 16) + "-"
    }

    deinit {
        scratch.deallocate()
        reports.deallocate()
    }

    func start() throws(SocketError) {
        let set = try ReadinessSet()
        readiness = set
        let source = DispatchSource.makeReadSource(fileDescriptor: set.fd, queue: queue)
        source.setEventHandler { [unowned self] in drainReadiness() }
        source.setCancelHandler { set.close() }
        readinessSource = source
        source.resume()
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + EventLoop.sweepInterval, repeating: EventLoop.sweepInterval, leeway: .milliseconds(20))
        timer.setEventHandler { [unowned self] in sweep() }
        timer.resume()
        self.timer = timer
    }

    func stop() {
        timer?.cancel()
        timer = nil
        readinessSource?.cancel()
        readinessSource = nil
    }

    func add(_ connection: Connection) { connections[connection.id] = connection }
    func remove(_ connection: Connection) { connections[connection.id] = nil }

    /// Hands each ready connection its report. A report for a connection closed earlier
    /// in the same batch finds no entry (tokens are connection ids, never reused, unlike
    /// descriptor numbers) and is dropped. A few batches per wake-up at most, so the
    /// sweep and handler completions queued here interleave; level triggering reports
    /// whatever is left on the next wake-up.
    private func drainReadiness() {
        guard let readiness else { return }
        for _ in 0..<4 {
            let count = readiness.poll(into: reports)
            for i in 0..<count {
                let report = ReadinessSet.Report(token: Int(reports[i].token), events: reports[i].events)
                connections[report.token]?.handle(report)
            }
            if count < reports.count { return }
        }
    }

    /// The IMF-fixdate for the current second, formatted at most once a second.
    func date() -> [UInt8] {
        let now = Socket.unixSeconds()
        if now != dateSecond {
            dateSecond = now
            dateBytes = Array(HTTPDate.format(unixSeconds: now).utf8)
        }
        return dateBytes
    }

    /// A new request id unique in this process: boot prefix, loop, counter.
    func nextRequestID() -> String {
        requestCounter &+= 1
        return requestIDPrefix + String(requestCounter, radix: 16)
    }

    private func sweep() {
        let now = Socket.monotonicNanos()
        for connection in Array(connections.values) { connection.checkDeadlines(now: now) }
    }
}
