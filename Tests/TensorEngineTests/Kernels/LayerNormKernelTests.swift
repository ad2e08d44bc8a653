#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import TensorEngine

/// LayerNormalization against a Double reference.
@Suite struct LayerNormKernelTests {
    static func reference(_ x: [Float], scale: [Float], bias: [Float]?, inner: Int, epsilon: Double)
        -> (y: [Double], mean: [Double], inv: [Double])
    {
        var y = [Double](repeating: 0, count: x.count), means: [Double] = [], invs: [Double] = []
        for r in 0..<(x.count / inner) {
            let row = x[(r * inner)..<((r + 1) * inner)].map(Double.init)
            let m = row.reduce(0, +) / Double(inner)
            let v = row.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(inner)
            let inv = 1 / sqrt(v + epsilon)
            for k in 0..<inner { y[r * inner + k] = (row[k] - m) * inv * Double(scale[k]) + (bias.map { Double($0[k]) } ?? 0) }
            means.append(m)
            invs.append(inv)
        }
        return (y, means, invs)
    }

    @Test(arguments: [0, 1, 2, -1, -2])
    func axesWithAndWithoutBias(_ axis: Int) {
        let shape = [3, 4, 5]
        var rng = SeqRNG(seed: 21)
        let x = rng.floats(60, -3, 3)
        let e = LayerNormKernel.extents(shape: shape, axis: axis)
        #expect(e.outer * e.inner == 60)
        let scale = rng.floats(e.inner, 0.5, 1.5), bias = rng.floats(e.inner)
        for b in [nil, bias] {
            var y = [Float](repeating: .nan, count: 60)
            var mean = [Float](repeating: .nan, count: e.outer), inv = mean
            LayerNormKernel.run(
                x: x, scale: scale, bias: b, y: &y, mean: &mean, invStdDev: &inv,
                outer: e.outer, inner: e.inner, epsilon: 1e-5, threads: 1)
            let want = Self.reference(x, scale: scale, bias: b, inner: e.inner, epsilon: 1e-5)
            seqExpectClose(y, want.y, "Y axis \(axis) bias \(b != nil)")
            seqExpectClose(mean, want.mean, "Mean")
            seqExpectClose(inv, want.inv, "InvStdDev")
        }
    }

    @Test func largeMeanAndThreads() {
        // Rows offset by 100: a one-pass E[x²] − E[x]² would lose most of the variance's digits.
        let outer = 96, inner = 256
        var rng = SeqRNG(seed: 22)
        let x = rng.floats(outer * inner, 99, 101)
        let scale = rng.floats(inner, 0.5, 1.5), bias = rng.floats(inner)
        let want = Self.reference(x, scale: scale, bias: bias, inner: inner, epsilon: 1e-5)
        for threads in [1, 2] {
            var y = [Float](repeating: .nan, count: x.count)
            LayerNormKernel.run(x: x, scale: scale, bias: bias, y: &y, outer: outer, inner: inner, epsilon: 1e-5, threads: threads)
            seqExpectClose(y, want.y, "threads \(threads)")
        }
    }

    @Test func constantRowIsBiasAndEpsilonCounts() {
        // Zero variance: y = bias exactly; the epsilon keeps 1/√ε finite.
        var y = [Float](repeating: .nan, count: 4), inv: [Float] = [0]
        LayerNormKernel.run(x: [2, 2, 2, 2], scale: [1, 2, 3, 4], bias: [0.5, 0, -1, 7], y: &y, invStdDev: &inv,
                            outer: 1, inner: 4, epsilon: 0.01, threads: 1)
        #expect(y == [0.5, 0, -1, 7])
        seqExpectClose(inv, [10] as [Double])
    }
}
