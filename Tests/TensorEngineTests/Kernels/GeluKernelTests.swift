#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import TensorEngine

/// Erf and both Gelu forms against Double formulas.
@Suite struct GeluKernelTests {
    static let inputs: [Float] = {
        var rng = SeqRNG(seed: 61)
        return rng.floats(5000, -8, 8) + [0, -0.0, 1e-8, -1e-8, 30, -30, .infinity, -.infinity]
    }()

    @Test func erfMatchesDouble() {
        var y = [Float](repeating: .nan, count: Self.inputs.count)
        GeluKernel.erf(x: Self.inputs, y: &y, count: y.count, threads: 1)
        seqExpectClose(y, Self.inputs.map { Glibc.erf(Double($0)) })
    }

    @Test(arguments: [GeluKernel.Approximation.none, .tanh])
    func geluMatchesFormula(_ approximation: GeluKernel.Approximation) {
        let want = Self.inputs.map { v -> Double in
            let x = Double(v)
            if x == -.infinity { return -0.0 }  // x·(1 + erf) → −∞·0 in the formula; the limit is 0
            switch approximation {
            case .none: return 0.5 * x * (1 + erf(x / 2.0.squareRoot()))
            case .tanh: return 0.5 * x * (1 + tanh((2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x)))
            }
        }
        var y = [Float](repeating: .nan, count: Self.inputs.count)
        GeluKernel.gelu(x: Self.inputs, y: &y, count: y.count, approximation: approximation, threads: 1)
        seqExpectClose(Array(y.dropLast()), Array(want.dropLast()))
        #expect(y.last!.isNaN || y.last! == 0, "Gelu(−∞) is 0 or NaN")
    }

    @Test func threadsAndInPlace() {
        var rng = SeqRNG(seed: 62)
        var x = rng.floats(70_000, -5, 5)
        let want = x.map { 0.5 * Double($0) * (1 + erf(Double($0) / 2.0.squareRoot())) }
        x.withUnsafeMutableBufferPointer { p in
            GeluKernel.gelu(x: p.baseAddress!, y: p.baseAddress!, count: p.count, approximation: .none, threads: 2)
        }
        seqExpectClose(x, want)
    }
}
