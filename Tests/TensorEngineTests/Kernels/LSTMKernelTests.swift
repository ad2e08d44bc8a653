#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import TensorEngine

/// LSTM against a direct transcription of the ONNX equations, in Double.
@Suite struct LSTMKernelTests {
    /// One configuration of the operator's optional parts.
    struct Case: Sendable, CustomTestStringConvertible {
        var direction: RecurrentDirection
        var initialStates: Bool
        var bias: Bool
        var peepholes: Bool
        var batch: Int
        var seq: Int
        var testDescription: String {
            "\(direction) init:\(initialStates) bias:\(bias) peep:\(peepholes) batch:\(batch) seq:\(seq)"
        }
    }

    static let cases: [Case] = RecurrentDirection.allCases.flatMap { dir in
        [false, true].flatMap { initial in
            [false, true].flatMap { bias in
                [false, true].flatMap { peep in
                    [1, 3].flatMap { batch in
                        [1, 7].map { Case(direction: dir, initialStates: initial, bias: bias, peepholes: peep, batch: batch, seq: $0) }
                    }
                }
            }
        }
    }

    /// Operator inputs drawn from one seed.
    struct Inputs {
        var x, w, r: [Float]
        var b, p, h0, c0: [Float]?
    }

    static func inputs(_ c: Case, input: Int, hidden: Int, seed: UInt64, scale: Float = 0.5) -> Inputs {
        var rng = SeqRNG(seed: seed)
        let d = c.direction.count
        return Inputs(
            x: rng.floats(c.seq * c.batch * input),
            w: rng.floats(d * 4 * hidden * input, -scale, scale),
            r: rng.floats(d * 4 * hidden * hidden, -scale, scale),
            b: c.bias ? rng.floats(d * 8 * hidden, -scale, scale) : nil,
            p: c.peepholes ? rng.floats(d * 3 * hidden, -scale, scale) : nil,
            h0: c.initialStates ? rng.floats(d * c.batch * hidden) : nil,
            c0: c.initialStates ? rng.floats(d * c.batch * hidden) : nil)
    }

    /// The ONNX equations, one element at a time, gates i, o, f, c.
    static func reference(_ c: Case, _ v: Inputs, input: Int, hidden hs: Int, clip: Double?)
        -> (y: [Double], yH: [Double], yC: [Double])
    {
        let dirs = c.direction.count, batch = c.batch, seq = c.seq
        func sig(_ x: Double) -> Double { 1 / (1 + exp(-x)) }
        func cl(_ x: Double) -> Double { clip.map { min(max(x, -$0), $0) } ?? x }
        var y = [Double](repeating: 0, count: seq * dirs * batch * hs)
        var yH = [Double](repeating: 0, count: dirs * batch * hs), yC = yH
        for d in 0..<dirs {
            for b in 0..<batch {
                var h = [Double](repeating: 0, count: hs)
                var cs = h
                for j in 0..<hs {
                    h[j] = v.h0.map { Double($0[(d * batch + b) * hs + j]) } ?? 0
                    cs[j] = v.c0.map { Double($0[(d * batch + b) * hs + j]) } ?? 0
                }
                let order = c.direction.isReversed(slot: d) ? Array((0..<seq).reversed()) : Array(0..<seq)
                for t in order {
                    // pre[g][j] = x·W + h·R + Wb + Rb for gate g.
                    var pre = [[Double]](repeating: [Double](repeating: 0, count: hs), count: 4)
                    for g in 0..<4 {
                        for j in 0..<hs {
                            let row = d * 4 * hs + g * hs + j
                            var s = 0.0
                            for k in 0..<input { s += Double(v.x[(t * batch + b) * input + k]) * Double(v.w[row * input + k]) }
                            for k in 0..<hs { s += h[k] * Double(v.r[row * hs + k]) }
                            if let bb = v.b {
                                let wb: Float = bb[row + d * 4 * hs], rb: Float = bb[row + d * 4 * hs + 4 * hs]
                                s += Double(wb) + Double(rb)
                            }
                            pre[g][j] = s
                        }
                    }
                    for j in 0..<hs {
                        var p: [Double] = [0, 0, 0]
                        if let pp = v.p { for g in 0..<3 { p[g] = Double(pp[d * 3 * hs + g * hs + j]) } }
                        let i = sig(cl(pre[0][j] + p[0] * cs[j]))
                        let f = sig(cl(pre[2][j] + p[2] * cs[j]))
                        let cc = tanh(cl(pre[3][j]))
                        cs[j] = f * cs[j] + i * cc
                        let o = sig(cl(pre[1][j] + p[1] * cs[j]))
                        h[j] = o * tanh(cs[j])
                        y[((t * dirs + d) * batch + b) * hs + j] = h[j]
                    }
                }
                for j in 0..<hs {
                    yH[(d * batch + b) * hs + j] = h[j]
                    yC[(d * batch + b) * hs + j] = cs[j]
                }
            }
        }
        return (y, yH, yC)
    }

    /// Runs the kernel on `v`, with fresh output buffers and workspace.
    static func run(_ c: Case, _ v: Inputs, input: Int, hidden: Int, clip: Float?, threads: Int)
        -> (y: [Float], yH: [Float], yC: [Float])
    {
        let kernel = LSTMKernel(
            w: v.w, r: v.r, bias: v.b, peepholes: v.p, inputSize: input, hiddenSize: hidden,
            direction: c.direction, clip: clip)
        let dirs = c.direction.count
        var y = [Float](repeating: .nan, count: c.seq * dirs * c.batch * hidden)
        var yH = [Float](repeating: .nan, count: dirs * c.batch * hidden), yC = yH
        // NaN-filled scratch: any element read before it is written poisons the result.
        var ws = [Float](repeating: .nan, count: kernel.workspaceCount(seq: c.seq, batch: c.batch))
        kernel.run(
            x: v.x, initialH: v.h0, initialC: v.c0, y: &y, yH: &yH, yC: &yC,
            seq: c.seq, batch: c.batch, workspace: &ws, threads: threads)
        return (y, yH, yC)
    }

    @Test(arguments: cases)
    func matchesReference(_ c: Case) {
        let input = 3, hidden = 5
        let v = Self.inputs(c, input: input, hidden: hidden, seed: 0x15_7A + UInt64(c.batch * 31 + c.seq))
        let want = Self.reference(c, v, input: input, hidden: hidden, clip: nil)
        // Two threads on half the cases: bidirectional passes then run concurrently.
        let got = Self.run(c, v, input: input, hidden: hidden, clip: nil, threads: c.batch == 1 ? 1 : 2)
        seqExpectClose(got.y, want.y, "Y")
        seqExpectClose(got.yH, want.yH, "Y_h")
        seqExpectClose(got.yC, want.yC, "Y_c")
    }

    @Test(arguments: RecurrentDirection.allCases)
    func clipBoundsGatePreactivations(_ dir: RecurrentDirection) {
        // Weights large enough that most pre-activations exceed the clip.
        let c = Case(direction: dir, initialStates: true, bias: true, peepholes: true, batch: 2, seq: 7)
        let v = Self.inputs(c, input: 4, hidden: 6, seed: 99, scale: 2)
        let want = Self.reference(c, v, input: 4, hidden: 6, clip: 0.75)
        let got = Self.run(c, v, input: 4, hidden: 6, clip: 0.75, threads: 2)
        seqExpectClose(got.y, want.y, "Y")
        seqExpectClose(got.yC, want.yC, "Y_c")
        let unclipped = Self.reference(c, v, input: 4, hidden: 6, clip: nil)
        #expect(unclipped.yC != want.yC, "the clip must have been active")
    }

    @Test func largerShapesThroughBLAS() {
        // Sizes where OpenBLAS takes its blocked paths rather than edge loops.
        let c = Case(direction: .bidirectional, initialStates: true, bias: true, peepholes: true, batch: 4, seq: 7)
        let v = Self.inputs(c, input: 40, hidden: 33, seed: 7, scale: 0.2)
        let want = Self.reference(c, v, input: 40, hidden: 33, clip: nil)
        for threads in [1, 2] {
            let got = Self.run(c, v, input: 40, hidden: 33, clip: nil, threads: threads)
            seqExpectClose(got.y, want.y, "Y threads \(threads)")
            seqExpectClose(got.yC, want.yC, "Y_c threads \(threads)")
        }
    }

    @Test func oneKernelRunsFromSeveralThreadsAtOnce() async {
        // The plan shares one built kernel between concurrent inferences, each with its
        // own workspace and outputs: the kernel itself must hold no mutable state.
        let c = Case(direction: .bidirectional, initialStates: true, bias: true, peepholes: true, batch: 2, seq: 7)
        let v = Self.inputs(c, input: 3, hidden: 5, seed: 77)
        let kernel = LSTMKernel(w: v.w, r: v.r, bias: v.b, peepholes: v.p, inputSize: 3, hiddenSize: 5, direction: .bidirectional)
        let want = Self.reference(c, v, input: 3, hidden: 5, clip: nil).y
        let results = await withTaskGroup(of: [Float].self) { group in
            for _ in 0..<8 {
                group.addTask {
                    var y = [Float](repeating: .nan, count: 7 * 2 * 2 * 5)
                    var ws = [Float](repeating: .nan, count: kernel.workspaceCount(seq: 7, batch: 2))
                    for _ in 0..<20 {
                        kernel.run(x: v.x, initialH: v.h0, initialC: v.c0, y: &y, yH: nil, yC: nil,
                                   seq: 7, batch: 2, workspace: &ws, threads: 2)
                    }
                    return y
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        for y in results { seqExpectClose(y, want, "Y") }
    }

    @Test func outputsAreOptional() {
        let c = Case(direction: .reverse, initialStates: false, bias: true, peepholes: false, batch: 2, seq: 3)
        let v = Self.inputs(c, input: 3, hidden: 4, seed: 5)
        let kernel = LSTMKernel(w: v.w, r: v.r, bias: v.b, peepholes: nil, inputSize: 3, hiddenSize: 4, direction: .reverse)
        var yH = [Float](repeating: 0, count: 8)
        var ws = [Float](repeating: 0, count: kernel.workspaceCount(seq: 3, batch: 2))
        kernel.run(x: v.x, initialH: nil, initialC: nil, y: nil, yH: &yH, yC: nil, seq: 3, batch: 2, workspace: &ws, threads: 1)
        seqExpectClose(yH, Self.reference(c, v, input: 3, hidden: 4, clip: nil).yH, "Y_h")
    }

    /// Hidden sizes that are multiples of 8 take the panel-packed recurrent product
    /// (`RecurrentProduct`): batches 1, 5 and 8 cover its 4-row tiles, its 1-row tiles and
    /// the leftover rows.
    @Test(arguments: [1, 5, 8])
    func packedRecurrentProduct(_ batch: Int) {
        let c = Case(direction: .bidirectional, initialStates: true, bias: true, peepholes: false, batch: batch, seq: 5)
        let v = Self.inputs(c, input: 7, hidden: 24, seed: 0x9A + UInt64(batch), scale: 0.3)
        let want = Self.reference(c, v, input: 7, hidden: 24, clip: nil)
        let got = Self.run(c, v, input: 7, hidden: 24, clip: nil, threads: 1)
        seqExpectClose(got.y, want.y, "Y")
        seqExpectClose(got.yC, want.yC, "Y_c")
    }
}
