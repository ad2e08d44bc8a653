/// ONNX GRU (opset 14, `layout` 0), built once at load from the operator's weights.
///
/// Shapes (row-major float32): X `[seq, batch, input]`; W `[dirs, 3H, input]` and
/// R `[dirs, 3H, H]` with gates in ONNX order z, r, h; optional B `[dirs, 6H]` (Wb then
/// Rb) and initial_h `[dirs, batch, H]`. Outputs, each optional: Y `[seq, dirs, batch, H]`
/// and Y_h `[dirs, batch, H]`.
///
/// Both `linear_before_reset` modes. Supported subset, which the converter must enforce:
/// default activations (sigmoid, tanh) and every sequence at full length (`sequence_lens`
/// is not read). `clip` bounds the pre-activation of z, r and h, as onnxruntime does.
public struct GRUKernel: Sendable {
    public let direction: RecurrentDirection
    public let inputSize: Int
    public let hiddenSize: Int
    public let linearBeforeReset: Bool
    public let clip: Float?
    let weights: RecurrentWeights

    /// Packs the weights. Pointers are read only during the call.
    public init(
        w: UnsafePointer<Float>, r: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        inputSize: Int, hiddenSize: Int, direction: RecurrentDirection,
        linearBeforeReset: Bool, clip: Float? = nil
    ) {
        precondition(clip.map { $0 > 0 } ?? true, "GRU clip must be positive")
        self.direction = direction
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.linearBeforeReset = linearBeforeReset
        self.clip = clip
        // With linear_before_reset, Rbh is inside r ⊙ (h·Rhᵀ + Rbh), so it cannot join the
        // projection; without it, Rbh is a plain addend of the h gate and folds like the rest.
        weights = RecurrentWeights(
            w: w, r: r, bias: bias, directions: direction.count, gates: 3,
            inputSize: inputSize, hiddenSize: hiddenSize, unfoldedGates: linearBeforeReset ? 2..<3 : 0..<0)
    }

    /// Scratch floats one `run` needs: the projection of every step, then per direction the
    /// recurrent gates `[batch, 3H]`, the h state and r ⊙ h (`[batch, H]` each).
    public func workspaceCount(seq: Int, batch: Int) -> Int {
        seq * batch * weights.projectionWidth + direction.count * scratchPerDirection(batch: batch)
    }

    private func scratchPerDirection(batch: Int) -> Int { batch * 5 * hiddenSize }

    /// Runs the whole sequence; with `threads` ≥ 2 a bidirectional GRU's passes run
    /// concurrently (see `LSTMKernel.run`).
    public func run(
        x: UnsafePointer<Float>, initialH: UnsafePointer<Float>?,
        y: UnsafeMutablePointer<Float>?, yH: UnsafeMutablePointer<Float>?,
        seq: Int, batch: Int, workspace: UnsafeMutablePointer<Float>, threads: Int
    ) {
        precondition(seq >= 0 && batch >= 0)
        weights.project(x: x, rows: seq * batch, into: workspace, threads: threads)
        let scratch = workspace + seq * batch * weights.projectionWidth
        let per = scratchPerDirection(batch: batch)
        KernelThreads.forEachChunk(count: direction.count, threads: threads) { slots, _ in
            for d in slots {
                self.runDirection(
                    d, projection: workspace, seq: seq, batch: batch, initialH: initialH,
                    y: y, yH: yH, scratch: scratch + d * per)
            }
        }
    }

    /// One direction's recurrence, in ONNX's equations:
    /// z = σ(Xz + Hz), r = σ(Xr + Hr), H' = (1 − z) ⊙ ĥ + z ⊙ H, with
    /// ĥ = tanh(Xh + (r ⊙ H)·Rhᵀ + Rbh) by default and
    /// ĥ = tanh(Xh + r ⊙ (H·Rhᵀ + Rbh)) with linear_before_reset,
    /// where X* is the projection (biases folded in) and H* = H·R*ᵀ.
    private func runDirection(
        _ d: Int, projection: UnsafePointer<Float>, seq: Int, batch: Int, initialH: UnsafePointer<Float>?,
        y: UnsafeMutablePointer<Float>?, yH: UnsafeMutablePointer<Float>?, scratch: UnsafeMutablePointer<Float>
    ) {
        let hs = hiddenSize, gw = 3 * hs, pw = weights.projectionWidth, dirs = direction.count
        let states = batch * hs
        let gates = scratch, h = scratch + batch * gw, rh = h + states
        if let initialH { h.update(from: initialH + d * states, count: states) } else { h.update(repeating: 0, count: states) }
        let reversed = direction.isReversed(slot: d)
        let lbr = linearBeforeReset

        // Rbh of this direction's h gate, present exactly when linear_before_reset is set
        // (zeros without B). `?? []` does not allocate: empty arrays share one storage.
        (weights.recurrentBias ?? []).withUnsafeBufferPointer { rbuf in
            let rbh: UnsafePointer<Float>? = lbr ? rbuf.baseAddress! + d * gw + 2 * hs : nil
            for step in 0..<seq {
                let t = reversed ? seq - 1 - step : step
                // z and r always; h too when its product does not wait for r.
                weights.recur(h: h, batch: batch, direction: d, columns: 0..<(lbr ? gw : 2 * hs), into: gates, ldOut: gw)
                for b in 0..<batch {
                    // Whole-block passes, so the gate functions run eight at a time.
                    let g = gates + b * gw, xp = projection + (t * batch + b) * pw + d * gw
                    let z = g, r = g + hs, gh = g + 2 * hs
                    let hb = h + b * hs
                    for k in 0..<(2 * hs) { g[k] += xp[k] }
                    if let clip { recurrentClip(g, count: 2 * hs, clip) }
                    VectorMath.apply(g, count: 2 * hs, VectorMath.sigmoid)  // z and r are adjacent
                    if let rbh {
                        for j in 0..<hs { gh[j] = xp[2 * hs + j] + r[j] * (gh[j] + rbh[j]) }
                        if let clip { recurrentClip(gh, count: hs, clip) }
                        VectorMath.apply(gh, count: hs, VectorMath.tanh)
                        for j in 0..<hs { hb[j] = (1 - z[j]) * gh[j] + z[j] * hb[j] }
                    } else {
                        let rb = rh + b * hs
                        for j in 0..<hs { rb[j] = r[j] * hb[j] }
                    }
                }
                if !lbr {
                    weights.recur(h: rh, batch: batch, direction: d, columns: (2 * hs)..<gw, into: gates + 2 * hs, ldOut: gw)
                    for b in 0..<batch {
                        let g = gates + b * gw, xp = projection + (t * batch + b) * pw + d * gw
                        let z = g, gh = g + 2 * hs
                        let hb = h + b * hs
                        for j in 0..<hs { gh[j] += xp[2 * hs + j] }
                        if let clip { recurrentClip(gh, count: hs, clip) }
                        VectorMath.apply(gh, count: hs, VectorMath.tanh)
                        for j in 0..<hs { hb[j] = (1 - z[j]) * gh[j] + z[j] * hb[j] }
                    }
                }
                y.map { ($0 + (t * dirs + d) * states).update(from: h, count: states) }
            }
        }
        yH.map { ($0 + d * states).update(from: h, count: states) }
    }
}
