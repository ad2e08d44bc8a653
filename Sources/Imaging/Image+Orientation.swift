/// Applying an EXIF orientation: one gather pass that maps each output pixel to its
/// source pixel, for all eight cases.
extension Image {
    /// The image as it should be displayed (what `ImageOps.exif_transpose` returns).
    public func oriented(_ orientation: ExifOrientation) -> Image {
        guard orientation != .up else { return self }
        let outW = orientation.swapsAxes ? height : width
        let outH = orientation.swapsAxes ? width : height
        switch samples {
        case .uint8(let s):
            return Image(width: outW, height: outH, channels: channels,
                         samples: .uint8(Self.reorient(s, width, height, channels, orientation)))
        case .uint16(let s):
            return Image(width: outW, height: outH, channels: channels,
                         samples: .uint16(Self.reorient(s, width, height, channels, orientation)))
        }
    }

    /// Output (x, y) takes the stored pixel at (sx, sy). For the axis-swapping cases x runs
    /// along the stored y axis; the formulas are the inverse of each display transform.
    static func reorient<T: FixedWidthInteger>(
        _ src: [T], _ w: Int, _ h: Int, _ c: Int, _ o: ExifOrientation
    ) -> [T] {
        let outW = o.swapsAxes ? h : w
        let outH = o.swapsAxes ? w : h
        return [T](unsafeUninitializedCapacity: src.count) { dst, initialized in
            src.withUnsafeBufferPointer { s in
                for y in 0..<outH {
                    for x in 0..<outW {
                        let sx: Int, sy: Int
                        switch o {
                        case .up: (sx, sy) = (x, y)
                        case .upMirrored: (sx, sy) = (w - 1 - x, y)
                        case .down: (sx, sy) = (w - 1 - x, h - 1 - y)
                        case .downMirrored: (sx, sy) = (x, h - 1 - y)
                        case .leftMirrored: (sx, sy) = (y, x)
                        case .right: (sx, sy) = (y, h - 1 - x)
                        case .rightMirrored: (sx, sy) = (w - 1 - y, h - 1 - x)
                        case .left: (sx, sy) = (w - 1 - y, x)
                        }
                        let from = (sy * w + sx) * c
                        let to = (y * outW + x) * c
                        for k in 0..<c { dst[to + k] = s[from + k] }
                    }
                }
            }
            initialized = src.count
        }
    }
}
