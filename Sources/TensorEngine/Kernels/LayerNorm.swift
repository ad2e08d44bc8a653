#if canImport(Glibc)
import Glibc
#endif

/// ONNX LayerNormalization (opset 17): every row of `inner` elements — all dimensions from
/// `axis` on — is normalised to zero mean and unit variance, then scaled and shifted:
/// y = (x − mean) / √(var + ε) · scale + bias, with the biased (population) variance.
///
/// `scale` and `bias` hold `inner` elements: ONNX allows them to be merely broadcastable
/// to the normalised shape, and since they are initializers the converter expands them once
/// at load rather than broadcasting on every call. The optional `Mean` and `InvStdDev`
/// outputs (one per row) are written when given. `y` may be `x` (in place).
public enum LayerNormKernel {
    /// `(outer, inner)`: rows and row length for `shape` normalised from `axis` on
    /// (negative counts from the end; ONNX's default is −1).
    public static func extents(shape: [Int], axis: Int) -> (outer: Int, inner: Int) {
        let a = axis < 0 ? axis + shape.count : axis
        precondition(a >= 0 && a < shape.count, "layer-norm axis \(axis) out of range for rank \(shape.count)")
        return (shape[..<a].reduce(1, *), shape[a...].reduce(1, *))
    }

    public static func run(
        x: UnsafePointer<Float>, scale: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        y: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>? = nil,
        invStdDev: UnsafeMutablePointer<Float>? = nil,
        outer: Int, inner: Int, epsilon: Float, threads: Int
    ) {
        precondition(outer >= 0 && inner > 0)
        let minRows = max(1, KernelThreads.minElementsPerWorker / inner)
        KernelThreads.forEachChunk(count: outer, threads: threads, minPerWorker: minRows) { rows, _ in
            for row in rows {
                let xr = x + row * inner, yr = y + row * inner
                // Two passes (mean, then squared deviations) rather than E[x²] − E[x]²,
                // which cancels catastrophically when |mean| ≫ std (e.g. un-normalised
                // embeddings); the row is in cache for the second pass anyway. The mean is
                // summed as deviations from the first element for the same reason.
                let x0 = xr[0]
                let mu = x0 + VectorLoops.sum(xr, count: inner, minus: x0) / Float(inner)
                let variance = VectorLoops.sumOfSquares(xr, count: inner, around: mu) / Float(inner)
                let inv = 1 / sqrtf(variance + epsilon)
                if let bias {
                    for k in 0..<inner { yr[k] = (xr[k] - mu) * inv * scale[k] + bias[k] }
                } else {
                    for k in 0..<inner { yr[k] = (xr[k] - mu) * inv * scale[k] }
                }
                mean?[row] = mu
                invStdDev?[row] = inv
            }
        }
    }
}
