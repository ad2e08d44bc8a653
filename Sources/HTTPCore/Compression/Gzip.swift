import CZlib

/// gzip (RFC 1952) through zlib: decoding request bodies with a hard cap on the decoded
/// size, and encoding response bodies.
public enum Gzip {
    /// Why a body could not be decoded.
    public enum DecodeError: Error, Equatable, CustomStringConvertible {
        /// Decoded output would pass the cap: a gzip bomb, or just too big (413).
        case tooLarge(limit: Int)
        /// Not a valid gzip stream, truncated, or with trailing garbage (400).
        case corrupt(String)

        public var description: String {
            switch self {
            case .tooLarge(let limit): "decoded body exceeds \(limit) bytes"
            case .corrupt(let why): "invalid gzip body: \(why)"
            }
        }
    }

    /// Inflates a complete gzip body. Output grows in steps, never beyond `maxOutput`,
    /// so a small bomb cannot force a large allocation. Concatenated members are decoded
    /// in turn (RFC 1952 §2.2).
    /// `zlibWrapper`: the HTTP "deflate" coding, which RFC 9110 §8.4.1.2 defines as the zlib
    /// format (RFC 1950), not gzip's wrapper.
    public static func decode(_ input: [UInt8], maxOutput: Int, zlibWrapper: Bool = false) throws(DecodeError) -> [UInt8] {
        try decode(input, maxOutput: maxOutput, zlibWrapper: zlibWrapper, feed: Int(UInt32.max))
    }

    /// `decode`, handing zlib at most `feed` input bytes per call: its `avail_in` is 32 bits,
    /// and `max_body_bytes` may allow bodies past 4 GiB, whose length would trap in the
    /// conversion. Tests pass a small `feed` to exercise the resumption.
    static func decode(_ input: [UInt8], maxOutput: Int, zlibWrapper: Bool, feed: Int) throws(DecodeError) -> [UInt8] {
        var stream = z_stream()
        // 16 + MAX_WBITS: expect the gzip wrapper; MAX_WBITS alone: the zlib wrapper.
        guard inflateInit2_(&stream, zlibWrapper ? MAX_WBITS : 16 + MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .corrupt("zlib could not start")
        }
        defer { inflateEnd(&stream) }
        var output = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var status: Int32 = Z_OK
        var offset = 0
        while true {
            let fed = min(input.count - offset, feed)
            let produced: Int
            (status, produced, offset) = input.withUnsafeBufferPointer { inBuf in
                chunk.withUnsafeMutableBufferPointer { outBuf in
                    stream.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress.map { $0 + offset })
                    stream.avail_in = UInt32(fed)
                    stream.next_out = outBuf.baseAddress
                    stream.avail_out = UInt32(outBuf.count)
                    let s = inflate(&stream, Z_NO_FLUSH)
                    return (s, outBuf.count - Int(stream.avail_out), offset + fed - Int(stream.avail_in))
                }
            }
            if output.count + produced > maxOutput { throw .tooLarge(limit: maxOutput) }
            output.append(contentsOf: chunk[0..<produced])
            switch status {
            case Z_STREAM_END:
                if offset == input.count { return output }
                // Another gzip member follows; anything else after the stream is garbage.
                guard !zlibWrapper, input[offset] == 0x1F else { throw .corrupt("trailing bytes after the compressed stream") }
                guard inflateReset(&stream) == Z_OK else { throw .corrupt("zlib reset failed") }
            case Z_OK:
                continue
            case Z_BUF_ERROR:
                if produced == 0 && offset == input.count { throw .corrupt("truncated stream") }
            case Z_DATA_ERROR:
                throw .corrupt(stream.msg.map { String(cString: $0) } ?? "data error")
            default:
                throw .corrupt("zlib error \(status)")
            }
        }
    }

    /// Deflates a body into one gzip member. Level 1 by default: responses are encoded on
    /// the request path, where speed matters more than the last few percent of size.
    public static func encode(_ input: [UInt8], level: Int32 = 1) -> [UInt8] {
        var stream = z_stream()
        let ok = deflateInit2_(
            &stream, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
            Int32(MemoryLayout<z_stream>.size))
        precondition(ok == Z_OK, "deflateInit2 failed: \(ok)")
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, UInt(input.count)))
        var output = [UInt8](repeating: 0, count: bound)
        let written = input.withUnsafeBufferPointer { inBuf in
            output.withUnsafeMutableBufferPointer { outBuf in
                stream.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress)
                stream.avail_in = UInt32(inBuf.count)
                stream.next_out = outBuf.baseAddress
                stream.avail_out = UInt32(outBuf.count)
                let status = deflate(&stream, Z_FINISH)
                precondition(status == Z_STREAM_END, "deflate with a bound-sized buffer must finish")
                return outBuf.count - Int(stream.avail_out)
            }
        }
        output.removeSubrange(written...)
        return output
    }
}
