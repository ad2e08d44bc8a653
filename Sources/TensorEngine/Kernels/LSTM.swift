
/// ONNX LSTM (opset 14, `layout` 0), built once at load from the operator's weights.
///
/// Shapes (row-major float32): X `[seq, batch, input]`; W `[dirs, 4H, input]` and
/// R `[dirs, 4H, H]` with gates in ONNX order i, o, f, c; optional B `[dirs, 8H]` (Wb then
/// Rb), initial_h / initial_c `[dirs, batch, H]`, P `[dirs, 3H]` (i, o, f). Outputs, each
/// optional: Y `[seq, dirs, batch, H]`, Y_h and Y_c `[dirs, batch, H]`.
///
/// Supported subset, which the converter must enforce: default activations (sigmoid, tanh,
/// tanh), `input_forget` 0, and every sequence at full length — `sequence_lens` is not
/// read, so a model that feeds shorter sequences would need it rejected or equal to `seq`.
/// `clip` bounds every gate's pre-activation (after bias and peephole), as onnxruntime
/// does; the cell state itself is not clipped.
public struct LSTMKernel: Sendable {
    public let direction: RecurrentDirection
    public let inputSize: Int
    public let hiddenSize: Int
    public let clip: Float?
    let weights: RecurrentWeights
    /// P copied, `[dirs, 3H]`; empty without peepholes.
    let peepholes: [Float]

    /// Packs the weights. Pointers are read only during the call.
    public init(
        w: UnsafePointer<Float>, r: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        peepholes: UnsafePointer<Float>?, inputSize: Int, hiddenSize: Int,
        direction: RecurrentDirection, clip: Float? = nil
    ) {
        precondition(clip.map { $0 > 0 } ?? true, "LSTM clip must be positive")
        self.direction = direction
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.clip = clip
        weights = RecurrentWeights(
            w: w, r: r, bias: bias, directions: direction.count, gates: 4,
            inputSize: inputSize, hiddenSize: hiddenSize)
        let pc = direction.count * 3 * hiddenSize
        self.peepholes = peepholes.map { Array(UnsafeBufferPointer(start: $0, count: pc)) } ?? []
    }

    /// Scratch floats one `run` needs: the projection of every step, then per direction the
    /// recurrent gates `[batch, 4H]` and the h and c state `[batch, H]` each. Directions
    /// get separate state so they can run at the same time.
    public func workspaceCount(seq: Int, batch: Int) -> Int {
        seq * batch * weights.projectionWidth + direction.count * scratchPerDirection(batch: batch)
    }

    private func scratchPerDirection(batch: Int) -> Int { batch * 6 * hiddenSize }

    /// Runs the whole sequence. With `threads` ≥ 2 the work splits into independent
    /// recurrences that need no synchronisation between steps: the two passes of a
    /// bidirectional LSTM, and, with threads to spare, disjoint blocks of batch rows (each
    /// block runs all steps on its own rows of the state, gates and outputs). Splitting a
    /// step's product instead would cost a barrier per step, more than the product at H 128.
    public func run(
        x: UnsafePointer<Float>, initialH: UnsafePointer<Float>?, initialC: UnsafePointer<Float>?,
        y: UnsafeMutablePointer<Float>?, yH: UnsafeMutablePointer<Float>?, yC: UnsafeMutablePointer<Float>?,
        seq: Int, batch: Int, workspace: UnsafeMutablePointer<Float>, threads: Int
    ) {
        precondition(seq >= 0 && batch >= 0)
        weights.project(x: x, rows: seq * batch, into: workspace, threads: threads)
        let scratch = workspace + seq * batch * weights.projectionWidth
        let per = scratchPerDirection(batch: batch), dirs = direction.count
        let blocks = threads > dirs && batch > 1 ? min(batch, threads / dirs) : 1
        KernelThreads.forEachChunk(count: dirs * blocks, threads: threads) { slots, _ in
            for item in slots {
                let d = item / blocks
                self.runDirection(
                    d, rows: KernelThreads.chunk(item % blocks, of: blocks, count: batch), projection: workspace,
                    seq: seq, batch: batch, initialH: initialH, initialC: initialC,
                    y: y, yH: yH, yC: yC, scratch: scratch + d * per)
            }
        }
    }

    /// One direction's recurrence over all steps, in ONNX's equations:
    /// i = σ(Xi + Hi + Pi⊙C), f = σ(Xf + Hf + Pf⊙C), c = tanh(Xc + Hc),
    /// C' = f⊙C + i⊙c, o = σ(Xo + Ho + Po⊙C'), H' = o⊙tanh(C'),
    /// where X* (projection, biases folded in) and H* (h·Rᵀ) are the gate blocks.
    /// Only batch rows `rows` are computed (their slices of every buffer).
    private func runDirection(
        _ d: Int, rows: Range<Int>, projection: UnsafePointer<Float>, seq: Int, batch: Int,
        initialH: UnsafePointer<Float>?, initialC: UnsafePointer<Float>?,
        y: UnsafeMutablePointer<Float>?, yH: UnsafeMutablePointer<Float>?, yC: UnsafeMutablePointer<Float>?,
        scratch: UnsafeMutablePointer<Float>
    ) {
        let hs = hiddenSize, gw = 4 * hs, pw = weights.projectionWidth, dirs = direction.count
        let states = batch * hs, b0 = rows.lowerBound, n = rows.count, mine = n * hs
        let gates = scratch + b0 * gw, h = scratch + batch * gw + b0 * hs, c = h + states
        let first = d * states + b0 * hs  // this block's offset in [dirs, batch, H] tensors
        if let initialH { h.update(from: initialH + first, count: mine) } else { h.update(repeating: 0, count: mine) }
        if let initialC { c.update(from: initialC + first, count: mine) } else { c.update(repeating: 0, count: mine) }
        let reversed = direction.isReversed(slot: d)

        peepholes.withUnsafeBufferPointer { pbuf in
            let p: UnsafePointer<Float>? = pbuf.isEmpty ? nil : pbuf.baseAddress! + d * 3 * hs
            for step in 0..<seq {
                let t = reversed ? seq - 1 - step : step
                // Gates = projection of step t (biases folded in) + h·Rᵀ.
                weights.recur(
                    h: h, batch: n, direction: d, columns: 0..<gw, into: gates, ldOut: gw,
                    addend: projection + (t * batch + b0) * pw + d * gw, ldAddend: pw)
                for b in 0..<n {
                    // Whole-block passes rather than one loop per element, so the gate
                    // functions run eight at a time in VectorMath.
                    let g = gates + b * gw
                    let gi = g, go = g + hs, gf = g + 2 * hs, gc = g + 3 * hs
                    let hb = h + b * hs, cb = c + b * hs
                    if let p {
                        for j in 0..<hs {
                            gi[j] += p[j] * cb[j]
                            gf[j] += p[2 * hs + j] * cb[j]
                        }
                    }
                    if let clip {
                        recurrentClip(gi, count: hs, clip)
                        recurrentClip(gf, count: hs, clip)
                        recurrentClip(gc, count: hs, clip)
                    }
                    VectorMath.apply(gi, count: hs, VectorMath.sigmoid)
                    VectorMath.apply(gf, count: hs, VectorMath.sigmoid)
                    VectorMath.apply(gc, count: hs, VectorMath.tanh)
                    for j in 0..<hs { cb[j] = gf[j] * cb[j] + gi[j] * gc[j] }
                    // The output gate's peephole sees the new cell state.
                    if let p { for j in 0..<hs { go[j] += p[hs + j] * cb[j] } }
                    if let clip { recurrentClip(go, count: hs, clip) }
                    VectorMath.apply(go, count: hs, VectorMath.sigmoid)
                    // tanh(C') into the spent c block, then H' = o ⊙ tanh(C').
                    VectorMath.map(cb, gc, count: hs, VectorMath.tanh)
                    for j in 0..<hs { hb[j] = go[j] * gc[j] }
                }
                // Y's slice for (t, d) is a contiguous [batch, H] block.
                y.map { ($0 + (t * dirs + d) * states + b0 * hs).update(from: h, count: mine) }
            }
        }
        yH.map { ($0 + first).update(from: h, count: mine) }
        yC.map { ($0 + first).update(from: c, count: mine) }
    }

}
