/// A scanned JSON number: sign, up to 19 significant decimal digits and a power of ten, plus
/// where its text lies for the rare conversions that need the exact digits.
///
/// Conversion to binary floating point is correctly rounded. The fast path multiplies the
/// digits by a correctly rounded power of ten in `Double`; its error is under ~2 ulps of the
/// double, so unless that double lies within 16 ulps of a rounding midpoint of the target
/// format, the true decimal rounds the same way. Otherwise (about one number in 10^7, plus
/// subnormal results) the exact digits go through the C library's correctly rounded parser.
struct DecimalNumber {
    var negative = false
    var mantissa: UInt64 = 0
    /// Significant digits held in `mantissa` (at most 19, so it never overflows).
    var digits = 0
    /// The value is `mantissa × 10^exponent`, or within one unit of the last digit if `truncated`.
    var exponent = 0
    var truncated = false
    /// No fraction and no exponent in the text.
    var isInteger = true
    var start = 0
    var end = 0

    /// `10^q` as the nearest double for q in -66...39, index `q + 66`: every exponent a finite,
    /// non-zero float or half can need with a 19-digit mantissa. Filled once by the lazy
    /// initialiser, read-only afterwards (hence safe to share), never freed.
    nonisolated(unsafe) static let powersOfTen: UnsafePointer<Double> = {
        let p = UnsafeMutablePointer<Double>.allocate(capacity: 106)
        for q in -66...39 { p[q + 66] = Double("1e\(q)")! }
        return UnsafePointer(p)
    }()

    /// Signed zero of the number's sign.
    private var zero: Double { negative ? -0.0 : 0.0 }

    /// The fast approximation, or nil when the value is certainly beyond every float format
    /// (≥ 1e39); 0 when it is certainly below half the smallest subnormal (< 1e-46).
    @inline(__always) private func approximate(_ pow10: UnsafePointer<Double>) -> Double? {
        if mantissa == 0 { return zero }
        let top = digits + exponent  // value < 10^top and ≥ 10^(top-1)
        if top <= -46 { return zero }
        if top > 39 { return nil }
        // Signed conversion is one instruction (unsigned is a sequence), and the sign goes in
        // by bit so a tensor of mixed signs costs no mispredicted branch.
        let m = mantissa < 1 << 63 ? Double(Int64(bitPattern: mantissa)) : Double(mantissa)
        let d = m * pow10[exponent + 66]
        return Double(bitPattern: d.bitPattern | (negative ? 1 << 63 : 0))
    }

    /// Correctly rounded FP32 value, or nil if it rounds beyond the float range (an error for
    /// V2: JSON has no infinity, so a client sending 1e39 has made a mistake).
    @inline(__always) func float32(_ pow10: UnsafePointer<Double>, text: UnsafePointer<UInt8>) -> Float? {
        guard let d = approximate(pow10) else { return nil }
        let bits = d.bitPattern & 0x7FFF_FFFF_FFFF_FFFF
        // Normal float results only (|d| ≥ 2^-126): there the double's low 29 bits are exactly
        // what rounding to 24 bits discards, and 0x1000_0000 is the midpoint.
        if bits >= 897 << 52 || bits == 0 {
            let distance = Int(bits & 0x1FFF_FFFF) - 0x1000_0000
            if distance > 16 || distance < -16 {
                let f = Float(d)
                return f.isFinite ? f : nil
            }
        }
        let f = Float(exactText(text)) ?? .infinity
        return f.isFinite ? f : nil
    }

    /// FP16 as numpy computes `float16(float(text))`: nearest double, then nearest half.
    /// nil beyond the half range (≥ 65520 rounds to infinity).
    @inline(__always) func float16(_ pow10: UnsafePointer<Double>, text: UnsafePointer<UInt8>) -> Float16? {
        guard let d = approximate(pow10) else { return nil }
        let bits = d.bitPattern & 0x7FFF_FFFF_FFFF_FFFF
        // Normal halves (|d| ≥ 2^-14): 42 low bits discarded, midpoint 1 << 41.
        if bits >= 1009 << 52 || bits == 0 {
            let distance = Int(bits & 0x3FF_FFFF_FFFF) - (1 << 41)
            if distance > 16 || distance < -16 {
                let h = Float16(d)
                return h.isFinite ? h : nil
            }
        }
        let h = Float16(Double(exactText(text)) ?? .infinity)
        return h.isFinite ? h : nil
    }

    /// The value as a double (parameters; not on the tensor path).
    func double(text: UnsafePointer<UInt8>) -> Double? {
        let d = Double(exactText(text)) ?? .infinity
        return d.isFinite ? d : nil
    }

    /// The value as an exact integer, or nil if it has a fraction/exponent or overflows Int64.
    @inline(__always) var int64: Int64? {
        guard isInteger, exponent == 0 else { return nil }
        if negative {
            guard mantissa <= UInt64(Int64.max) + 1 else { return nil }
            return Int64(truncatingIfNeeded: 0 &- mantissa)
        }
        guard mantissa <= UInt64(Int64.max) else { return nil }
        return Int64(mantissa)
    }

    /// The token's text, for error messages and the exact slow path.
    func exactText(_ text: UnsafePointer<UInt8>) -> String {
        String(decoding: UnsafeBufferPointer(start: text + start, count: end - start), as: UTF8.self)
    }
}
