#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import TensorEngine

/// The SIMD exp / sigmoid / tanh against Double, over their whole useful range.
@Suite struct VectorMathTests {
    /// A dense sweep of [lo, hi] plus random points, run through `f` eight at a time.
    static func sweep(_ lo: Float, _ hi: Float, _ f: (SIMD8<Float>) -> SIMD8<Float>) -> (x: [Float], y: [Float]) {
        var rng = SeqRNG(seed: 71)
        var x = (0..<20_000).map { lo + (hi - lo) * Float($0) / 20_000 } + rng.floats(4_000, lo, hi)
        x += [0, -0.0, 1e-30, -1e-30, 1e-6, -1e-6, 0.3, -0.3, 0.2999999, hi, lo]
        var y = x
        VectorMath.apply(&y, count: y.count, f)
        return (x, y)
    }

    static func worst(_ got: [Float], _ want: [Double], relative: Bool) -> Double {
        zip(got, want).map { g, w in
            let e = (Double(g) - w).magnitude
            return relative ? e / max(w.magnitude, 1e-300) : e
        }.max()!
    }

    @Test func expRelativeError() {
        let (x, y) = Self.sweep(-87, 88, VectorMath.exp)
        let err = Self.worst(y, x.map { exp(Double($0)) }, relative: true)
        #expect(err < 2e-7, "max relative error \(err)")
    }

    @Test func sigmoidAndTanhAbsoluteError() {
        let s = Self.sweep(-40, 40, VectorMath.sigmoid)
        let se = Self.worst(s.y, s.x.map { 1 / (1 + exp(-Double($0))) }, relative: false)
        #expect(se < 3e-7, "sigmoid max absolute error \(se)")
        let t = Self.sweep(-12, 12, VectorMath.tanh)
        let te = Self.worst(t.y, t.x.map { tanh(Double($0)) }, relative: false)
        #expect(te < 3e-7, "tanh max absolute error \(te)")
        // Near zero tanh keeps its relative accuracy too (the series branch).
        let small = Self.sweep(-0.3, 0.3, VectorMath.tanh)
        let tr = Self.worst(small.y, small.x.map { tanh(Double($0)) }, relative: true)
        #expect(tr < 3e-7, "tanh max relative error near 0: \(tr)")
    }

    @Test func erfAbsoluteError() {
        let (x, y) = Self.sweep(-6, 6, VectorMath.erf)
        let err = Self.worst(y, x.map { erf(Double($0)) }, relative: false)
        #expect(err < 2e-7, "erf max absolute error \(err)")
        var v: [Float] = [.nan, .infinity, -.infinity, 10, -10, 0, -0.0, 1e-30]
        VectorMath.apply(&v, count: 8, VectorMath.erf)
        #expect(v[0].isNaN && v[1] == 1 && v[2] == -1 && v[3] == 1 && v[4] == -1 && v[5] == 0 && v[7] > 0)
    }

    @Test func specialValues() {
        var v: [Float] = [.nan, .infinity, -.infinity, 100, -100, 88.5, -88, 0]
        VectorMath.apply(&v, count: 8, VectorMath.exp)
        #expect(v[0].isNaN && v[1] == .infinity && v[2] == 0 && v[3] == .infinity && v[4] == 0)
        #expect(v[5] == .infinity && v[6] == 0 && v[7] == 1)
        var s: [Float] = [.nan, .infinity, -.infinity, 200, -200, 0, 0, 0]
        VectorMath.apply(&s, count: 8, VectorMath.sigmoid)
        #expect(s[0].isNaN && s[1] == 1 && s[2] == 0 && s[3] == 1 && s[4] == 0 && s[5] == 0.5)
        var t: [Float] = [.nan, .infinity, -.infinity, 20, -20, 0, -0.0, 1e-30]
        VectorMath.apply(&t, count: 8, VectorMath.tanh)
        #expect(t[0].isNaN && t[1] == 1 && t[2] == -1 && t[3] == 1 && t[4] == -1 && t[5] == 0 && t[7] == 1e-30)
    }

    @Test func expShiftedSumsAndTails() {
        for count in [1, 7, 8, 9, 100] {
            var rng = SeqRNG(seed: UInt64(count))
            let x = rng.floats(count, -5, 5)
            var y = [Float](repeating: .nan, count: count)
            let sum = VectorMath.expShifted(x, &y, count: count, shift: 2)
            let want = x.map { exp(Double($0) - 2) }
            seqExpectClose(y, want, "count \(count)")
            seqExpectClose([sum], [want.reduce(0, +)], "sum \(count)")
        }
    }
}
