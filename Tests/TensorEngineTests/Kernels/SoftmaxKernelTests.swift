#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import TensorEngine

/// Softmax and LogSoftmax on every axis against a Double reference.
@Suite struct SoftmaxKernelTests {
    /// Softmax (or its log) of each lane, in Double, max-subtracted like any sane reference.
    static func reference(_ x: [Float], shape: [Int], axis: Int, log: Bool) -> [Double] {
        var y = [Double](repeating: .nan, count: x.count)
        for lane in SeqIndex.lanes(shape, axis: axis) {
            let m = lane.map { Double(x[$0]) }.max()!
            let sum = lane.reduce(0.0) { $0 + exp(Double(x[$1]) - m) }
            for f in lane { y[f] = log ? Double(x[f]) - m - Glibc.log(sum) : exp(Double(x[f]) - m) / sum }
        }
        return y
    }

    static func run(_ x: [Float], shape: [Int], axis: Int, log: Bool, threads: Int) -> [Float] {
        let e = SoftmaxKernel.extents(shape: shape, axis: axis)
        var y = [Float](repeating: .nan, count: x.count)
        if log {
            SoftmaxKernel.logSoftmax(x: x, y: &y, outer: e.outer, count: e.count, inner: e.inner, threads: threads)
        } else {
            SoftmaxKernel.softmax(x: x, y: &y, outer: e.outer, count: e.count, inner: e.inner, threads: threads)
        }
        return y
    }

    @Test(arguments: [false, true])
    func everyAxisOfRank4(_ log: Bool) {
        let shape = [2, 3, 4, 5]
        var rng = SeqRNG(seed: 11)
        let x = rng.floats(shape.reduce(1, *), -4, 4)
        for axis in [0, 1, 2, 3, -1, -3] {
            let a = axis < 0 ? axis + 4 : axis
            let want = Self.reference(x, shape: shape, axis: a, log: log)
            seqExpectClose(Self.run(x, shape: shape, axis: axis, log: log, threads: 1), want, "axis \(axis)")
        }
    }

    @Test(arguments: [false, true])
    func lowRanks(_ log: Bool) {
        var rng = SeqRNG(seed: 12)
        let v = rng.floats(7)
        seqExpectClose(Self.run(v, shape: [7], axis: 0, log: log, threads: 1), Self.reference(v, shape: [7], axis: 0, log: log), "rank 1")
        let one: [Float] = [3]
        seqExpectClose(Self.run(one, shape: [1], axis: 0, log: log, threads: 1), [log ? 0 : 1] as [Double], "one element")
        let m = rng.floats(6 * 9)
        for axis in [0, 1] {
            seqExpectClose(
                Self.run(m, shape: [6, 9], axis: axis, log: log, threads: 1),
                Self.reference(m, shape: [6, 9], axis: axis, log: log), "rank 2 axis \(axis)")
        }
    }

    @Test(arguments: [false, true])
    func largeValuesStayFinite(_ log: Bool) {
        // Logits around ±1e4: exp would overflow (or underflow to 0/0) without the max shift.
        let shape = [3, 8, 5]
        var rng = SeqRNG(seed: 13)
        let x = rng.floats(shape.reduce(1, *), -1e4, 1e4).map { $0 + 5e3 }
        for axis in 0..<3 {
            let got = Self.run(x, shape: shape, axis: axis, log: log, threads: 1)
            #expect(got.allSatisfy { $0.isFinite }, "axis \(axis)")
            seqExpectClose(got, Self.reference(x, shape: shape, axis: axis, log: log), "axis \(axis)")
            if !log {
                for lane in SeqIndex.lanes(shape, axis: axis) {
                    #expect(abs(lane.reduce(0) { $0 + got[$1] } - 1) < 1e-5)
                }
            }
        }
    }

    @Test(arguments: [false, true])
    func threadsSplitLanes(_ log: Bool) {
        // Enough lanes for two workers: inner axes whose lanes go eight to a vector (inner
        // 24 and 20, the latter with a 4-lane tail) or one by one (inner 3), and the last.
        for shape in [[64, 300, 3], [16, 40, 24], [6, 50, 20]] {
            var rng = SeqRNG(seed: 14)
            let x = rng.floats(shape.reduce(1, *), -6, 6)
            for axis in [1, 2] {
                seqExpectClose(
                    Self.run(x, shape: shape, axis: axis, log: log, threads: 2),
                    Self.reference(x, shape: shape, axis: axis, log: log), "\(shape) axis \(axis)")
            }
        }
    }

    @Test func nanPoisonsItsLaneOnly() {
        var x: [Float] = [1, 2, .nan, 4, 5, 6]
        var y = [Float](repeating: 0, count: 6)
        SoftmaxKernel.softmax(x: x, y: &y, outer: 2, count: 3, inner: 1, threads: 1)
        #expect(y[0...2].allSatisfy { $0.isNaN })
        seqExpectClose(Array(y[3...]), Self.reference(Array(x[3...]), shape: [3], axis: 0, log: false))
        // The same along an inner axis, where eight lanes share a vector: only lane 3 is NaN.
        var g = [Float](repeating: 1, count: 3 * 8)
        g[8 + 3] = .nan
        var gy = g
        SoftmaxKernel.softmax(x: g, y: &gy, outer: 1, count: 3, inner: 8, threads: 1)
        for i in 0..<8 { #expect((0..<3).allSatisfy { gy[$0 * 8 + i].isNaN } == (i == 3), "lane \(i)") }
        #expect(abs(gy[0] - 1.0 / 3) < 1e-6)
        // In place.
        x = [0, 0, 0, 0]
        x.withUnsafeMutableBufferPointer { p in
            SoftmaxKernel.softmax(x: p.baseAddress!, y: p.baseAddress!, outer: 1, count: 4, inner: 1, threads: 1)
        }
        #expect(x == [0.25, 0.25, 0.25, 0.25])
    }
}
