import Dispatch
import HTTPCore

/// One serial queue servicing a share of the connections: their read/write sources, a
/// periodic deadline sweep, a read buffer and the cached Date. Everything here is
/// touched only on `queue`, so connections need no locks.
final class EventLoop: @unchecked Sendable {
    let index: Int
    let queue: DispatchQueue
    private(set) var connections: [Int: Connection] = [:]
    /// Read buffer shared by this loop's connections (they never run concurrently).
    let scratch: UnsafeMutableRawBufferPointer
    private var dateSecond = -1
    private var dateBytes: [UInt8] = []
    private var timer: DispatchSourceTimer?
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

    func start() {
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + EventLoop.sweepInterval, repeating: EventLoop.sweepInterval, leeway: .milliseconds(20))
        timer.setEventHandler { [unowned self] in sweep() }
        timer.resume()
        self.timer = timer
    }

    func stop() {
        timer?.cancel()
        timer = nil
    }

    func add(_ connection: Connection) { connections[connection.id] = connection }
    func remove(_ connection: Connection) { connections[connection.id] = nil }

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
