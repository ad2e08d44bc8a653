#if canImport(Glibc)
import Glibc
#endif

/// ONNX Erf (opset 13) and Gelu (opset 20), element-wise; `y` may be `x` (in place).
///
/// Gelu's exact form is 0.5·x·(1 + erf(x/√2)); `approximate = "tanh"` is
/// 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). Models exported before opset 20 spell the
/// exact form out as Div, Erf, Add, Mul, Mul — the converter can fuse that pattern into
/// `gelu(approximation: .none)`, or run it node by node with `erf`.
public enum GeluKernel {
    /// ONNX Gelu's `approximate` attribute.
    public enum Approximation: String, Sendable {
        case none
        case tanh
    }

    /// y = erf(x), glibc's `erff` (correctly rounded to within an ulp or so).
    public static func erf(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, count: Int, threads: Int) {
        KernelThreads.forEachChunk(count: count, threads: threads, minPerWorker: 16384) { range, _ in
            for i in range { y[i] = erff(x[i]) }
        }
    }

    public static func gelu(
        x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, count: Int,
        approximation: Approximation, threads: Int
    ) {
        let invSqrt2: Float = 0.707_106_781_186_547_5
        let sqrt2OverPi: Float = 0.797_884_560_802_865_4
        KernelThreads.forEachChunk(count: count, threads: threads, minPerWorker: 16384) { range, _ in
            switch approximation {
            case .none:
                for i in range {
                    let v = x[i]
                    y[i] = 0.5 * v * (1 + erff(v * invSqrt2))
                }
            case .tanh:
                // Vector tanh (VectorMath): no erf is needed, so this form runs eight wide.
                VectorMath.map(x + range.lowerBound, y + range.lowerBound, count: range.count) { v in
                    0.5 * v * (1 + VectorMath.tanh(sqrt2OverPi * (v + 0.044_715 * v * v * v)))
                }
            }
        }
    }
}
