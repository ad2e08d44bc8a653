/// Base64 decoding (RFC 4648) for image payloads in JSON: the standard alphabet (§4) and
/// the URL- and filename-safe one (§5) are both accepted, even mixed, since a decoder that
/// guesses wrong fails a request for no benefit. Whitespace (space, tab, CR, LF) anywhere
/// is skipped, so MIME-style wrapped lines (RFC 2045 §6.8) decode. Padding is optional,
/// but when present it must end the data.
public enum Base64 {
    /// Why the input is not base64; `offset` is the byte index in the input.
    public enum DecodeError: Error, Equatable, Sendable, CustomStringConvertible {
        /// A byte outside both alphabets, whitespace and '='.
        case invalidCharacter(offset: Int, byte: UInt8)
        /// Something other than whitespace or '=' after padding, or more than two '='.
        case misplacedPadding(offset: Int)
        /// One character left over: no whole byte (RFC 4648 §3.5 input of 4n+1 characters).
        case truncated

        public var description: String {
            switch self {
            case .invalidCharacter(let offset, let byte):
                let shown = (0x21...0x7E).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "byte \(byte)"
                return "invalid base64: \(shown) at offset \(offset)"
            case .misplacedPadding(let offset): return "invalid base64: data after padding at offset \(offset)"
            case .truncated: return "invalid base64: input ends inside a byte (length is 4n+1)"
            }
        }
    }

    /// Sextet value per input byte; 0x40 = whitespace (skip), 0x41 = '=', 0xFF = invalid.
    static let table: [UInt8] = {
        var t = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8.enumerated() { t[Int(c)] = UInt8(i) }
        t[Int(UInt8(ascii: "+"))] = 62
        t[Int(UInt8(ascii: "/"))] = 63
        t[Int(UInt8(ascii: "-"))] = 62
        t[Int(UInt8(ascii: "_"))] = 63
        for c in [UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\n")] { t[Int(c)] = 0x40 }
        t[Int(UInt8(ascii: "="))] = 0x41
        return t
    }()

    /// Decodes `input`. One pass, one output allocation (sized from the input length).
    public static func decode<C: Collection<UInt8>>(_ input: C) throws(DecodeError) -> [UInt8] {
        let result: Result<[UInt8], DecodeError>? = input.withContiguousStorageIfAvailable { decode(buffer: $0) }
        if let result { return try result.get() }
        return try Array(input).withUnsafeBufferPointer { decode(buffer: $0) }.get()
    }

    /// Decodes a string's UTF-8 bytes.
    public static func decode(_ string: String) throws(DecodeError) -> [UInt8] {
        var s = string
        return try s.withUTF8 { decode(buffer: $0) }.get()
    }

    static func decode(buffer: UnsafeBufferPointer<UInt8>) -> Result<[UInt8], DecodeError> {
        var error: DecodeError?
        let capacity = buffer.count / 4 * 3 + 3
        let output = [UInt8](unsafeUninitializedCapacity: capacity) { out, written in
            table.withUnsafeBufferPointer { t in
                var acc: UInt32 = 0
                var pending = 0  // sextets in acc
                var n = 0
                var padding = 0
                var i = 0
                let count = buffer.count
                // Fast path: four alphabet characters in a row, no branches per character.
                while i + 4 <= count {
                    let a = t[Int(buffer[i])], b = t[Int(buffer[i + 1])], c = t[Int(buffer[i + 2])], d = t[Int(buffer[i + 3])]
                    if (a | b | c | d) & 0xC0 != 0 { break }
                    let v = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6 | UInt32(d)
                    out[n] = UInt8(truncatingIfNeeded: v >> 16)
                    out[n + 1] = UInt8(truncatingIfNeeded: v >> 8)
                    out[n + 2] = UInt8(truncatingIfNeeded: v)
                    n += 3
                    i += 4
                }
                // General path: whitespace, padding, and the tail.
                while i < count {
                    let v = t[Int(buffer[i])]
                    switch v {
                    case 0x40:
                        break
                    case 0x41:
                        padding += 1
                        if padding > 2 || pending < 2 { error = .misplacedPadding(offset: i); written = 0; return }
                    case 0xFF:
                        error = .invalidCharacter(offset: i, byte: buffer[i]); written = 0; return
                    default:
                        if padding > 0 { error = .misplacedPadding(offset: i); written = 0; return }
                        acc = acc << 6 | UInt32(v)
                        pending += 1
                        if pending == 4 {
                            out[n] = UInt8(truncatingIfNeeded: acc >> 16)
                            out[n + 1] = UInt8(truncatingIfNeeded: acc >> 8)
                            out[n + 2] = UInt8(truncatingIfNeeded: acc)
                            n += 3
                            acc = 0
                            pending = 0
                        }
                    }
                    i += 1
                }
                // 2 sextets → 1 byte, 3 → 2 bytes; unused low bits are ignored (RFC 4648 §3.5
                // lets decoders reject them; accepting is the tolerant choice).
                switch pending {
                case 0: break
                case 1: error = .truncated; written = 0; return
                case 2:
                    out[n] = UInt8(truncatingIfNeeded: acc >> 4)
                    n += 1
                default:
                    out[n] = UInt8(truncatingIfNeeded: acc >> 10)
                    out[n + 1] = UInt8(truncatingIfNeeded: acc >> 2)
                    n += 2
                }
                written = n
            }
        }
        if let error { return .failure(error) }
        return .success(output)
    }
}
