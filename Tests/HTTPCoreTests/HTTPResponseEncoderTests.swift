import Testing
@testable import HTTPCore

/// Wire format of responses: framing, Date, Connection, HEAD.
@Suite struct HTTPResponseEncoderTests {
    let date = Array("Sun, 06 Nov 1994 08:49:37 GMT".utf8)

    func encode(_ r: HTTPResponse, version: HTTPVersion = .http1_1, keepAlive: Bool = true, head: Bool = false) -> String {
        var out: [UInt8] = []
        HTTPResponseEncoder.encode(r, version: version, keepAlive: keepAlive, omitBody: head, date: date, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    @Test func okWithBody() {
        #expect(encode(.json("{}")) == "HTTP/1.1 200 OK\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\nContent-Length: 2\r\nContent-Type: application/json\r\n\r\n{}")
    }

    @Test func closeAndHTTP10KeepAlive() {
        #expect(encode(.json("{}"), keepAlive: false).contains("\r\nConnection: close\r\n"))
        #expect(encode(.json("{}"), version: .http1_0).contains("\r\nConnection: keep-alive\r\n"))
        #expect(!encode(.json("{}")).contains("Connection:"))
    }

    @Test func headKeepsLengthDropsBody() {
        let text = encode(.json("{\"a\":1}"), head: true)
        #expect(text.contains("Content-Length: 7\r\n"))
        #expect(text.hasSuffix("\r\n\r\n"))
    }

    @Test func noContentHasNoLength() {
        let text = encode(HTTPResponse(status: .noContent))
        #expect(text.hasPrefix("HTTP/1.1 204 No Content\r\n"))
        #expect(!text.contains("Content-Length"))
    }

    @Test func largeLengthsAreDecimal() {
        let body = [UInt8](repeating: 0x61, count: 1_234_567)
        #expect(encode(HTTPResponse(body: body), head: true).contains("Content-Length: 1234567\r\n"))
    }

    @Test func interimContinue() {
        var out: [UInt8] = []
        HTTPResponseEncoder.encodeInterim(.continue, into: &out)
        #expect(String(decoding: out, as: UTF8.self) == "HTTP/1.1 100 Continue\r\n\r\n")
    }

    @Test func errorBodyIsJSONEscaped() {
        let r = HTTPResponse.error(.badRequest, "bad \"x\"\n\u{1}")
        #expect(String(decoding: r.body, as: UTF8.self) == #"{"error":"bad \"x\"\n\u0001"}"#)
    }

    @Test(arguments: [
        (0, "Thu, 01 Jan 1970 00:00:00 GMT"),
        (784_111_777, "Sun, 06 Nov 1994 08:49:37 GMT"),
        (951_782_400, "Tue, 29 Feb 2000 00:00:00 GMT"),
        (1_795_910_400, "Sun, 29 Nov 2026 00:00:00 GMT"),
    ])
    func imfFixdate(seconds: Int, expected: String) {
        #expect(HTTPDate.format(unixSeconds: seconds) == expected)
    }
}
