#if canImport(Glibc)
import Glibc
#endif

/// The Conv/Gemm epilogue: bias add and activation in one pass over a row of output, so
/// the output is read and written once after the GEMM rather than once per step.
extension Activation {
    /// `p[i] = activation(p[i] + bias)` for `count` floats. The switch is outside the loops
    /// so each loop is a straight line the compiler can vectorise.
    @inlinable
    public func apply(_ p: UnsafeMutablePointer<Float>, count: Int, bias: Float) {
        if bias == 0 {
            apply(p, count: count)
            return
        }
        switch self {
        case .none:
            for i in 0..<count { p[i] += bias }
        case .relu:
            for i in 0..<count { p[i] = max(p[i] + bias, 0) }
        case .clip(let lo, let hi):
            for i in 0..<count { p[i] = min(max(p[i] + bias, lo), hi) }
        case .leakyRelu(let alpha):
            for i in 0..<count {
                let x = p[i] + bias
                p[i] = x >= 0 ? x : alpha * x
            }
        case .sigmoid:
            for i in 0..<count { p[i] = 1 / (1 + expf(-(p[i] + bias))) }
        case .hardSigmoid(let alpha, let beta):
            for i in 0..<count { p[i] = min(max(alpha * (p[i] + bias) + beta, 0), 1) }
        case .hardSwish:
            for i in 0..<count {
                let x = p[i] + bias
                p[i] = x * min(max(x / 6 + 0.5, 0), 1)
            }
        case .tanh:
            for i in 0..<count { p[i] = tanhf(p[i] + bias) }
        }
    }
}
