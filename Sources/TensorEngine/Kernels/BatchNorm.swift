/// BatchNormalization at inference: `y = scale · (x − mean) / √(var + ε) + B` per channel,
/// which is the affine map `y = x·a + b` with `a = scale / √(var + ε)` and `b = B − mean·a`.
/// The coefficients are computed once at load (`coefficients`); `run` is one multiply-add
/// per element. The converter usually removes the node altogether by folding it into the
/// preceding Conv (`foldIntoConv`).
public enum BatchNormKernel {
    /// The per-channel `a` and `b` of the affine form, from the ONNX inputs (each [C]).
    /// Computed in Double so folding does not add rounding beyond the final Float store.
    public static func coefficients(
        scale: [Float], bias: [Float], mean: [Float], variance: [Float], epsilon: Float
    ) -> (a: [Float], b: [Float]) {
        let c = scale.count
        precondition(bias.count == c && mean.count == c && variance.count == c, "BatchNormalization inputs must all have C values")
        var a = [Float](repeating: 0, count: c)
        var b = [Float](repeating: 0, count: c)
        for i in 0..<c {
            let ai = Double(scale[i]) / (Double(variance[i]) + Double(epsilon)).squareRoot()
            a[i] = Float(ai)
            b[i] = Float(Double(bias[i]) - Double(mean[i]) * ai)
        }
        return (a, b)
    }

    /// `output = input · a[c] + b[c]` over [batch, channels, spatial] (NCHW with H·W
    /// flattened; `spatial` is 1 for [N, C] input). `output` may equal `input` (in place).
    public static func run(
        input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, batch: Int, channels: Int, spatial: Int,
        a: UnsafePointer<Float>, b: UnsafePointer<Float>, threads: Int
    ) {
        let planes = batch * channels
        let body = { (plane: Int) in
            let (ai, bi) = (a[plane % channels], b[plane % channels])
            let x = input + plane * spatial
            let y = output + plane * spatial
            for i in 0..<spatial { y[i] = x[i] * ai + bi }
        }
        // Memory-bound: a second thread only pays off on a few hundred thousand floats.
        KernelThreads.forEachChunk(count: planes, threads: threads, minPerWorker: max(1, 65_536 / max(1, spatial))) { range, _ in
            for plane in range { body(plane) }
        }
    }

    /// Folds a BatchNormalization that reads a Conv's output into the Conv: output channel m
    /// of the weight ([M, …], any trailing shape) is scaled by a[m], and the bias becomes
    /// `bias[m]·a[m] + b[m]` (a missing conv bias counts as zeros). The same holds for any
    /// weight whose first axis is the output channel, e.g. Gemm with transB = 1.
    /// Returns new arrays; the Conv with them computes BN(Conv(x)) exactly up to rounding.
    public static func foldIntoConv(
        weight: [Float], bias convBias: [Float]?, outChannels m: Int,
        scale: [Float], bias: [Float], mean: [Float], variance: [Float], epsilon: Float
    ) -> (weight: [Float], bias: [Float]) {
        precondition(m > 0 && weight.count % m == 0 && scale.count == m, "BatchNormalization channels must equal the conv's outputs")
        precondition(convBias.map { $0.count == m } ?? true)
        let (a, b) = coefficients(scale: scale, bias: bias, mean: mean, variance: variance, epsilon: epsilon)
        let per = weight.count / m
        var newWeight = weight
        var newBias = [Float](repeating: 0, count: m)
        for o in 0..<m {
            for i in (o * per)..<((o + 1) * per) { newWeight[i] = weight[i] * a[o] }
            newBias[o] = Float(Double(convBias?[o] ?? 0) * Double(a[o]) + Double(b[o]))
        }
        return (newWeight, newBias)
    }
}
