import Testing
@testable import Imaging

/// The TIFF walk for tag 0x0112 and the eight pixel transforms.
@Suite struct ExifOrientationTests {
    /// A minimal TIFF: header, IFD0 with one entry.
    func tiff(littleEndian: Bool, tag: UInt16 = 0x0112, type: UInt16 = 3, value: UInt16) -> [UInt8] {
        func u16(_ v: UInt16) -> [UInt8] { littleEndian ? [UInt8(v & 0xFF), UInt8(v >> 8)] : [UInt8(v >> 8), UInt8(v & 0xFF)] }
        func u32(_ v: UInt32) -> [UInt8] { littleEndian ? u16(UInt16(v & 0xFFFF)) + u16(UInt16(v >> 16)) : u16(UInt16(v >> 16)) + u16(UInt16(v & 0xFFFF)) }
        let order: [UInt8] = littleEndian ? [0x49, 0x49] : [0x4D, 0x4D]
        return order + u16(42) + u32(8) + u16(1) + u16(tag) + u16(type) + u32(1) + u16(value) + [0, 0] + u32(0)
    }

    @Test func readsBothByteOrders() {
        for n in 1...8 {
            #expect(ExifOrientation.read(tiff: tiff(littleEndian: true, value: UInt16(n))).rawValue == n)
            #expect(ExifOrientation.read(tiff: tiff(littleEndian: false, value: UInt16(n))).rawValue == n)
        }
    }

    @Test func damagedMetadataMeansUpright() {
        #expect(ExifOrientation.read(tiff: [UInt8]()) == .up)
        #expect(ExifOrientation.read(tiff: tiff(littleEndian: true, value: 9)) == .up)
        #expect(ExifOrientation.read(tiff: tiff(littleEndian: true, tag: 0x0110, value: 6)) == .up)
        #expect(ExifOrientation.read(tiff: tiff(littleEndian: true, type: 4, value: 6)) == .up)
        #expect(ExifOrientation.read(tiff: Array(tiff(littleEndian: true, value: 6).prefix(14))) == .up)
        var badOffset = tiff(littleEndian: true, value: 6)
        badOffset[4] = 0xF0  // IFD0 offset past the end
        #expect(ExifOrientation.read(tiff: badOffset) == .up)
    }

    /// A 3×2 image [a b c / d e f] under each orientation (CIPA DC-008 Table 25's drawings).
    @Test func transformsAllEight() {
        let img = Image(width: 3, height: 2, channels: 1, samples: .uint8([1, 2, 3, 4, 5, 6]))
        let expected: [ExifOrientation: (Int, Int, [UInt8])] = [
            .up: (3, 2, [1, 2, 3, 4, 5, 6]),
            .upMirrored: (3, 2, [3, 2, 1, 6, 5, 4]),
            .down: (3, 2, [6, 5, 4, 3, 2, 1]),
            .downMirrored: (3, 2, [4, 5, 6, 1, 2, 3]),
            .leftMirrored: (2, 3, [1, 4, 2, 5, 3, 6]),
            .right: (2, 3, [4, 1, 5, 2, 6, 3]),
            .rightMirrored: (2, 3, [6, 3, 5, 2, 4, 1]),
            .left: (2, 3, [3, 6, 2, 5, 1, 4]),
        ]
        for (o, (w, h, px)) in expected {
            let r = img.oriented(o)
            #expect(r.width == w && r.height == h && r.bytes == px, "orientation \(o.rawValue)")
        }
    }
}
