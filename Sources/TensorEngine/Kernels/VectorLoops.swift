/// Contiguous float reductions with eight independent accumulators (`SIMD8`).
///
/// Swift keeps IEEE order for `s += x[i]`, so a plain loop is one serial chain of adds:
/// neither vectorised nor pipelined. Eight lanes give the compiler one vector add per eight
/// elements, and as a side effect split the rounding error eight ways (a long Float sum
/// otherwise loses digits to its growing total).
enum VectorLoops {
    @inline(__always)
    private static func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    /// Σ (p[i] − shift). Shifting by a nearby value (say the first element) keeps the terms
    /// small when the data sit far from zero, so the sum carries the deviations' digits.
    static func sum(_ p: UnsafePointer<Float>, count: Int, minus shift: Float = 0) -> Float {
        var acc = SIMD8<Float>(repeating: 0)
        let s8 = SIMD8<Float>(repeating: shift)
        var i = 0
        while i + 8 <= count {
            acc += load(p + i) - s8
            i += 8
        }
        var s = acc.sum()
        while i < count {
            s += p[i] - shift
            i += 1
        }
        return s
    }

    /// Σ (p[i] − center)².
    static func sumOfSquares(_ p: UnsafePointer<Float>, count: Int, around center: Float) -> Float {
        var acc = SIMD8<Float>(repeating: 0)
        let c8 = SIMD8<Float>(repeating: center)
        var i = 0
        while i + 8 <= count {
            let d = load(p + i) - c8
            acc += d * d
            i += 8
        }
        var s = acc.sum()
        while i < count {
            let d = p[i] - center
            s += d * d
            i += 1
        }
        return s
    }

    /// The largest element, or NaN if any element is NaN (onnxruntime's max propagates NaN,
    /// and a softmax lane holding NaN must come out NaN); −∞ for an empty range.
    static func max(_ p: UnsafePointer<Float>, count: Int) -> Float {
        var acc = SIMD8<Float>(repeating: -.infinity)
        var nan = false
        var i = 0
        while i + 8 <= count {
            let v = load(p + i)
            // v != v only for NaN; the mask test stays vectorised, unlike per-lane isNaN.
            nan = nan || any(v .!= v)
            acc.replace(with: v, where: v .> acc)  // pointwiseMax is an out-of-line call
            i += 8
        }
        var m = acc.max()
        while i < count {
            let v = p[i]
            if v.isNaN { nan = true }
            if v > m { m = v }
            i += 1
        }
        return nan ? .nan : m
    }
}
