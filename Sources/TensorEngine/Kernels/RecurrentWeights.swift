import COpenBLAS
import CKilnKernels

/// The weights of one ONNX recurrent operator (LSTM: 4 gates, GRU: 3), re-laid out once at
/// load for the two products every run makes, and owned so a run never touches the file's
/// layout again:
/// - the input projection of all time steps and all directions, `X·Wᵀ + bias`, as a single
///   GEMM on Kiln's packed kernel: a time-independent product should not be paid `seq`
///   times as thin GEMMs;
/// - the recurrent product `h·Rᵀ` of one direction at one step, for any column block
///   (GRU needs its z,r block and its h block separately).
/// Weights are stored transposed (`[K, gates·hidden]`) so both products are NoTrans GEMMs
/// whose output columns are the gates, in ONNX gate order.
struct RecurrentWeights: Sendable {
    let directions: Int
    let gates: Int
    let inputSize: Int
    let hiddenSize: Int
    /// Wᵀ of every direction side by side, `[input, directions·gates·hidden]`, packed as the
    /// B operand of the projection.
    let inputWeights: PackedOperand
    /// Rᵀ of each direction, `[directions][hidden, gates·hidden]`.
    let recurrentWeightsT: [Float]
    /// Rᵀ of each direction packed as a B operand for Kiln's GEMM, used when a step needs all
    /// of a direction's gate columns (LSTM): 8 × 48 AVX-512 tiles cover a batch-8 step in
    /// one pass over Rᵀ.
    let recurrentPacked: [PackedOperand]
    /// Rᵀ again, cut into panels of eight gate columns for `RecurrentProduct`:
    /// `[directions][gates·hidden / 8][hidden][8]`, so a panel streams contiguously through
    /// the whole k loop. Empty when hidden is not a multiple of 8 (then BLAS does the product).
    let recurrentPanels: [Float]
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
        inputWeights = PackedOperand.packing(wt, side: .b, outer: pw, k: inputSize, outerStride: 1, kStride: pw)
        recurrentWeightsT = rt
        recurrentPacked = (0..<directions).map { d in
            rt.withUnsafeBufferPointer {
                PackedOperand(side: .b, outer: gw, k: hiddenSize, source: $0.baseAddress! + d * hiddenSize * gw, outerStride: 1, kStride: gw)
            }
        }
        var panels: [Float] = []
        if hiddenSize % RecurrentProduct.lanes == 0 {
            let lanes = RecurrentProduct.lanes, count = gw / lanes
            panels = [Float](repeating: 0, count: directions * hiddenSize * gw)
            for d in 0..<directions {
                for p in 0..<count {
                    for k in 0..<hiddenSize {
                        for l in 0..<lanes {
                            panels[((d * count + p) * hiddenSize + k) * lanes + l] = rt[(d * hiddenSize + k) * gw + p * lanes + l]
                        }
                    }
                }
            }
        }
        recurrentPanels = panels

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
    func project(x: UnsafePointer<Float>, rows: Int, into out: UnsafeMutablePointer<Float>, threads: Int = 1) {
        guard rows > 0 else { return }
        projectionBias.withUnsafeBufferPointer { b in
            GEMMKernel.packedB(
                a: x, rs: inputSize, cs: 1, m: rows, inputWeights, c: out, ldc: projectionWidth,
                epilogue: .make(biasColumn: b.baseAddress!), threads: threads)
        }
    }

    /// Batch rows from which a whole-gate step runs on the packed GEMM rather than
    /// `RecurrentProduct`.
    static let packedRecurrenceMinBatch = 1

    /// `out[batch, columns.count] = h[batch, hidden] · Rᵀ[:, columns]` for one direction,
    /// `out` rows `ldOut` apart. With hidden a multiple of 8 (columns then start and end on
    /// panel boundaries) our own kernel over the panels packed at load (`RecurrentProduct`);
    /// otherwise BLAS, batch 1 through sgemv. Why not BLAS everywhere: OpenBLAS 0.3.21 packs
    /// Rᵀ (256 KB at H = 128) again on every step's sgemm, and above its size thresholds
    /// (sgemv at m·n ≥ 9216, sgemm at m·n·k ≥ 262144, i.e. every step of this LSTM at batch 8)
    /// splits a microseconds-long product across its threads, which with two threads made
    /// lstm_classifier at batch 8 three times slower than with one.
    /// With `addend` (rows `ldAddend` apart) the product is added to it: LSTM starts its
    /// gates from the step's input projection this way instead of adding it in another pass.
    func recur(
        h: UnsafePointer<Float>, batch: Int, direction d: Int, columns: Range<Int>,
        into out: UnsafeMutablePointer<Float>, ldOut: Int,
        addend: UnsafePointer<Float>? = nil, ldAddend: Int = 0
    ) {
        let gw = gateWidth, hs = hiddenSize
        if columns == 0..<gw && batch >= Self.packedRecurrenceMinBatch {
            if let addend {
                for b in 0..<batch { (out + b * ldOut).update(from: addend + b * ldAddend, count: gw) }
            }
            GEMMKernel.packedB(
                a: h, rs: hs, cs: 1, m: batch, recurrentPacked[d], c: out, ldc: ldOut, epilogue: .make(accumulate: addend != nil),
                threads: 1)
            return
        }
        if !recurrentPanels.isEmpty {
            recurrentPanels.withUnsafeBufferPointer { rp in
                let lanes = RecurrentProduct.lanes
                RecurrentProduct.run(
                    h: h, rows: batch, k: hs, panels: rp.baseAddress! + (d * gw + columns.lowerBound) * hs,
                    panelCount: columns.count / lanes, out: out, ldOut: ldOut, addend: addend, ldAddend: ldAddend)
            }
            return
        }
        var beta: Float = 0
        if let addend {
            for b in 0..<batch { (out + b * ldOut).update(from: addend + b * ldAddend, count: columns.count) }
            beta = 1
        }
        recurrentWeightsT.withUnsafeBufferPointer { rt in
            let a = rt.baseAddress! + d * hs * gw + columns.lowerBound
            if batch == 1 {
                cblas_sgemv(CblasRowMajor, CblasTrans, Int32(hs), Int32(columns.count), 1, a, Int32(gw), h, 1, beta, out, 1)
            } else {
                cblas_sgemm(
                    CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(batch), Int32(columns.count), Int32(hs),
                    1, h, Int32(hs), a, Int32(gw), beta, out, Int32(ldOut))
            }
        }
    }
}

/// The recurrent product on panel-packed weights: `out[rows, 8·panelCount] = h[rows, k] ·
/// W`, where panel p holds W's columns 8p..<8p+8 as `[k][8]`. Register tiles of 4 rows × 16
/// columns (eight accumulators) when four rows remain, 1 row × 32 columns otherwise; every
/// weight vector loaded is used by all rows of the tile. Single-threaded by design: a step's
/// product is a few microseconds.
enum RecurrentProduct {
    static let lanes = 8
    typealias V = SIMD8<Float>

    static func run(
        h: UnsafePointer<Float>, rows: Int, k: Int, panels: UnsafePointer<Float>, panelCount: Int,
        out: UnsafeMutablePointer<Float>, ldOut: Int, addend: UnsafePointer<Float>? = nil, ldAddend: Int = 0
    ) {
        let ps = k * lanes  // floats per panel
        // Tiles start their accumulators from the addend's matching block (zeros without).
        func add(_ r: Int, _ p: Int) -> UnsafePointer<Float>? { addend.map { $0 + r * ldAddend + p * lanes } }
        var r = 0
        while r + 4 <= rows {
            var p = 0
            while p + 2 <= panelCount {
                tile4x2(h + r * k, k: k, panels + p * ps, panels + (p + 1) * ps, out + r * ldOut + p * lanes, ldOut, add(r, p), ldAddend)
                p += 2
            }
            while p < panelCount {
                for i in 0..<4 { tile1x1(h + (r + i) * k, k: k, panels + p * ps, out + (r + i) * ldOut + p * lanes, add(r + i, p)) }
                p += 1
            }
            r += 4
        }
        while r < rows {
            var p = 0
            while p + 4 <= panelCount {
                tile1x4(h + r * k, k: k, panels + p * ps, ps, out + r * ldOut + p * lanes, add(r, p))
                p += 4
            }
            while p < panelCount {
                tile1x1(h + r * k, k: k, panels + p * ps, out + r * ldOut + p * lanes, add(r, p))
                p += 1
            }
            r += 1
        }
    }

    @inline(__always)
    private static func load(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }

    @inline(__always)
    private static func store(_ v: V, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self) }

    private static func tile4x2(
        _ h: UnsafePointer<Float>, k: Int, _ pa: UnsafePointer<Float>, _ pb: UnsafePointer<Float>,
        _ out: UnsafeMutablePointer<Float>, _ ld: Int, _ add: UnsafePointer<Float>?, _ la: Int
    ) {
        var a0 = V(), a1 = V(), a2 = V(), a3 = V(), b0 = V(), b1 = V(), b2 = V(), b3 = V()
        if let add {
            a0 = load(add); b0 = load(add + 8); a1 = load(add + la); b1 = load(add + la + 8)
            a2 = load(add + 2 * la); b2 = load(add + 2 * la + 8); a3 = load(add + 3 * la); b3 = load(add + 3 * la + 8)
        }
        let h0 = h, h1 = h + k, h2 = h + 2 * k, h3 = h + 3 * k
        for j in 0..<k {
            let wa = load(pa + j * 8), wb = load(pb + j * 8)
            let x0 = V(repeating: h0[j]), x1 = V(repeating: h1[j]), x2 = V(repeating: h2[j]), x3 = V(repeating: h3[j])
            a0 = VectorMath.mad(x0, wa, a0); b0 = VectorMath.mad(x0, wb, b0)
            a1 = VectorMath.mad(x1, wa, a1); b1 = VectorMath.mad(x1, wb, b1)
            a2 = VectorMath.mad(x2, wa, a2); b2 = VectorMath.mad(x2, wb, b2)
            a3 = VectorMath.mad(x3, wa, a3); b3 = VectorMath.mad(x3, wb, b3)
        }
        store(a0, out); store(b0, out + 8)
        store(a1, out + ld); store(b1, out + ld + 8)
        store(a2, out + 2 * ld); store(b2, out + 2 * ld + 8)
        store(a3, out + 3 * ld); store(b3, out + 3 * ld + 8)
    }

    private static func tile1x4(
        _ h: UnsafePointer<Float>, k: Int, _ p: UnsafePointer<Float>, _ ps: Int, _ out: UnsafeMutablePointer<Float>,
        _ add: UnsafePointer<Float>?
    ) {
        // Two partial sums per panel (even and odd k) so eight FMA chains are in flight.
        var a0 = V(), a1 = V(), a2 = V(), a3 = V(), c0 = V(), c1 = V(), c2 = V(), c3 = V()
        if let add { a0 = load(add); a1 = load(add + 8); a2 = load(add + 16); a3 = load(add + 24) }
        let p0 = p, p1 = p + ps, p2 = p + 2 * ps, p3 = p + 3 * ps
        var j = 0
        while j + 2 <= k {
            let x = V(repeating: h[j]), y = V(repeating: h[j + 1])
            a0 = VectorMath.mad(x, load(p0 + j * 8), a0); c0 = VectorMath.mad(y, load(p0 + j * 8 + 8), c0)
            a1 = VectorMath.mad(x, load(p1 + j * 8), a1); c1 = VectorMath.mad(y, load(p1 + j * 8 + 8), c1)
            a2 = VectorMath.mad(x, load(p2 + j * 8), a2); c2 = VectorMath.mad(y, load(p2 + j * 8 + 8), c2)
            a3 = VectorMath.mad(x, load(p3 + j * 8), a3); c3 = VectorMath.mad(y, load(p3 + j * 8 + 8), c3)
            j += 2
        }
        if j < k {
            let x = V(repeating: h[j])
            a0 = VectorMath.mad(x, load(p0 + j * 8), a0)
            a1 = VectorMath.mad(x, load(p1 + j * 8), a1)
            a2 = VectorMath.mad(x, load(p2 + j * 8), a2)
            a3 = VectorMath.mad(x, load(p3 + j * 8), a3)
        }
        store(a0 + c0, out); store(a1 + c1, out + 8); store(a2 + c2, out + 16); store(a3 + c3, out + 24)
    }

    private static func tile1x1(
        _ h: UnsafePointer<Float>, k: Int, _ p: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ add: UnsafePointer<Float>?
    ) {
        var a = add.map { load($0) } ?? V()
        for j in 0..<k { a = VectorMath.mad(V(repeating: h[j]), load(p + j * 8), a) }
        store(a, out)
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
