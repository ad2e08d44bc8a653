/// What the accept loop does when accept(2) fails (EMFILE, ENFILE, ENOBUFS, ...): the
/// listening socket stays readable, so retrying at once would spin a core and write a log
/// line per attempt. Instead accepting pauses for `pause` (or until a connection closes
/// and frees a descriptor), and failures are logged once per `logInterval` with a count of
/// those left unlogged in between. Pure: fed the monotonic time, no I/O.
struct AcceptBackoff {
    /// Pause after a failure: a wake-up rate of 10/s costs nothing measurable, and a
    /// closed connection resumes accepting sooner.
    static let pauseNanos: UInt64 = 100_000_000
    static let logIntervalNanos: UInt64 = 10_000_000_000

    private var lastLogged: UInt64?
    private var unlogged = 0

    /// Records a failure. Returns how many failures the log line to write now stands for
    /// (this one included), or nil when the line for this interval has been written.
    mutating func failed(now: UInt64) -> Int? {
        unlogged += 1
        if let last = lastLogged, now &- last < Self.logIntervalNanos { return nil }
        lastLogged = now
        defer { unlogged = 0 }
        return unlogged
    }
}
