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

    /// y = erf(x), eight lanes at a time (`VectorMath.erf`, within 1e-7 of the true value;
    /// glibc's scalar `erff` took ≈ 20 ns an element here, most of Gelu's time).
    public static func erf(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, count: Int, threads: Int) {
        KernelThreads.forEachChunk(count: count, threads: threads, minPerWorker: 2 * KernelThreads.minElementsPerWorker) { range, _ in
            VectorMath.map(x + range.lowerBound, y + range.lowerBound, count: range.count, VectorMath.erf)
        }
    }

    public static func gelu(
        x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, count: Int,
        approximation: Approximation, threads: Int
    ) {
        KernelThreads.forEachChunk(count: count, threads: threads, minPerWorker: 2 * KernelThreads.minElementsPerWorker) { range, _ in
            let xs = x + range.lowerBound, ys = y + range.lowerBound
            switch approximation {
            case .none: geluExact(xs, ys, count: range.count)
            case .tanh: geluTanh(xs, ys, count: range.count)
            }
        }
    }

    // One vector-math call site per function: with erf's and tanh's exp in the same body the
    // optimiser stopped inlining exp and called it once per vector (a third of Gelu's time).
    private static func geluExact(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        VectorMath.map(x, y, count: count, VectorMath.gelu)
    }

    private static func geluTanh(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        let sqrt2OverPi: Float = 0.797_884_560_802_865_4
        // Vector tanh (VectorMath): no erf is needed, so this form runs eight wide.
        VectorMath.map(x, y, count: count) { v in
            0.5 * v * (1 + VectorMath.tanh(sqrt2OverPi * (v + 0.044_715 * v * v * v)))
        }
    }
}
