import CZlib
import Testing
@testable import HTTPCore

/// gzip request decoding with a size cap, response encoding, and negotiation.
@Suite struct GzipTests {
    let text = Array(String(repeating: "tensor ", count: 5000).utf8)

    @Test func roundTrip() throws {
        let packed = Gzip.encode(text)
        #expect(packed.count < text.count / 20)
        #expect(packed.prefix(2) == [0x1F, 0x8B])
        #expect(try Gzip.decode(packed, maxOutput: text.count) == text)
    }

    @Test func concatenatedMembers() throws {
        let two = Gzip.encode(Array("ab".utf8)) + Gzip.encode(Array("cd".utf8))
        #expect(try Gzip.decode(two, maxOutput: 100) == Array("abcd".utf8))
    }

    @Test func bombStopsAtTheCap() {
        let bomb = Gzip.encode([UInt8](repeating: 0, count: 8 << 20))  // 8 MiB of zeros → ~36 KiB at level 1
        #expect(bomb.count < 64 * 1024)
        #expect(throws: Gzip.DecodeError.tooLarge(limit: 1 << 20)) { try Gzip.decode(bomb, maxOutput: 1 << 20) }
    }

    /// zlib takes at most 4 GiB per call (`avail_in` is 32 bits); a larger body is fed in
    /// pieces. A 7-byte feed exercises the resumption on every path: one member, two
    /// members, a bomb, a truncated stream.
    @Test func inputIsFedInPieces() throws {
        let packed = Gzip.encode(text)
        #expect(try Gzip.decode(packed, maxOutput: text.count, zlibWrapper: false, feed: 7) == text)
        let two = Gzip.encode(Array("ab".utf8)) + Gzip.encode(Array("cd".utf8))
        #expect(try Gzip.decode(two, maxOutput: 100, zlibWrapper: false, feed: 7) == Array("abcd".utf8))
        let bomb = Gzip.encode([UInt8](repeating: 0, count: 1 << 20))
        #expect(throws: Gzip.DecodeError.tooLarge(limit: 1000)) { try Gzip.decode(bomb, maxOutput: 1000, zlibWrapper: false, feed: 7) }
        #expect(throws: Gzip.DecodeError.self) {
            try Gzip.decode(Array(packed.prefix(packed.count / 2)), maxOutput: 1 << 20, zlibWrapper: false, feed: 7)
        }
    }

    @Test func corruptAndTruncated() {
        let packed = Gzip.encode(text)
        #expect(throws: Gzip.DecodeError.self) { try Gzip.decode(Array(packed.prefix(packed.count / 2)), maxOutput: 1 << 20) }
        #expect(throws: Gzip.DecodeError.self) { try Gzip.decode(Array("not gzip at all".utf8), maxOutput: 1 << 20) }
        #expect(throws: Gzip.DecodeError.self) { try Gzip.decode(packed + [0x00, 0x01], maxOutput: 1 << 20) }
    }

    @Test func deflateIsTheZlibFormat() throws {
        // zlib's own compress() output: 78 9C header, deflate data, Adler-32.
        let plain = Array("Kiln inflates RFC 1950 bodies for the HTTP deflate coding. ".utf8)
        var packedCount = compressBound(UInt(plain.count))
        var packed = [UInt8](repeating: 0, count: Int(packedCount))
        #expect(compress(&packed, &packedCount, plain, UInt(plain.count)) == Z_OK)
        packed = Array(packed.prefix(Int(packedCount)))
        #expect(try Gzip.decode(packed, maxOutput: 1 << 20, zlibWrapper: true) == plain)
        #expect(throws: Gzip.DecodeError.self) { try Gzip.decode(packed, maxOutput: 1 << 20) }
        #expect(throws: Gzip.DecodeError.self) { try Gzip.decode(packed + packed, maxOutput: 1 << 20, zlibWrapper: true) }
        #expect(ContentCoding.ofRequest(["Content-Encoding": "deflate"]) == .deflate)
    }

    @Test func negotiation() {
        #expect(ContentCoding.acceptsGzip(["Accept-Encoding": "gzip, deflate, br"]))
        #expect(ContentCoding.acceptsGzip(["Accept-Encoding": "*"]))
        #expect(!ContentCoding.acceptsGzip(["Accept-Encoding": "gzip;q=0, identity"]))
        #expect(!ContentCoding.acceptsGzip(["Accept-Encoding": "br"]))
        #expect(!ContentCoding.acceptsGzip([:]))
        #expect(ContentCoding.ofRequest(["Content-Encoding": "GZIP"]) == .gzip)
        #expect(ContentCoding.ofRequest([:]) == .identity)
        #expect(ContentCoding.ofRequest(["Content-Encoding": "br"]) == .unsupported("br"))
        #expect(ContentCoding.ofRequest(["Content-Encoding": "gzip, gzip"]) == .unsupported("gzip, gzip"))
    }
}
