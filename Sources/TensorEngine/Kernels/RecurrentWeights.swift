import COpenBLAS

/// The weights of one ONNX recurrent operator (LSTM: 4 gates, GRU: 3), re-laid out once at
/// load for the two products every run makes, and owned so a run never touches the file's
/// layout again:
/// - the input projection of all time steps and all directions, `X·Wᵀ + bias`, as a single
///   sgemm: a time-independent product should not be paid `seq` times as thin GEMMs;
/// - the recurrent product `h·Rᵀ` of one direction at one step, for any column block
///   (GRU needs its z,r block and its h block separately).
/// Weights are stored transposed (`[K, gates·hidden]`) so both products are NoTrans GEMMs
/// whose output columns are the gates, in ONNX gate order.
struct RecurrentWeights: Sendable {
    let directions: Int
    let gates: Int
    let inputSize: Int
    let hiddenSize: Int
    /// Wᵀ of every direction side by side, `[input, directions·gates·hidden]`.
    let inputWeightsT: [Float]
    /// Rᵀ of each direction, `[directions][hidden, gates·hidden]`.
    let recurrentWeightsT: [Float]
    /// Added to the projection, `[directions·gates·hidden]`: Wb + Rb for every gate whose Rb
    /// may be folded (it sits inside the activation untouched by any product), Wb alone
    /// for the others. Zeros without B.
    let projectionBias: [Float]
    /// Rb of the gates that may not be folded, `[directions, gates·hidden]` (zeros
    /// elsewhere, and everywhere without B); nil when every gate folds.
    let recurrentBias: [Float]?

    /// Columns of one direction's gate block.
    var gateWidth: Int { gates * hiddenSize }
    /// Columns of the projection rows: every direction's gates.
    var projectionWidth: Int { directions * gateWidth }

    /// - Parameters:
    ///   - w: ONNX W, `[directions, gates·hidden, input]`.
    ///   - r: ONNX R, `[directions, gates·hidden, hidden]`.
    ///   - bias: ONNX B, `[directions, 2·gates·hidden]` (Wb then Rb), or nil for zeros.
    ///   - unfoldedGates: gates whose Rb must stay out of the projection (GRU's h gate when
    ///     linear_before_reset is set, because there Rb is multiplied by r).
    init(
        w: UnsafePointer<Float>, r: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        directions: Int, gates: Int, inputSize: Int, hiddenSize: Int, unfoldedGates: Range<Int> = 0..<0
    ) {
        precondition(directions >= 1 && gates >= 1 && inputSize >= 1 && hiddenSize >= 1)
        self.directions = directions
        self.gates = gates
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        let gw = gates * hiddenSize, pw = directions * gw

        var wt = [Float](repeating: 0, count: inputSize * pw)
        var rt = [Float](repeating: 0, count: directions * hiddenSize * gw)
        for d in 0..<directions {
            for row in 0..<gw {
                for k in 0..<inputSize { wt[k * pw + d * gw + row] = w[(d * gw + row) * inputSize + k] }
                for k in 0..<hiddenSize { rt[(d * hiddenSize + k) * gw + row] = r[(d * gw + row) * hiddenSize + k] }
            }
        }
        inputWeightsT = wt
        recurrentWeightsT = rt

        var pb = [Float](repeating: 0, count: pw)
        var rb: [Float]? = unfoldedGates.isEmpty ? nil : [Float](repeating: 0, count: pw)
        if let bias {
            for d in 0..<directions {
                for row in 0..<gw {
                    let wb = bias[d * 2 * gw + row], recurrent = bias[d * 2 * gw + gw + row]
                    if unfoldedGates.contains(row / hiddenSize) {
                        pb[d * gw + row] = wb
                        rb![d * gw + row] = recurrent
                    } else {
                        pb[d * gw + row] = wb + recurrent
                    }
                }
            }
        }
        projectionBias = pb
        recurrentBias = rb
    }

    /// `out[rows, projectionWidth] = x[rows, input] · Wᵀ + projectionBias`, where `rows` is
    /// seq·batch (ONNX X is `[seq, batch, input]`, so its rows are already time-major).
    func project(x: UnsafePointer<Float>, rows: Int, into out: UnsafeMutablePointer<Float>) {
        let pw = projectionWidth
        guard rows > 0 else { return }
        projectionBias.withUnsafeBufferPointer { b in
            for i in 0..<rows { (out + i * pw).update(from: b.baseAddress!, count: pw) }
        }
        inputWeightsT.withUnsafeBufferPointer { wt in
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(pw), Int32(inputSize),
                1, x, Int32(inputSize), wt.baseAddress!, Int32(pw), 1, out, Int32(pw))
        }
    }

    /// `out[batch, columns.count] = h[batch, hidden] · Rᵀ[:, columns]` for one direction,
    /// `out` rows `ldOut` apart. Batch 1 goes to sgemv: OpenBLAS 0.3.21 runs a one-row
    /// sgemm through its packing path; measured here (one thread) at H=128, 4H=512, sgemv
    /// takes 4.1 µs against sgemm's 6.2 (Cooperlake kernels) and 5.4 against 18 (Haswell).
    func recur(
        h: UnsafePointer<Float>, batch: Int, direction d: Int, columns: Range<Int>,
        into out: UnsafeMutablePointer<Float>, ldOut: Int
    ) {
        let gw = gateWidth, hs = hiddenSize
        recurrentWeightsT.withUnsafeBufferPointer { rt in
            let a = rt.baseAddress! + d * hs * gw + columns.lowerBound
            if batch == 1 {
                cblas_sgemv(CblasRowMajor, CblasTrans, Int32(hs), Int32(columns.count), 1, a, Int32(gw), h, 1, 0, out, 1)
            } else {
                cblas_sgemm(
                    CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(batch), Int32(columns.count), Int32(hs),
                    1, h, Int32(hs), a, Int32(gw), 0, out, Int32(ldOut))
            }
        }
    }
}

/// Limits `count` pre-activations to `[-bound, bound]` in place (ONNX `clip`), NaN kept:
/// Swift's `min`/`max` would silently drop a NaN argument.
func recurrentClip(_ p: UnsafeMutablePointer<Float>, count: Int, _ bound: Float) {
    for k in 0..<count {
        let x = p[k]
        p[k] = x > bound ? bound : (x < -bound ? -bound : x)
    }
}
