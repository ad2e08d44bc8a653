import Foundation

/// The encoded formats Kiln decodes, recognised by their signature bytes, never by a
/// file name or declared media type (a mislabelled PNG sent as image/jpeg still decodes).
public enum ImageFormat: String, Equatable, Sendable {
    case jpeg
    case png

    /// The media type (RFC 2046) a client declares for this format.
    public var mediaType: String {
        switch self {
        case .jpeg: "image/jpeg"
        case .png: "image/png"
        }
    }

    /// The format whose signature starts `bytes`: JPEG's SOI marker FF D8 FF (ITU-T T.81
    /// B.1.1.2) or PNG's 8-byte signature (PNG spec §5.2). Nil for anything else.
    public static func sniff<C: Collection<UInt8>>(_ bytes: C) -> ImageFormat? {
        let head = Array(bytes.prefix(8))
        if head.count >= 3, head[0] == 0xFF, head[1] == 0xD8, head[2] == 0xFF { return .jpeg }
        if head == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] { return .png }
        return nil
    }

    /// The format a media type names, ignoring parameters and case; `image/jpg` and
    /// `image/pjpeg` are accepted because real clients send them. Nil for other types.
    public init?(mediaType: String) {
        let essence = mediaType.split(separator: ";", maxSplits: 1).first.map(String.init) ?? ""
        switch essence.trimmingCharacters(in: .whitespaces).lowercased() {
        case "image/jpeg", "image/jpg", "image/pjpeg": self = .jpeg
        case "image/png", "image/x-png": self = .png
        default: return nil
        }
    }
}
