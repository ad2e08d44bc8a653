/// Number tokens (RFC 8259 §6), scanned in one pass into a `DecimalNumber`.
extension JSONCursor {
    /// Scans and validates one number: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    /// Leading zeros of a fraction (0.000123) do not use up the 19 significant digits.
    @inline(__always) mutating func scanNumber() throws(V2Error) -> DecimalNumber {
        var n = DecimalNumber()
        n.start = pos
        let zero = UInt8(ascii: "0")
        if peek == UInt8(ascii: "-") {
            n.negative = true
            pos += 1
        }
        var c = peek
        if c == zero {
            pos += 1
            c = peek
            if c &- zero < 10 { throw fail("leading zero in a number") }
        } else if c &- UInt8(ascii: "1") < 9 {
            repeat {
                if n.digits < 19 {
                    n.mantissa = n.mantissa &* 10 &+ UInt64(c &- zero)
                    n.digits += 1
                } else {
                    n.exponent += 1
                    if c != zero { n.truncated = true }
                }
                pos += 1
                c = peek
            } while c &- zero < 10
        } else {
            throw fail(n.negative ? "expected a digit after '-'" : "expected a value")
        }
        if c == UInt8(ascii: ".") {
            n.isInteger = false
            pos += 1
            c = peek
            guard c &- zero < 10 else { throw fail("expected a digit after '.'") }
            repeat {
                if n.digits < 19 {
                    n.mantissa = n.mantissa &* 10 &+ UInt64(c &- zero)
                    n.exponent -= 1
                    if n.mantissa != 0 { n.digits += 1 }
                } else if c != zero {
                    n.truncated = true
                }
                pos += 1
                c = peek
            } while c &- zero < 10
        }
        if c | 0x20 == UInt8(ascii: "e") {
            n.isInteger = false
            pos += 1
            c = peek
            var negativeExponent = false
            if c == UInt8(ascii: "+") || c == UInt8(ascii: "-") {
                negativeExponent = c == UInt8(ascii: "-")
                pos += 1
                c = peek
            }
            guard c &- zero < 10 else { throw fail("expected a digit in the exponent") }
            var e = 0
            repeat {
                // Saturate: 1e999999999 is simply "too big", never an integer overflow.
                if e < 1_000_000 { e = e * 10 + Int(c &- zero) }
                pos += 1
                c = peek
            } while c &- zero < 10
            n.exponent += negativeExponent ? -e : e
        }
        n.end = pos
        return n
    }
}
