/// Writing floats as JSON numbers. JSON (RFC 8259 §6) has no NaN or infinity; they are written
/// as `null`, which every JSON parser accepts and which no finite value can be confused with.
extension ShortestFloat {
    /// Appends `x` in the shortest form that parses back to the same float: plain notation
    /// for decimal exponents -5…8 (`0.00123`, `1.5`, `12.0`), otherwise `1.5e-7` / `3.4028235e38`.
    /// Integral plain values keep a `.0` so Python clients still get a float.
    static func appendJSON(_ x: Float, to out: inout [UInt8]) {
        guard x.isFinite else {
            out.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])  // null
            return
        }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { buf in
            let n = format(x, into: buf.baseAddress!)
            out.append(contentsOf: UnsafeBufferPointer(start: buf.baseAddress!, count: n))
        }
    }

    /// Writes the JSON text of a finite `x` to `p` (at most 16 bytes); returns the length.
    static func format(_ x: Float, into p: UnsafeMutablePointer<UInt8>) -> Int {
        var n = 0
        if x.sign == .minus {
            p[0] = UInt8(ascii: "-")
            n = 1
        }
        if x == 0 {
            p[n] = UInt8(ascii: "0"); p[n + 1] = UInt8(ascii: "."); p[n + 2] = UInt8(ascii: "0")
            return n + 3
        }
        let (value, exponent) = decimal(x)
        // Digits of `value`, most significant first, into a 10-byte scratch.
        var digits: (UInt64, UInt64) = (0, 0)
        let length = withUnsafeMutableBytes(of: &digits) { raw -> Int in
            var v = value
            var count = 0
            repeat {
                raw[9 - count] = UInt8(truncatingIfNeeded: v % 10) + UInt8(ascii: "0")
                v /= 10
                count += 1
            } while v != 0
            return count
        }
        return withUnsafeBytes(of: &digits) { raw -> Int in
            let d = raw.baseAddress!.assumingMemoryBound(to: UInt8.self) + (10 - length)
            let scientific = Int(exponent) + length - 1
            let point = Int(exponent) + length  // digits before the decimal point
            if scientific < -5 || scientific > 8 {
                p[n] = d[0]
                n += 1
                if length > 1 {
                    p[n] = UInt8(ascii: ".")
                    n += 1
                    for i in 1..<length { p[n] = d[i]; n += 1 }
                }
                p[n] = UInt8(ascii: "e")
                n += 1
                var e = scientific
                if e < 0 { p[n] = UInt8(ascii: "-"); n += 1; e = -e }
                if e >= 10 { p[n] = UInt8(e / 10) + UInt8(ascii: "0"); n += 1 }
                p[n] = UInt8(e % 10) + UInt8(ascii: "0")
                return n + 1
            }
            if point <= 0 {
                p[n] = UInt8(ascii: "0"); p[n + 1] = UInt8(ascii: ".")
                n += 2
                for _ in 0 ..< -point { p[n] = UInt8(ascii: "0"); n += 1 }
                for i in 0..<length { p[n] = d[i]; n += 1 }
            } else if point >= length {
                for i in 0..<length { p[n] = d[i]; n += 1 }
                for _ in 0 ..< point - length { p[n] = UInt8(ascii: "0"); n += 1 }
                p[n] = UInt8(ascii: "."); p[n + 1] = UInt8(ascii: "0")
                n += 2
            } else {
                for i in 0..<point { p[n] = d[i]; n += 1 }
                p[n] = UInt8(ascii: ".")
                n += 1
                for i in point..<length { p[n] = d[i]; n += 1 }
            }
            return n
        }
    }
}
