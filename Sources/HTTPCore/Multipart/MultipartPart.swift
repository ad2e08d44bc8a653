/// One part of a multipart/form-data body (RFC 7578 §4.2): its form field name, the
/// optional filename and media type, all of its header fields, and its body bytes.
public struct MultipartPart: Sendable, Equatable {
    /// The `name` parameter of Content-Disposition: form-data.
    public var name: String
    /// The `filename` parameter, when the part is a file.
    public var filename: String?
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(name: String, filename: String? = nil, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8]) {
        self.name = name
        self.filename = filename
        self.headers = headers
        self.body = body
    }

    /// The part's Content-Type; RFC 7578 §4.4 makes text/plain the default when absent.
    public var contentType: String? { headers["Content-Type"] }
}
