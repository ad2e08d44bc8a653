import HTTPCore
import Synchronization

/// What a handler receives: the parsed head, decoded path and query, path parameters,
/// the body with any Content-Encoding already undone, and the request id.
public struct ServerRequest: Sendable {
    public let head: HTTPRequestHead
    /// The percent-decoded path.
    public let path: String
    /// Query parameters in order, percent-decoded, "+" as space.
    public let query: [(name: String, value: String)]
    /// Values of `{name}` segments of the matched route pattern.
    public let parameters: [String: String]
    public let body: [UInt8]
    public let trailers: HTTPHeaders
    public let requestID: String
    /// Set when the client disconnects before the response is written, so queued work
    /// can be dropped instead of computed for nobody.
    public let cancellation: Cancellation

    public var method: HTTPMethod { head.method }
    public var headers: HTTPHeaders { head.headers }

    public init(
        head: HTTPRequestHead, path: String, query: [(name: String, value: String)] = [],
        parameters: [String: String] = [:], body: [UInt8] = [], trailers: HTTPHeaders = HTTPHeaders(),
        requestID: String = "", cancellation: Cancellation = Cancellation()
    ) {
        self.head = head
        self.path = path
        self.query = query
        self.parameters = parameters
        self.body = body
        self.trailers = trailers
        self.requestID = requestID
        self.cancellation = cancellation
    }

    /// The first value of a query parameter.
    public func queryValue(_ name: String) -> String? {
        query.first { $0.name == name }?.value
    }
}

/// A one-way flag raised when the client goes away.
public final class Cancellation: Sendable {
    private let flag = Atomic<Bool>(false)
    public init() {}
    /// Shared by inline requests, which finish before their client can be noticed leaving.
    static let never = Cancellation()
    public var isCancelled: Bool { flag.load(ordering: .relaxed) }
    public func cancel() { flag.store(true, ordering: .relaxed) }
}
