import Foundation
import HTTPCore
import Testing
@testable import Imaging

/// The three request shapes, and an error for each malformed one.
@Suite struct ImageInputTests {
    let png = Fixtures.bytes("rgb.png")
    let jpeg = Fixtures.bytes("rgb.jpg")

    func multipart(_ parts: [(headers: String, body: [UInt8])], boundary: String = "XyZ123") -> [UInt8] {
        var out: [UInt8] = Array("preamble\r\n".utf8)
        for p in parts { out += Array("--\(boundary)\r\n\(p.headers)\r\n\r\n".utf8) + p.body + Array("\r\n".utf8) }
        return out + Array("--\(boundary)--\r\n".utf8)
    }

    @Test func rawBody() throws {
        #expect(try ImageInput.extract(body: png, contentType: "image/png") == ImageInput(bytes: png, format: .png))
        // The signature decides the format; the declared type only has to be an image type.
        #expect(try ImageInput.extract(body: png, contentType: "image/jpeg").format == .png)
        #expect(try ImageInput.extract(body: jpeg, contentType: "Image/JPEG; charset=binary").format == .jpeg)
    }

    @Test func jsonBase64AndDataURL() throws {
        let b64 = Data(png).base64EncodedString()
        let plain = Array("{\"image\": \"\(b64)\"}".utf8)
        #expect(try ImageInput.extract(body: plain, contentType: "application/json").bytes == png)
        let url = Array("{\"image\": \"data:image/png;base64,\(b64)\"}".utf8)
        #expect(try ImageInput.extract(body: url, contentType: "application/json; charset=utf-8").bytes == png)
        let urlSafe = b64.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        let safe = Array("{\"image\": \"\(urlSafe)\"}".utf8)
        #expect(try ImageInput.extract(body: safe, contentType: "application/json").bytes == png)
    }

    @Test func multipartPicksTheImagePart() throws {
        let named = multipart([
            ("Content-Disposition: form-data; name=\"meta\"", Array("{}".utf8)),
            ("Content-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\nContent-Type: image/jpeg", jpeg),
        ])
        #expect(try ImageInput.extract(body: named, contentType: "multipart/form-data; boundary=XyZ123").bytes == jpeg)
        let byType = multipart([
            ("Content-Disposition: form-data; name=\"meta\"", Array("{}".utf8)),
            ("Content-Disposition: form-data; name=\"upload\"\r\nContent-Type: image/png", png),
        ])
        #expect(try ImageInput.extract(body: byType, contentType: "multipart/form-data; boundary=\"XyZ123\"").bytes == png)
    }

    @Test(arguments: [
        ("image/gif", "GIF89a", ImageError.Kind.unsupportedType),
        ("application/octet-stream", "x", .unsupportedType),
        ("text/plain", "x", .unsupportedType),
        ("image/png", "not a png", .unsupportedType),
        ("image/png", "", .invalidRequest),
        ("application/json", "{\"image\": ", .invalidRequest),
        ("application/json", "[1, 2]", .invalidRequest),
        ("application/json", "{\"picture\": \"AAAA\"}", .invalidRequest),
        ("application/json", "{\"image\": 42}", .invalidRequest),
        ("application/json", "{\"image\": \"iVBO*w0K\"}", .invalidRequest),
        ("application/json", "{\"image\": \"data:image/png,abc\"}", .invalidRequest),
        ("application/json", "{\"image\": \"data:image/gif;base64,R0lGODlh\"}", .unsupportedType),
        ("application/json", "{\"image\": \"R0lGODlhAQABAAAAADs=\"}", .unsupportedType),
        ("multipart/form-data", "--a\r\n", .invalidRequest),
        ("multipart/form-data; boundary=a", "--a\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nhi\r\n--a--", .invalidRequest),
        ("multipart/form-data; boundary=a", "--a\r\nContent-Disposition: form-data; name=\"image\"\r\n\r\nhi", .invalidRequest),
    ])
    func malformedRequests(_ contentType: String, _ body: String, _ kind: ImageError.Kind) {
        do {
            _ = try ImageInput.extract(body: Array(body.utf8), contentType: contentType)
            Issue.record("accepted \(contentType): \(body)")
        } catch {
            #expect(error.kind == kind, "\(error.message)")
        }
    }

    @Test func missingContentTypeAndSizeLimit() {
        #expect(throws: ImageError.self) { try ImageInput.extract(body: png, contentType: nil) }
        do {
            _ = try ImageInput.extract(body: png, contentType: "image/png", limits: ImageLimits(maxEncodedBytes: 1000))
            Issue.record("over the limit")
        } catch { #expect(error.status == 413) }
        let b64 = Array("{\"image\": \"\(Data(png).base64EncodedString())\"}".utf8)
        do {
            _ = try ImageInput.extract(body: b64, contentType: "application/json", limits: ImageLimits(maxEncodedBytes: 1000))
            Issue.record("over the limit")
        } catch { #expect(error.status == 413) }
    }
}
