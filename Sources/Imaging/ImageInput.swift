import Foundation
import HTTPCore

/// The image bytes in a request, from any of the three ways clients send them:
/// - a raw body with `Content-Type: image/jpeg` or `image/png`;
/// - JSON `{"image": "<base64>"}`, the string optionally a data URL (RFC 2397)
///   `data:image/png;base64,…`;
/// - `multipart/form-data` (RFC 7578): the first part named `image` or `file`, else the
///   first part whose Content-Type is an image type.
///
/// The format is taken from the bytes' signature; a declared type only has to be one of
/// the accepted ones. Errors: 415 for other content types or non-image bytes, 400 for a
/// malformed JSON/base64/multipart envelope, 413 for an image over `maxEncodedBytes`.
public struct ImageInput: Equatable, Sendable {
    public let bytes: [UInt8]
    public let format: ImageFormat

    public init(bytes: [UInt8], format: ImageFormat) {
        self.bytes = bytes
        self.format = format
    }

    /// Finds the image in a request body given its Content-Type header.
    public static func extract(
        body: [UInt8], contentType: String?, limits: ImageLimits = ImageLimits()
    ) throws(ImageError) -> ImageInput {
        guard let contentType, !contentType.trimmingOWS().isEmpty else {
            throw ImageError(.unsupportedType, "request has no Content-Type; send image/jpeg, image/png, application/json or multipart/form-data")
        }
        let essence = contentType.split(separator: ";", maxSplits: 1).first.map { $0.trimmingOWS().lowercasedASCII() } ?? ""
        if ImageFormat(mediaType: essence) != nil {
            return try image(body, origin: "request body", limits: limits)
        }
        if essence == "application/json" || essence.hasSuffix("+json") {
            return try fromJSON(body, limits: limits)
        }
        if essence == "multipart/form-data" {
            return try fromMultipart(body, contentType: contentType, limits: limits)
        }
        throw ImageError(.unsupportedType, "Content-Type \(essence) is not image/jpeg, image/png, application/json or multipart/form-data")
    }

    /// Bytes that must be a JPEG or PNG within the size limit.
    static func image(_ bytes: [UInt8], origin: String, limits: ImageLimits) throws(ImageError) -> ImageInput {
        guard !bytes.isEmpty else { throw ImageError(.invalidRequest, "\(origin) is empty") }
        try limits.checkEncoded(bytes.count)
        guard let format = ImageFormat.sniff(bytes) else {
            throw ImageError(.unsupportedType, "\(origin) is not a JPEG or PNG image (signature \(ImageDecoder.hexPrefix(bytes)))")
        }
        return ImageInput(bytes: bytes, format: format)
    }

    static func fromJSON(_ body: [UInt8], limits: ImageLimits) throws(ImageError) -> ImageInput {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(body))
        } catch {
            throw ImageError(.invalidRequest, "request body is not valid JSON")
        }
        guard let dict = object as? [String: Any] else {
            throw ImageError(.invalidRequest, "JSON body must be an object with an \"image\" field")
        }
        guard let value = dict["image"] else { throw ImageError(.invalidRequest, "JSON body has no \"image\" field") }
        guard let text = value as? String else {
            throw ImageError(.invalidRequest, "JSON \"image\" must be a base64 string or a data: URL")
        }
        var payload = Substring(text)
        if payload.prefix(5).lowercased() == "data:" {
            // RFC 2397: data:[<mediatype>][;base64],<data>
            guard let comma = payload.firstIndex(of: ",") else {
                throw ImageError(.invalidRequest, "data: URL has no comma before its data")
            }
            let header = payload[payload.index(payload.startIndex, offsetBy: 5)..<comma]
            let pieces = header.split(separator: ";").map { $0.trimmingOWS().lowercasedASCII() }
            guard pieces.contains("base64") else {
                throw ImageError(.invalidRequest, "data: URL must be base64-encoded (;base64)")
            }
            if let type = pieces.first, type != "base64", ImageFormat(mediaType: type) == nil {
                throw ImageError(.unsupportedType, "data: URL media type \(type) is not image/jpeg or image/png")
            }
            payload = payload[payload.index(after: comma)...]
        }
        // Base64 is 4/3 of the bytes: refuse an oversized payload before decoding it.
        guard payload.utf8.count / 4 * 3 <= limits.maxEncodedBytes + 3 || payload.utf8.count <= 4 else {
            throw ImageError(.tooLarge, "base64 image decodes to more than \(limits.maxEncodedBytes) bytes")
        }
        let bytes: [UInt8]
        do {
            bytes = try Base64.decode(payload.utf8)
        } catch {
            throw ImageError(.invalidRequest, "JSON \"image\": \(error.description)")
        }
        return try image(bytes, origin: "JSON \"image\"", limits: limits)
    }

    static func fromMultipart(_ body: [UInt8], contentType: String, limits: ImageLimits) throws(ImageError) -> ImageInput {
        let parts: [MultipartPart]
        do {
            parts = try MultipartFormData.parse(body: body, contentType: contentType)
        } catch {
            throw ImageError(.invalidRequest, error.description)
        }
        let chosen = parts.first { $0.name == "image" || $0.name == "file" }
            ?? parts.first { $0.contentType.map { $0.lowercasedASCII().hasPrefix("image/") } ?? false }
        guard let part = chosen else {
            throw ImageError(.invalidRequest, "multipart body has no part named \"image\" or \"file\" and no image part")
        }
        return try image(part.body, origin: "multipart part \"\(part.name)\"", limits: limits)
    }
}
