/// String tokens (RFC 8259 §7): all escapes, \u surrogate pairs, UTF-8 validated.
extension JSONCursor {
    /// Reads a string token into a Swift string. Unescaped strings (every key and name in
    /// practice) are validated and copied in one step.
    mutating func readString() throws(V2Error) -> String {
        guard peek == UInt8(ascii: "\"") else { throw fail("expected a string") }
        pos += 1
        let start = pos
        var high: UInt8 = 0
        while pos < count {
            let c = base[pos]
            if c == UInt8(ascii: "\"") {
                let text = UnsafeBufferPointer(start: base + start, count: pos - start)
                // ASCII is valid UTF-8 as it stands; the generic validating initialiser looks up
                // type metadata on every call.
                let s = high < 0x80 ? String(decoding: text, as: UTF8.self) : try validated(text)
                pos += 1
                return s
            }
            high |= c
            if c == UInt8(ascii: "\\") { break }
            // §7: control characters must be escaped.
            guard c >= 0x20 else { throw fail("control character in string") }
            pos += 1
        }
        guard pos < count else { throw fail("unterminated string") }
        var bytes = Array(UnsafeBufferPointer(start: base + start, count: pos - start))
        while true {
            guard pos < count else { throw fail("unterminated string") }
            let c = base[pos]
            pos += 1
            if c == UInt8(ascii: "\"") { break }
            guard c >= 0x20 else { pos -= 1; throw fail("control character in string") }
            guard c == UInt8(ascii: "\\") else { bytes.append(c); continue }
            guard pos < count else { throw fail("unterminated string") }
            let e = base[pos]
            pos += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): bytes.append(e)
            case UInt8(ascii: "b"): bytes.append(0x08)
            case UInt8(ascii: "f"): bytes.append(0x0C)
            case UInt8(ascii: "n"): bytes.append(0x0A)
            case UInt8(ascii: "r"): bytes.append(0x0D)
            case UInt8(ascii: "t"): bytes.append(0x09)
            case UInt8(ascii: "u"): appendUTF8(try readEscapedScalar(), to: &bytes)
            default: pos -= 1; throw fail("invalid escape '\\\(Unicode.Scalar(e))'")
            }
        }
        return try bytes.withUnsafeBufferPointer { (b) throws(V2Error) in try validated(b) }
    }

    private func validated(_ bytes: UnsafeBufferPointer<UInt8>) throws(V2Error) -> String {
        guard let s = String(validating: bytes, as: UTF8.self) else { throw fail("string is not valid UTF-8") }
        return s
    }

    /// After `\u`: four hex digits, and for a high surrogate the `\uXXXX` low half that must follow.
    private mutating func readEscapedScalar() throws(V2Error) -> UInt32 {
        let first = try readHex4()
        switch first {
        case 0xD800...0xDBFF:
            guard count - pos >= 2, base[pos] == UInt8(ascii: "\\"), base[pos + 1] == UInt8(ascii: "u") else {
                throw fail("unpaired surrogate \\u\(String(first, radix: 16))")
            }
            pos += 2
            let low = try readHex4()
            guard (0xDC00...0xDFFF).contains(low) else { throw fail("unpaired surrogate \\u\(String(first, radix: 16))") }
            return 0x10000 + ((first - 0xD800) << 10) + (low - 0xDC00)
        case 0xDC00...0xDFFF:
            throw fail("unpaired surrogate \\u\(String(first, radix: 16))")
        default:
            return first
        }
    }

    private mutating func readHex4() throws(V2Error) -> UInt32 {
        guard count - pos >= 4 else { throw fail("truncated \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = base[pos]
            let d: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = c - UInt8(ascii: "A") + 10
            default: throw fail("bad hex digit in \\u escape")
            }
            v = v << 4 | UInt32(d)
            pos += 1
        }
        return v
    }

    private func appendUTF8(_ scalar: UInt32, to bytes: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            bytes.append(UInt8(scalar))
        case 0x80..<0x800:
            bytes.append(UInt8(0xC0 | scalar >> 6))
            bytes.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            bytes.append(UInt8(0xE0 | scalar >> 12))
            bytes.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            bytes.append(UInt8(0x80 | scalar & 0x3F))
        default:
            bytes.append(UInt8(0xF0 | scalar >> 18))
            bytes.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            bytes.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            bytes.append(UInt8(0x80 | scalar & 0x3F))
        }
    }
}
