import HTTPCore

/// `MultipartFormData.parse` over a body and a Content-Type. The first input line (up to
/// LF, at most 256 bytes) is the Content-Type when it starts with "multipart/"; otherwise a
/// fixed type with the boundary the committed seeds use applies and the whole input is body.
enum MultipartHarness {
    static let defaultType = "multipart/form-data; boundary=kilnfuzzboundary"
    static let limits = MultipartFormData.Limits(maxParts: 8, maxHeaderBytes: 256)

    static func run(_ data: [UInt8]) {
        var contentType = defaultType
        var body = data
        if data.starts(with: Array("multipart/".utf8)), let lf = data.prefix(256).firstIndex(of: 0x0A) {
            contentType = String(decoding: data[..<lf], as: UTF8.self)
            body = Array(data[(lf + 1)...])
        }
        _ = try? MultipartFormData.boundary(fromContentType: contentType)
        guard let parts = try? MultipartFormData.parse(body: body, contentType: contentType, limits: limits) else { return }
        precondition(parts.count <= limits.maxParts, "\(parts.count) parts passed the limit of \(limits.maxParts)")
        let total = parts.reduce(0) { $0 + $1.body.count }
        precondition(total <= body.count, "parts hold \(total) bytes of a \(body.count)-byte body")
        for part in parts { _ = (part.contentType, part.filename) }
    }
}
