import HTTPCore
import HTTPServer

/// Why an inference request failed, with Triton's HTTP status mapping: bad input 400,
/// unknown model 404, not ready / queue full / expired 503, unsupported 501, our bug 500.
/// The `reason` is the `reason` label of `nv_inference_request_failure`.
public struct InferError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case badInput = "BAD_INPUT"
        case notFound = "NOT_FOUND"
        case unavailable = "UNAVAILABLE"
        case queueFull = "QUEUE_FULL"
        case timeout = "TIMEOUT"
        case cancelled = "CANCELLED"
        case unsupported = "UNSUPPORTED"
        case internalError = "INTERNAL"
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    public var status: HTTPStatus {
        switch kind {
        case .badInput: .badRequest
        case .notFound: .notFound
        case .unavailable, .queueFull, .timeout: .serviceUnavailable
        // nginx's 499: the client left, nobody reads this answer.
        case .cancelled: HTTPStatus(code: 499, reason: "Client Closed Request")
        case .unsupported: .notImplemented
        case .internalError: .internalServerError
        }
    }

    /// The `{"error": ...}` response; a full queue adds `Retry-After` (RFC 9110 §10.2.3).
    public var response: HTTPResponse {
        var r = HTTPResponse.error(status, message)
        if kind == .queueFull || kind == .unavailable { r.headers.add(name: "Retry-After", value: "1") }
        return r
    }

    public var httpError: HTTPError {
        let r = response
        return HTTPError(status, message, headers: r.headers.contains("Retry-After") ? ["Retry-After": "1"] : HTTPHeaders())
    }
}
