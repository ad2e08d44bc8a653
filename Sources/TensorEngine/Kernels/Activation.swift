#if canImport(Glibc)
import Glibc
#endif

/// An element-wise activation, applied on its own or fused into the epilogue of Conv and
/// Gemm (the converter folds `Conv → Relu` into one node so the output is written once).
public enum Activation: Sendable, Equatable, Codable {
    case none
    case relu
    /// Clip to [min, max]; ReLU6 is clip(0, 6).
    case clip(min: Float, max: Float)
    case leakyRelu(alpha: Float)
    case sigmoid
    /// max(0, min(1, alpha·x + beta)), ONNX defaults alpha 0.2, beta 0.5.
    case hardSigmoid(alpha: Float, beta: Float)
    /// x · max(0, min(1, x/6 + 1/2)).
    case hardSwish
    case tanh

    /// Applies the activation in place to `count` floats.
    @inlinable
    public func apply(_ p: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .none:
            return
        case .relu:
            for i in 0..<count { p[i] = max(p[i], 0) }
        case .clip(let lo, let hi):
            for i in 0..<count { p[i] = min(max(p[i], lo), hi) }
        case .leakyRelu(let alpha):
            for i in 0..<count { p[i] = p[i] >= 0 ? p[i] : alpha * p[i] }
        case .sigmoid:
            for i in 0..<count { p[i] = 1 / (1 + expf(-p[i])) }
        case .hardSigmoid(let alpha, let beta):
            for i in 0..<count { p[i] = min(max(alpha * p[i] + beta, 0), 1) }
        case .hardSwish:
            for i in 0..<count { p[i] = p[i] * min(max(p[i] / 6 + 0.5, 0), 1) }
        case .tanh:
            for i in 0..<count { p[i] = tanhf(p[i]) }
        }
    }
}
