import HTTPCore

/// Hooks the application uses to count what the server does (metrics). Called on
/// event-loop threads: implementations must be cheap and thread-safe.
public protocol ServerObserver: Sendable {
    func connectionOpened()
    func connectionClosed()
    func requestCompleted(_ record: RequestRecord)
}

/// One finished exchange, as the access log and metrics see it.
public struct RequestRecord: Sendable {
    public var method: HTTPMethod
    public var path: String
    public var status: Int
    public var bytesIn: Int
    public var bytesOut: Int
    public var durationNanos: UInt64
    public var requestID: String
}
