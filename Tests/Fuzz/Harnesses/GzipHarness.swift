import HTTPCore

/// `Gzip.decode` with the bomb cap: the first byte picks the wrapper (gzip or the HTTP
/// "deflate" zlib format) and a cap from a small table; the rest is the compressed body.
/// Decoded output must never pass the cap, and the rest must survive an encode/decode
/// round trip unchanged.
enum GzipHarness {
    static let caps = [0, 1, 100, 4096, 65536, 1 << 20]

    static func run(_ data: [UInt8]) {
        var input = FuzzBytes(data)
        let mode = input.byte()
        let zlib = mode & 1 == 1
        let cap = caps[Int(mode >> 1) % caps.count]
        let body = input.rest
        if let out = try? Gzip.decode(body, maxOutput: cap, zlibWrapper: zlib) {
            precondition(out.count <= cap, "decoded \(out.count) bytes past the cap of \(cap)")
        }
        let encoded = Gzip.encode(body)
        let back = try? Gzip.decode(encoded, maxOutput: body.count)
        precondition(back == body, "gzip round trip changed \(body.count) bytes")
    }
}
