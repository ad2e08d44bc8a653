/// The hot loop of a V2 JSON request: a flat FP32 `data` array of plain decimal numbers.
///
/// Written over raw pointers with every piece of state in locals (the general path keeps its
/// position in the cursor, which the compiler stores back to memory per byte). Numbers of the
/// shape `-?d{1,7}(.d{1,15})?` with at most 19 digits — what numpy, tritonclient and browsers
/// print for image tensors, rounded or not — are read eight bytes at a time (SWAR: find the
/// digit run with bit masks, convert it with three multiplications); other numbers go through
/// the general scanner on a local copy of the cursor. Both convert through
/// `DecimalNumber.float32`, so the results are bit-identical to the general path's. Anything
/// else (a value out of range, a malformed token, a separator other than `,`/`]` after
/// optional whitespace) rewinds to the start of that element and leaves it to the general
/// loop, which also owns every error message.
extension TensorDataReader {
    /// Reads elements from the cursor (positioned just after `[`) into `out[0..<count]`.
    /// `stored` is how many were read; `closed` is true when the array ended within them
    /// (cursor after `]`), otherwise the cursor is at the start of element `stored`.
    static func readFloat32Run(
        _ c: inout JSONCursor, count: Int, out: UnsafeMutablePointer<Float>, pow10: UnsafePointer<Double>
    ) -> (stored: Int, closed: Bool) {
        let base = c.base
        let end = c.count
        var p = c.pos
        @inline(__always) func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 }
        while p < end && isSpace(base[p]) { p += 1 }
        var i = 0
        while i < count {
            let start = p
            guard let n = swarNumber(base, &p, end, pow10) ?? scalarNumber(c, &p),
                  let f = n.float32(pow10, text: base)
            else { p = start; break }
            out[i] = f
            i += 1
            while p < end && isSpace(base[p]) { p += 1 }
            guard p < end else { p = start; i -= 1; break }
            let sep = base[p]
            if sep == UInt8(ascii: "]") {
                c.pos = p + 1
                return (i, true)
            }
            guard sep == UInt8(ascii: ",") else { p = start; i -= 1; break }
            p += 1
            while p < end && isSpace(base[p]) { p += 1 }
        }
        c.pos = p
        return (i, false)
    }

    /// Eight bytes at `p`, first byte lowest (x86-64 and arm64 are little-endian).
    @inline(__always) private static func load8(_ base: UnsafePointer<UInt8>, _ p: Int) -> UInt64 {
        UInt64(littleEndian: UnsafeRawPointer(base + p).loadUnaligned(as: UInt64.self))
    }

    /// How many of the eight bytes, from the first, are ASCII digits (0...8).
    @inline(__always) private static func digitRun(_ x: UInt64) -> Int {
        // Per byte, no carries between bytes: t = b ^ '0' is 0...9 exactly for digits; a high
        // nibble, or a low nibble ≥ 10 (nibble + 6 reaches bit 4), marks a non-digit.
        let t = x ^ 0x3030_3030_3030_3030
        let flags = (t & 0xF0F0_F0F0_F0F0_F0F0) | (((t & 0x0F0F_0F0F_0F0F_0F0F) &+ 0x0606_0606_0606_0606) & 0x1010_1010_1010_1010)
        // Bit 7 of each byte set iff that byte's flags are non-zero.
        let marks = (((flags & 0x7F7F_7F7F_7F7F_7F7F) &+ 0x7F7F_7F7F_7F7F_7F7F) | flags) & 0x8080_8080_8080_8080
        return marks.trailingZeroBitCount >> 3
    }

    /// The value of the first `k` (1...8) digits of `x`.
    @inline(__always) private static func digitValue(_ x: UInt64, _ k: Int) -> UInt64 {
        // Shift the k digits to the top so the empty low bytes act as leading zeros, then
        // combine pairs, quads and octets (10 = 2561 >> 8, 100, 10_000 steps).
        var v = ((x & 0x0F0F_0F0F_0F0F_0F0F) << UInt64((8 - k) * 8))
        v = (v &* 2561) >> 8 & 0x00FF_00FF_00FF_00FF
        v = (v &* 6_553_601) >> 16 & 0x0000_FFFF_0000_FFFF
        v = (v &* 42_949_672_960_001) >> 32
        return v
    }

    /// `-?d{1,7}(.d{1,15})?` (19 digits at most) followed by anything but an exponent, read with
    /// SWAR; nil (cursor unchanged) for any other shape or too few bytes left to load words.
    @inline(__always) private static func swarNumber(
        _ base: UnsafePointer<UInt8>, _ p: inout Int, _ end: Int, _ pow10: UnsafePointer<Double>
    ) -> DecimalNumber? {
        let start = p
        guard start + 18 <= end else { return nil }
        var n = DecimalNumber()
        n.start = start
        let negative = base[start] == UInt8(ascii: "-")
        n.negative = negative
        var q = start + (negative ? 1 : 0)
        let x = load8(base, q)
        let k1 = digitRun(x)
        // No digit, 8+ digits, or a leading zero ("01"): not ours.
        guard UInt(bitPattern: k1 &- 1) < 7, !(k1 > 1 && UInt8(truncatingIfNeeded: x) == UInt8(ascii: "0")) else { return nil }
        var mantissa: UInt64
        var k2 = 0
        q += k1
        if base[q] == UInt8(ascii: ".") {
            let y = load8(base, q + 1)
            k2 = digitRun(y)
            guard k2 > 0 else { return nil }
            if k2 < 8 && k1 + k2 <= 8 {
                // Both runs fit one word: integer digits, then the fraction's after them.
                let joined = (x & ((1 << UInt64(k1 * 8)) &- 1)) | (y << UInt64(k1 * 8))
                mantissa = digitValue(joined, k1 + k2)
            } else {
                mantissa = digitValue(x, k1) &* UInt64(pow10[66 + k2]) &+ digitValue(y, k2)
                // A full word of fraction digits: more words until the digits end (shortest
                // float32 text has up to 9 significant digits, doubles 17; 19 at most here).
                var kw = k2
                while kw == 8 {
                    guard q + 1 + k2 + 8 <= end else { return nil }
                    let w = load8(base, q + 1 + k2)
                    kw = digitRun(w)
                    guard k1 + k2 + kw <= 19 else { return nil }
                    if kw > 0 { mantissa = mantissa &* UInt64(pow10[66 + kw]) &+ digitValue(w, kw) }
                    k2 += kw
                }
            }
            q += 1 + k2
            n.isInteger = false
        } else {
            mantissa = digitValue(x, k1)
        }
        guard base[q] | 0x20 != UInt8(ascii: "e") else { return nil }
        n.mantissa = mantissa
        // At most 19 digits and no exponent: only the range checks read `digits`, and
        // 10^(k1+k2-k2) stays far inside them, so the digit count need not exclude leading zeros.
        n.digits = k1 + k2
        n.exponent = -k2
        n.end = q
        p = q
        return n
    }

    /// Any other number, through the general scanner on a local copy of the cursor (its
    /// position then stays in a register); nil, cursor unchanged, for anything the scanner
    /// would report, so the general loop reports it.
    @inline(__always) private static func scalarNumber(_ c: JSONCursor, _ p: inout Int) -> DecimalNumber? {
        var local = c
        local.pos = p
        guard let n = try? local.scanNumber() else { return nil }
        p = local.pos
        return n
    }
}
