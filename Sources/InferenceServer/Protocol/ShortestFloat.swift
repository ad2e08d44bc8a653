/// Shortest round-trip decimal digits of a `Float`, by the Ryū method (Ulf Adams, PLDI 2018):
/// the interval of decimals that round to the float is scaled by 10^-q with precomputed
/// fixed-point powers of five, and digits are removed while both ends still differ. The result
/// is the shortest digit string that parses back to the same float, and among those the one
/// closest to it. Written from the paper's description; tables are computed, not copied.
enum ShortestFloat {
    /// `floor(2^(pow5bits(i) - 1 + 59) / 5^i) + 1` for i in 0..<31 (Ryū's "inverse" table).
    nonisolated(unsafe) static let inverseTable: UnsafePointer<UInt64> = {
        let p = UnsafeMutablePointer<UInt64>.allocate(capacity: 31)
        var five: UInt128 = 1
        for i in 0..<31 {
            let shift = pow5bits(Int32(i)) - 1 + 59
            // 2^128 overflows; floor(2^128 / 5^i) == floor((2^128 - 1) / 5^i) as 5^i ∤ 2^128.
            let numerator: UInt128 = shift == 128 ? .max : (1 << UInt128(shift))
            p[i] = UInt64(numerator / five + 1)
            five *= 5
        }
        return UnsafePointer(p)
    }()

    /// `5^i` normalised to 61 bits (truncated) for i in 0..<47.
    nonisolated(unsafe) static let table: UnsafePointer<UInt64> = {
        let p = UnsafeMutablePointer<UInt64>.allocate(capacity: 47)
        var five: UInt128 = 1
        for i in 0..<47 {
            let bits = Int(pow5bits(Int32(i)))
            p[i] = UInt64(bits >= 61 ? five >> UInt128(bits - 61) : five << UInt128(61 - bits))
            five *= 5
        }
        return UnsafePointer(p)
    }()

    /// ceil(log2(5^e)) for e ≥ 1, and 1 for e = 0.
    @inline(__always) static func pow5bits(_ e: Int32) -> Int32 { Int32((UInt32(e) &* 1_217_359) >> 19) + 1 }
    /// floor(log10(2^e)).
    @inline(__always) static func log10Pow2(_ e: Int32) -> Int32 { Int32((UInt32(e) &* 78913) >> 18) }
    /// floor(log10(5^e)).
    @inline(__always) static func log10Pow5(_ e: Int32) -> Int32 { Int32((UInt32(e) &* 732_923) >> 20) }

    @inline(__always) static func multipleOfPowerOf5(_ value: UInt32, _ p: Int32) -> Bool {
        var v = value
        var count: Int32 = 0
        while v % 5 == 0 && v != 0 {
            v /= 5
            count += 1
        }
        return count >= p
    }

    /// floor(m × factor / 2^shift), exact, for shift > 32.
    @inline(__always) static func mulShift(_ m: UInt32, _ factor: UInt64, _ shift: Int32) -> UInt32 {
        let low = UInt64(m) &* (factor & 0xFFFF_FFFF)
        let high = UInt64(m) &* (factor >> 32)
        return UInt32(truncatingIfNeeded: ((low >> 32) &+ high) >> UInt64(shift - 32))
    }

    /// The shortest `digits × 10^exponent` equal to `x` after rounding; `x` finite and non-zero.
    static func decimal(_ x: Float) -> (digits: UInt32, exponent: Int32) {
        let bits = x.bitPattern
        let fraction = bits & 0x7F_FFFF
        let biased = (bits >> 23) & 0xFF
        let e2: Int32
        let m2: UInt32
        if biased == 0 {
            e2 = 1 - 127 - 23 - 2
            m2 = fraction
        } else {
            e2 = Int32(biased) - 127 - 23 - 2
            m2 = (1 << 23) | fraction
        }
        // Round-to-even parsers accept the interval ends exactly when the mantissa is even.
        let acceptBounds = m2 & 1 == 0
        let mv = 4 * m2
        let mp = 4 * m2 + 2
        // The lower neighbour is closer when the mantissa is at a power of two.
        let mmShift: UInt32 = (fraction != 0 || biased <= 1) ? 1 : 0
        let mm = 4 * m2 - 1 - mmShift

        var vr: UInt32, vp: UInt32, vm: UInt32
        let e10: Int32
        var vmTrailingZeros = false, vrTrailingZeros = false
        var lastRemoved: UInt32 = 0
        if e2 >= 0 {
            let q = log10Pow2(e2)
            e10 = q
            let k = 59 + pow5bits(q) - 1
            let i = -e2 + q + k
            let f = inverseTable[Int(q)]
            vr = mulShift(mv, f, i)
            vp = mulShift(mp, f, i)
            vm = mulShift(mm, f, i)
            if q != 0 && (vp - 1) / 10 <= vm / 10 {
                let l = 59 + pow5bits(q - 1) - 1
                lastRemoved = mulShift(mv, inverseTable[Int(q - 1)], -e2 + q - 1 + l) % 10
            }
            if q <= 9 {
                // At most one of mp, mv, mm is a multiple of 5.
                if mv % 5 == 0 {
                    vrTrailingZeros = multipleOfPowerOf5(mv, q)
                } else if acceptBounds {
                    vmTrailingZeros = multipleOfPowerOf5(mm, q)
                } else if multipleOfPowerOf5(mp, q) {
                    vp -= 1
                }
            }
        } else {
            let q = log10Pow5(-e2)
            e10 = q + e2
            let i = -e2 - q
            let k = pow5bits(i) - 61
            var j = q - k
            let f = table[Int(i)]
            vr = mulShift(mv, f, j)
            vp = mulShift(mp, f, j)
            vm = mulShift(mm, f, j)
            if q != 0 && (vp - 1) / 10 <= vm / 10 {
                j = q - 1 - (pow5bits(i + 1) - 61)
                lastRemoved = mulShift(mv, table[Int(i + 1)], j) % 10
            }
            if q <= 1 {
                // mv = 4·m2 has at least two trailing zero bits.
                vrTrailingZeros = true
                if acceptBounds { vmTrailingZeros = mmShift == 1 } else { vp -= 1 }
            } else if q < 31 {
                vrTrailingZeros = mv & ((1 << UInt32(q - 1)) - 1) == 0
            }
        }

        var removed: Int32 = 0
        let output: UInt32
        if vmTrailingZeros || vrTrailingZeros {
            // Rare exact cases: track whether the removed digits were all zero.
            while vp / 10 > vm / 10 {
                vmTrailingZeros = vmTrailingZeros && vm % 10 == 0
                vrTrailingZeros = vrTrailingZeros && lastRemoved == 0
                lastRemoved = vr % 10
                vr /= 10; vp /= 10; vm /= 10
                removed += 1
            }
            if vmTrailingZeros {
                while vm % 10 == 0 {
                    vrTrailingZeros = vrTrailingZeros && lastRemoved == 0
                    lastRemoved = vr % 10
                    vr /= 10; vp /= 10; vm /= 10
                    removed += 1
                }
            }
            // Exactly halfway (…50…0): round to even.
            if vrTrailingZeros && lastRemoved == 5 && vr % 2 == 0 { lastRemoved = 4 }
            let roundUp = (vr == vm && (!acceptBounds || !vmTrailingZeros)) || lastRemoved >= 5
            output = vr + (roundUp ? 1 : 0)
        } else {
            while vp / 10 > vm / 10 {
                lastRemoved = vr % 10
                vr /= 10; vp /= 10; vm /= 10
                removed += 1
            }
            output = vr + ((vr == vm || lastRemoved >= 5) ? 1 : 0)
        }
        return (output, e10 + removed)
    }
}
