/// A decoded image: interleaved samples, rows top to bottom, EXIF orientation already
/// applied. Samples are 8-bit, or 16-bit for 16-bit PNGs so their precision survives until
/// the resize (they are scaled by 1/65535 rather than truncated to 8 bits first).
public struct Image: Equatable, Sendable {
    /// The sample storage; its count is width × height × channels.
    public enum Samples: Equatable, Sendable {
        case uint8([UInt8])
        case uint16([UInt16])
    }

    public let width: Int
    public let height: Int
    /// 1 (gray) or 3 (RGB). Alpha never survives decoding; see `DecodeOptions`.
    public let channels: Int
    public var samples: Samples

    public init(width: Int, height: Int, channels: Int, samples: Samples) {
        precondition(channels == 1 || channels == 3, "images are gray or RGB")
        self.width = width
        self.height = height
        self.channels = channels
        self.samples = samples
        precondition(sampleCount == width * height * channels, "\(sampleCount) samples for \(width)×\(height)×\(channels)")
    }

    /// 8 or 16.
    public var bitDepth: Int {
        if case .uint16 = samples { return 16 }
        return 8
    }

    /// The largest sample value: what 1.0 means after scaling to [0, 1].
    public var maxValue: Float { bitDepth == 16 ? 65535 : 255 }

    var sampleCount: Int {
        switch samples {
        case .uint8(let s): s.count
        case .uint16(let s): s.count
        }
    }
}
