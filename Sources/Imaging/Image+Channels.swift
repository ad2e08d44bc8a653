/// Gray ↔ RGB conversion with the ITU-R BT.601 luma weights, in the same fixed point as
/// Pillow's `convert("L")`: L = (19595·R + 38470·G + 7471·B + 2¹⁵) >> 16, the weights
/// 0.299/0.587/0.114 scaled by 2¹⁶. Gray → RGB repeats the value, as `convert("RGB")` does.
extension Image {
    /// This image with `channels` channels (1 or 3); itself when it already has them.
    public func converted(toChannels target: Int) -> Image {
        precondition(target == 1 || target == 3, "images are gray or RGB")
        guard target != channels else { return self }
        switch samples {
        case .uint8(let s):
            return Image(width: width, height: height, channels: target,
                         samples: .uint8(target == 1 ? Self.luma(s) : Self.replicate(s)))
        case .uint16(let s):
            return Image(width: width, height: height, channels: target,
                         samples: .uint16(target == 1 ? Self.luma(s) : Self.replicate(s)))
        }
    }

    static func luma<T: FixedWidthInteger & UnsignedInteger>(_ rgb: [T]) -> [T] {
        let pixels = rgb.count / 3
        return [T](unsafeUninitializedCapacity: pixels) { dst, n in
            rgb.withUnsafeBufferPointer { s in
                for p in 0..<pixels {
                    let r = UInt64(s[3 * p]), g = UInt64(s[3 * p + 1]), b = UInt64(s[3 * p + 2])
                    dst[p] = T((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16)
                }
            }
            n = pixels
        }
    }

    static func replicate<T: FixedWidthInteger>(_ gray: [T]) -> [T] {
        [T](unsafeUninitializedCapacity: gray.count * 3) { dst, n in
            for (p, v) in gray.enumerated() {
                dst[3 * p] = v
                dst[3 * p + 1] = v
                dst[3 * p + 2] = v
            }
            n = gray.count * 3
        }
    }
}
