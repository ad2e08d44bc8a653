import CJSONScan

/// The hot loop of a V2 JSON request: a flat FP32 `data` array of plain decimal numbers.
///
/// `kiln_json_read_f32_run` (C, SSE4.1, one 16- or 32-byte window per number) takes runs of
/// numbers of up to 31 bytes, `-?d+(.d+)?` with at most 19 digits, followed by `,` or `]`:
/// what numpy, tritonclient and browsers print for image tensors, rounded, as float32 or as
/// float32 widened to a 17-digit double. The element it stops at (an exponent, a near-midpoint
/// value, the last bytes of the body, anything on a CPU without SSE4.1) goes through the
/// general scanner on a local copy of the cursor, then the C loop resumes. Both convert
/// through the same product as `DecimalNumber.float32`, so the results are bit-identical to
/// the general path's. Anything else (a value out of range, a malformed token, a separator
/// other than `,`/`]` after optional whitespace) rewinds to the start of that element and
/// leaves it to the general loop, which also owns every error message.
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
            var fastPos = p
            var closed: Int32 = 0
            i += kiln_json_read_f32_run(base, end, &fastPos, out + i, count - i, pow10, &closed)
            p = fastPos
            if closed != 0 {
                c.pos = p
                return (i, true)
            }
            guard i < count else { break }
            let start = p
            guard let n = scalarNumber(c, &p),
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
