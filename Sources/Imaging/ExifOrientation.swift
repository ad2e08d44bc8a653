/// The EXIF Orientation tag (0x0112; CIPA DC-008 "Exif 2.32" §4.6.4, TIFF 6.0): how the
/// stored pixels must be turned for display. Cameras store the sensor's rows and record
/// the rotation here instead of rotating the pixels; a model trained on upright photos
/// (as Pillow's `ImageOps.exif_transpose` gives them) must see them upright too.
public enum ExifOrientation: Int, Sendable, CaseIterable {
    /// 1: stored upright.
    case up = 1
    /// 2: mirrored left–right.
    case upMirrored = 2
    /// 3: rotated 180°.
    case down = 3
    /// 4: mirrored top–bottom.
    case downMirrored = 4
    /// 5: mirrored along the main diagonal (transpose).
    case leftMirrored = 5
    /// 6: displayed after turning 90° clockwise.
    case right = 6
    /// 7: mirrored along the anti-diagonal (transverse).
    case rightMirrored = 7
    /// 8: displayed after turning 90° counter-clockwise.
    case left = 8

    /// Orientations 5–8 swap width and height.
    public var swapsAxes: Bool { rawValue >= 5 }

    /// The orientation in a TIFF structure (the payload of a JPEG APP1 "Exif\0\0" segment or
    /// of a PNG eXIf chunk). Missing, malformed or out-of-range values read as `.up`:
    /// metadata damage must not cost the client its image.
    public static func read<C: RandomAccessCollection<UInt8>>(tiff: C) -> ExifOrientation where C.Index == Int {
        let b = tiff
        let base = b.startIndex
        guard b.count >= 8 else { return .up }
        let little: Bool
        switch (b[base], b[base + 1]) {
        case (0x49, 0x49): little = true  // "II": Intel byte order
        case (0x4D, 0x4D): little = false  // "MM": Motorola byte order
        default: return .up
        }
        func u16(_ at: Int) -> Int? {
            guard at >= 0, at + 2 <= b.count else { return nil }
            let x = Int(b[base + at]), y = Int(b[base + at + 1])
            return little ? x | y << 8 : x << 8 | y
        }
        func u32(_ at: Int) -> Int? {
            guard let lo = u16(little ? at : at + 2), let hi = u16(little ? at + 2 : at) else { return nil }
            return lo | hi << 16
        }
        guard u16(2) == 42, let ifd = u32(4), let count = u16(ifd) else { return .up }
        for i in 0..<count {
            let entry = ifd + 2 + 12 * i
            guard let tag = u16(entry) else { return .up }
            guard tag == 0x0112 else { continue }
            // Type SHORT (3), count 1: the value sits in the first two bytes of the field.
            guard u16(entry + 2) == 3, let value = u16(entry + 8) else { return .up }
            return ExifOrientation(rawValue: value) ?? .up
        }
        return .up
    }
}
