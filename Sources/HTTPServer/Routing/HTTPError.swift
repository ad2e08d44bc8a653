import HTTPCore

/// An error a handler throws to choose its response: rendered as `{"error": "..."}`
/// with this status. Any other thrown error becomes a 500 and is logged.
public struct HTTPError: Error, Sendable, CustomStringConvertible {
    public var status: HTTPStatus
    public var message: String
    public var headers: HTTPHeaders

    public init(_ status: HTTPStatus, _ message: String, headers: HTTPHeaders = HTTPHeaders()) {
        self.status = status
        self.message = message
        self.headers = headers
    }

    public var description: String { "\(status.code): \(message)" }

    public var response: HTTPResponse {
        var response = HTTPResponse.error(status, message)
        for field in headers { response.headers.add(name: field.name, value: field.value) }
        return response
    }
}
