/// The header side of multipart/form-data: the boundary parameter, part header lines,
/// and Content-Disposition's name and filename.
extension MultipartFormData {
    /// The `boundary` parameter of a multipart/form-data media type, token or
    /// quoted-string (RFC 9110 §5.6.6), checked against RFC 2046 §5.1.1's grammar.
    public static func boundary(fromContentType contentType: String) throws(MultipartError) -> String {
        let (essence, params) = parameters(contentType)
        guard essence == "multipart/form-data" else { throw .notMultipart(contentType) }
        guard let boundary = params["boundary"] else { throw .missingBoundary }
        // bchars: DIGIT / ALPHA / "'()+_,-./:=?" and space, not ending in a space; 1–70 long.
        let allowed = Set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'()+_,-./:=? ".utf8)
        guard (1...70).contains(boundary.utf8.count), boundary.utf8.allSatisfy(allowed.contains), boundary.last != " " else {
            throw .invalidBoundary(boundary)
        }
        return boundary
    }

    /// A media type's lowercased essence and its parameters (names lowercased, values
    /// unquoted with backslash escapes removed). Shared with Content-Disposition.
    static func parameters(_ value: String) -> (String, [String: String]) {
        var params: [String: String] = [:]
        let bytes = Array(value.utf8)
        var i = 0
        func skipOWS() { while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 { i += 1 } }
        func readUntil(_ stops: Set<UInt8>) -> String {
            let start = i
            while i < bytes.count, !stops.contains(bytes[i]) { i += 1 }
            return String(decoding: bytes[start..<i], as: UTF8.self).trimmingOWS().lowercasedASCII()
        }
        let essence = readUntil([0x3B])  // ';'
        while i < bytes.count {
            i += 1  // the ';'
            skipOWS()
            let name = readUntil([0x3D, 0x3B])  // '=' or ';'
            guard i < bytes.count, bytes[i] == 0x3D else { continue }
            i += 1
            skipOWS()
            var raw: [UInt8] = []
            if i < bytes.count, bytes[i] == 0x22 {  // quoted-string
                i += 1
                while i < bytes.count, bytes[i] != 0x22 {
                    if bytes[i] == 0x5C, i + 1 < bytes.count { i += 1 }  // quoted-pair
                    raw.append(bytes[i])
                    i += 1
                }
                i += 1
                while i < bytes.count, bytes[i] != 0x3B { i += 1 }
            } else {
                while i < bytes.count, bytes[i] != 0x3B { raw.append(bytes[i]); i += 1 }
                while let last = raw.last, last == 0x20 || last == 0x09 { raw.removeLast() }
            }
            if !name.isEmpty, params[name] == nil { params[name] = String(decoding: raw, as: UTF8.self) }
        }
        return (essence, params)
    }

    /// Header lines "name: value" separated by CRLF. Obsolete line folding is refused, as
    /// RFC 9112 §5.2 lets a recipient do; RFC 7578 parts have no need of it.
    static func parseHeaders(_ block: ArraySlice<UInt8>, index: Int) throws(MultipartError) -> HTTPHeaders {
        var headers = HTTPHeaders()
        guard !block.isEmpty else { return headers }
        var lines: [ArraySlice<UInt8>] = []
        var start = block.startIndex
        var i = block.startIndex
        while i < block.endIndex {
            if block[i] == 13, i + 1 < block.endIndex, block[i + 1] == 10 {
                lines.append(block[start..<i])
                i += 2
                start = i
            } else {
                i += 1
            }
        }
        lines.append(block[start..<block.endIndex])
        for line in lines {
            guard let first = line.first, first != 0x20, first != 0x09 else {
                throw .malformedPart(index: index, reason: "folded or empty header line")
            }
            guard let colon = line.firstIndex(of: 0x3A), colon > line.startIndex else {
                throw .malformedPart(index: index, reason: "header line without a name and colon")
            }
            let name = String(decoding: line[line.startIndex..<colon], as: UTF8.self)
            let value = String(decoding: line[(colon + 1)...], as: UTF8.self).trimmingOWS()
            headers.add(name: name, value: String(value))
        }
        return headers
    }

    /// A part from its headers: Content-Disposition must be form-data with a name
    /// (RFC 7578 §4.2).
    static func makePart(headers: HTTPHeaders, body: [UInt8], index: Int) throws(MultipartError) -> MultipartPart {
        guard let disposition = headers["Content-Disposition"] else {
            throw .malformedPart(index: index, reason: "no Content-Disposition header")
        }
        let (type, params) = parameters(disposition)
        guard type == "form-data" else {
            throw .malformedPart(index: index, reason: "Content-Disposition is \(type), not form-data")
        }
        guard let name = params["name"] else {
            throw .malformedPart(index: index, reason: "Content-Disposition has no name parameter")
        }
        return MultipartPart(name: name, filename: params["filename"], headers: headers, body: body)
    }
}
