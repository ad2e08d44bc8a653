import Foundation
import Testing
@testable import HTTPCore

/// multipart/form-data (RFC 7578, RFC 2046 §5.1): client-shaped fixtures fed whole, the
/// boundary parameter, and an error for each malformed shape.
@Suite struct MultipartFormDataTests {
    struct Expected: Decodable {
        struct Part: Decodable {
            let name: String
            let filename: String?
            let contentType: String?
            let body: String
        }
        let contentType: String
        let parts: [Part]
    }

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/multipart")

    @Test(arguments: ["curl", "chrome", "quoted_boundary_preamble_epilogue"])
    func fixtureParsesWhole(_ name: String) throws {
        let body = [UInt8](FileManager.default.contents(atPath: Self.directory.appendingPathComponent(name + ".body").path)!)
        let expected = try JSONDecoder().decode(
            Expected.self, from: FileManager.default.contents(atPath: Self.directory.appendingPathComponent(name + ".json").path)!)
        let parts = try MultipartFormData.parse(body: body, contentType: expected.contentType)
        #expect(parts.count == expected.parts.count)
        for (got, want) in zip(parts, expected.parts) {
            #expect(got.name == want.name)
            #expect(got.filename == want.filename)
            #expect(got.contentType == want.contentType)
            #expect(got.body == Array(want.body.unicodeScalars.map { UInt8($0.value) }))
        }
    }

    @Test func boundaryParameter() throws {
        #expect(try MultipartFormData.boundary(fromContentType: "multipart/form-data; boundary=abc") == "abc")
        #expect(try MultipartFormData.boundary(fromContentType: "multipart/form-data;boundary=\"a b\"") == "a b")
        #expect(try MultipartFormData.boundary(fromContentType: "MULTIPART/FORM-DATA; Boundary=AbC; x=1") == "AbC")
        #expect(throws: MultipartError.missingBoundary) { try MultipartFormData.boundary(fromContentType: "multipart/form-data") }
        #expect(throws: MultipartError.missingBoundary) { try MultipartFormData.boundary(fromContentType: "multipart/form-data; charset=x") }
        #expect(throws: MultipartError.notMultipart("application/json")) {
            try MultipartFormData.boundary(fromContentType: "application/json")
        }
        #expect(throws: MultipartError.self) { try MultipartFormData.boundary(fromContentType: "multipart/form-data; boundary=\"\"") }
        #expect(throws: MultipartError.self) {
            try MultipartFormData.boundary(fromContentType: "multipart/form-data; boundary=" + String(repeating: "x", count: 71))
        }
        #expect(try MultipartFormData.boundary(fromContentType: "multipart/form-data; boundary=a;b") == "a")
    }

    func parse(_ text: String, limits: MultipartFormData.Limits = .init()) throws(MultipartError) -> [MultipartPart] {
        try MultipartFormData.parse(body: Array(text.utf8), contentType: "multipart/form-data; boundary=b", limits: limits)
    }

    @Test func malformedBodies() {
        let cd = "Content-Disposition: form-data; name=\"x\""
        let cases: [(String, (MultipartError) -> Bool)] = [
            ("no boundary here", { $0 == .noInitialBoundary }),
            ("--b\r\n\(cd)\r\n\r\nhello", { if case .truncated = $0 { true } else { false } }),
            ("--b\r\n\(cd)\r\n", { if case .truncated = $0 { true } else { false } }),
            ("--b\r\n\(cd)\r\n\r\nhi\r\n--b", { if case .truncated = $0 { true } else { false } }),
            ("--bx\r\n\(cd)\r\n\r\nhi\r\n--b--", { if case .malformedPart = $0 { true } else { false } }),
            ("--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b--", { if case .malformedPart = $0 { true } else { false } }),
            ("--b\r\nContent-Disposition: attachment; name=\"x\"\r\n\r\nhi\r\n--b--", { if case .malformedPart = $0 { true } else { false } }),
            ("--b\r\nContent-Disposition: form-data\r\n\r\nhi\r\n--b--", { if case .malformedPart = $0 { true } else { false } }),
            ("--b\r\n\(cd)\r\n folded\r\n\r\nhi\r\n--b--", { if case .malformedPart = $0 { true } else { false } }),
            ("--b\r\nno colon\r\n\r\nhi\r\n--b--", { if case .malformedPart = $0 { true } else { false } }),
        ]
        for (body, check) in cases {
            do {
                let parts = try parse(body)
                Issue.record("accepted \(body.debugDescription): \(parts.count) parts")
            } catch {
                #expect(check(error), "\(body.debugDescription) → \(error)")
            }
        }
    }

    @Test func limits() {
        let one = "--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nv\r\n"
        #expect(throws: MultipartError.tooManyParts(limit: 2)) {
            try parse(one + one + one + "--b--", limits: .init(maxParts: 2))
        }
        #expect((try? parse(one + one + "--b--", limits: .init(maxParts: 2)))?.count == 2)
        let bigHeader = "--b\r\nContent-Disposition: form-data; name=\"x\"\r\nX-Pad: \(String(repeating: "p", count: 200))\r\n\r\nv\r\n--b--"
        #expect(throws: MultipartError.headerTooLarge(index: 0, limit: 100)) { try parse(bigHeader, limits: .init(maxHeaderBytes: 100)) }
    }

    @Test func partWithoutHeadersIsRefusedButEmptyBodyIsFine() throws {
        #expect(throws: MultipartError.self) { try parse("--b\r\n\r\nbody\r\n--b--") }
        let parts = try parse("--b\r\nContent-Disposition: form-data; name=\"e\"\r\n\r\n\r\n--b--")
        #expect(parts.map(\.body) == [[]])
        #expect(try parse("--b--").isEmpty)
    }

    @Test func errorsDescribeTheProblem() {
        #expect(MultipartError.missingBoundary.description.contains("boundary"))
        #expect(MultipartError.truncated("x").description.contains("truncated"))
    }
}
