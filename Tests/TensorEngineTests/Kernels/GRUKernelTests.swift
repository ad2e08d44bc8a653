#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import TensorEngine

/// GRU against a direct transcription of the ONNX equations, in Double.
@Suite struct GRUKernelTests {
    /// One configuration of the operator's optional parts.
    struct Case: Sendable, CustomTestStringConvertible {
        var direction: RecurrentDirection
        var initialState: Bool
        var bias: Bool
        var linearBeforeReset: Bool
        var batch: Int
        var seq: Int
        var testDescription: String {
            "\(direction) init:\(initialState) bias:\(bias) lbr:\(linearBeforeReset) batch:\(batch) seq:\(seq)"
        }
    }

    static let cases: [Case] = RecurrentDirection.allCases.flatMap { dir in
        [false, true].flatMap { initial in
            [false, true].flatMap { bias in
                [false, true].flatMap { lbr in
                    [1, 3].flatMap { batch in
                        [1, 7].map { Case(direction: dir, initialState: initial, bias: bias, linearBeforeReset: lbr, batch: batch, seq: $0) }
                    }
                }
            }
        }
    }

    /// Operator inputs drawn from one seed.
    struct Inputs {
        var x, w, r: [Float]
        var b, h0: [Float]?
    }

    static func inputs(_ c: Case, input: Int, hidden: Int, seed: UInt64, scale: Float = 0.5) -> Inputs {
        var rng = SeqRNG(seed: seed)
        let d = c.direction.count
        return Inputs(
            x: rng.floats(c.seq * c.batch * input),
            w: rng.floats(d * 3 * hidden * input, -scale, scale),
            r: rng.floats(d * 3 * hidden * hidden, -scale, scale),
            b: c.bias ? rng.floats(d * 6 * hidden, -scale, scale) : nil,
            h0: c.initialState ? rng.floats(d * c.batch * hidden) : nil)
    }

    /// The ONNX equations, one element at a time, gates z, r, h.
    static func reference(_ c: Case, _ v: Inputs, input: Int, hidden hs: Int, clip: Double?) -> (y: [Double], yH: [Double]) {
        let dirs = c.direction.count, batch = c.batch, seq = c.seq
        func sig(_ x: Double) -> Double { 1 / (1 + exp(-x)) }
        func cl(_ x: Double) -> Double { clip.map { min(max(x, -$0), $0) } ?? x }
        func bias(_ d: Int, _ recurrent: Int, _ g: Int, _ j: Int) -> Double {
            guard let b = v.b else { return 0 }
            let value: Float = b[d * 6 * hs + recurrent * 3 * hs + g * hs + j]
            return Double(value)
        }
        /// Σ_k vec[k]·M[row, k] for M = W or R of direction d, gate g.
        func dot(_ m: [Float], _ cols: Int, _ d: Int, _ g: Int, _ j: Int, _ vec: [Double]) -> Double {
            var s = 0.0
            let row = d * 3 * hs + g * hs + j
            for k in 0..<cols { s += vec[k] * Double(m[row * cols + k]) }
            return s
        }
        var y = [Double](repeating: 0, count: seq * dirs * batch * hs)
        var yH = [Double](repeating: 0, count: dirs * batch * hs)
        for d in 0..<dirs {
            for b in 0..<batch {
                var h = [Double](repeating: 0, count: hs)
                if let h0 = v.h0 { for j in 0..<hs { h[j] = Double(h0[(d * batch + b) * hs + j]) } }
                let order = c.direction.isReversed(slot: d) ? Array((0..<seq).reversed()) : Array(0..<seq)
                for t in order {
                    let xt = (0..<input).map { Double(v.x[(t * batch + b) * input + $0]) }
                    var z = h, r = h, next = h
                    for j in 0..<hs {
                        z[j] = sig(cl(dot(v.w, input, d, 0, j, xt) + dot(v.r, hs, d, 0, j, h) + bias(d, 0, 0, j) + bias(d, 1, 0, j)))
                        r[j] = sig(cl(dot(v.w, input, d, 1, j, xt) + dot(v.r, hs, d, 1, j, h) + bias(d, 0, 1, j) + bias(d, 1, 1, j)))
                    }
                    let rh = (0..<hs).map { r[$0] * h[$0] }
                    for j in 0..<hs {
                        let xh = dot(v.w, input, d, 2, j, xt) + bias(d, 0, 2, j)
                        let hh: Double
                        if c.linearBeforeReset {
                            hh = tanh(cl(xh + r[j] * (dot(v.r, hs, d, 2, j, h) + bias(d, 1, 2, j))))
                        } else {
                            hh = tanh(cl(xh + dot(v.r, hs, d, 2, j, rh) + bias(d, 1, 2, j)))
                        }
                        next[j] = (1 - z[j]) * hh + z[j] * h[j]
                    }
                    h = next
                    for j in 0..<hs { y[((t * dirs + d) * batch + b) * hs + j] = h[j] }
                }
                for j in 0..<hs { yH[(d * batch + b) * hs + j] = h[j] }
            }
        }
        return (y, yH)
    }

    /// Runs the kernel on `v`, with NaN-filled outputs and workspace (a read before a write
    /// poisons the result).
    static func run(_ c: Case, _ v: Inputs, input: Int, hidden: Int, clip: Float?, threads: Int) -> (y: [Float], yH: [Float]) {
        let kernel = GRUKernel(
            w: v.w, r: v.r, bias: v.b, inputSize: input, hiddenSize: hidden,
            direction: c.direction, linearBeforeReset: c.linearBeforeReset, clip: clip)
        let dirs = c.direction.count
        var y = [Float](repeating: .nan, count: c.seq * dirs * c.batch * hidden)
        var yH = [Float](repeating: .nan, count: dirs * c.batch * hidden)
        var ws = [Float](repeating: .nan, count: kernel.workspaceCount(seq: c.seq, batch: c.batch))
        kernel.run(x: v.x, initialH: v.h0, y: &y, yH: &yH, seq: c.seq, batch: c.batch, workspace: &ws, threads: threads)
        return (y, yH)
    }

    @Test(arguments: cases)
    func matchesReference(_ c: Case) {
        let input = 3, hidden = 5
        let v = Self.inputs(c, input: input, hidden: hidden, seed: 0x6E_0 + UInt64(c.batch * 31 + c.seq))
        let want = Self.reference(c, v, input: input, hidden: hidden, clip: nil)
        let got = Self.run(c, v, input: input, hidden: hidden, clip: nil, threads: c.batch == 1 ? 1 : 2)
        seqExpectClose(got.y, want.y, "Y")
        seqExpectClose(got.yH, want.yH, "Y_h")
    }

    @Test(arguments: [false, true])
    func clipBoundsGatePreactivations(_ lbr: Bool) {
        let c = Case(direction: .bidirectional, initialState: true, bias: true, linearBeforeReset: lbr, batch: 2, seq: 7)
        let v = Self.inputs(c, input: 4, hidden: 6, seed: 41, scale: 2)
        let want = Self.reference(c, v, input: 4, hidden: 6, clip: 0.5)
        let got = Self.run(c, v, input: 4, hidden: 6, clip: 0.5, threads: 2)
        seqExpectClose(got.y, want.y, "Y")
        #expect(Self.reference(c, v, input: 4, hidden: 6, clip: nil).yH != want.yH, "the clip must have been active")
    }

    @Test(arguments: [false, true])
    func largerShapesThroughBLAS(_ lbr: Bool) {
        let c = Case(direction: .bidirectional, initialState: true, bias: true, linearBeforeReset: lbr, batch: 4, seq: 7)
        let v = Self.inputs(c, input: 40, hidden: 33, seed: 8, scale: 0.2)
        let want = Self.reference(c, v, input: 40, hidden: 33, clip: nil)
        for threads in [1, 2] {
            let got = Self.run(c, v, input: 40, hidden: 33, clip: nil, threads: threads)
            seqExpectClose(got.y, want.y, "Y threads \(threads)")
            seqExpectClose(got.yH, want.yH, "Y_h threads \(threads)")
        }
    }

    /// Hidden sizes that are multiples of 8 take the panel-packed recurrent product; at
    /// hidden 24 the h block is three panels (an odd count), at 8 a single one.
    @Test(arguments: [(1, 24), (5, 24), (8, 24), (8, 8)])
    func packedRecurrentProduct(_ batch: Int, _ hidden: Int) {
        for lbr in [false, true] {
            let c = Case(direction: .bidirectional, initialState: true, bias: true, linearBeforeReset: lbr, batch: batch, seq: 5)
            let v = Self.inputs(c, input: 7, hidden: hidden, seed: 0x9B + UInt64(batch), scale: 0.3)
            let want = Self.reference(c, v, input: 7, hidden: hidden, clip: nil)
            let got = Self.run(c, v, input: 7, hidden: hidden, clip: nil, threads: 1)
            seqExpectClose(got.y, want.y, "Y lbr \(lbr)")
            seqExpectClose(got.yH, want.yH, "Y_h lbr \(lbr)")
        }
    }
}
