import CKilnKernels
import Foundation

/// Products with one operand pre-packed (`PackedOperand`), on Kiln's own micro-kernels
/// (`CKilnKernels`), split across the engine's workers by output tiles.
///
/// Why not OpenBLAS here: sgemm 0.3.21 re-packs the constant operand on every call, pays
/// that packing at M = 8 (MLP batch 8 ran 2× slower than onnxruntime), and its process-wide
/// worker threads spin between calls, stealing the second core from our own workers.
extension GEMMKernel {
    /// The micro-kernel ISA every plan packs for: the best this CPU has, unless
    /// `KILN_GEMM_ISA` (avx512, avx2, generic) asks for a supported lower one (benchmarks).
    public static let isa: kiln_gemm_isa = {
        let best = kiln_gemm_best_isa()
        let wanted: kiln_gemm_isa? = switch ProcessInfo.processInfo.environment["KILN_GEMM_ISA"] {
        case "avx512": KILN_GEMM_AVX512
        case "avx2": KILN_GEMM_AVX2
        case "generic": KILN_GEMM_GENERIC
        default: nil
        }
        if let wanted, kiln_gemm_isa_supported(wanted) != 0, wanted.rawValue <= best.rawValue { return wanted }
        return best
    }()

    /// Name of `isa` for logs and `kiln inspect`.
    public static func isaName(_ isa: kiln_gemm_isa = GEMMKernel.isa) -> String {
        switch isa {
        case KILN_GEMM_AVX512: "avx512f"
        case KILN_GEMM_AVX2: "avx2+fma"
        default: "generic"
        }
    }

    /// The least multiply-adds worth a second worker: ≈ 10 µs of one core's work. A
    /// fork-join round trip costs a few microseconds while the helper spins between layers, so
    /// thinner products (batch-1 MLP layers) stay on the caller. Lowered from 2 M: the 1×1
    /// convs of MobileNetV2's 14×14 and 7×7 stages (2.7 M) then split, and the network at
    /// batch 1 on two threads went from 3.6 to 2.3–3.0 ms.
    public static let minMACsPerWorker = 1_000_000

    /// The same for convolutions (`packedA`: weights packed as A, the image's columns
    /// streamed as B panels, cut into 48-column parts): 400 K, so MobileNetV2's 1×1 convs
    /// on 28×28 and 14×14 maps (1.2 M multiply-adds) split too. Batch 1 on two threads:
    /// p50 15 % lower than at 1 M in six alternating pairs (2.2–2.9 ms vs 2.6–3.6), batch 8
    /// 19.8 vs 25.9 ms; the Transformer block's packed-B products lost at 400 K, so they keep 1 M.
    public static let minMACsPerConvWorker = 400_000

    /// How an output is cut between `workers`: along N panels or along M panels, whichever
    /// leaves the busiest worker fewer tiles (N = 49 columns is one full and one 1-column
    /// panel, so a 7×7 layer splits its 512 rows instead).
    /// `costRows`: a product with fewer rows of A than this is costed as if it had that many:
    /// with constant B (a layer's weights) and a few rows (batch 1–8) it is bound by streaming
    /// B from memory, one load per multiply-add, not by the multiply-adds (MobileNetV2's
    /// 1280 × 1000 classifier at batch 1: 1.3 M multiply-adds, 5 MB of weights, 0.35 ms).
    public static func split(
        m: Int, n: Int, k: Int, threads: Int, isa: kiln_gemm_isa, minMACsPerWorker: Int = GEMMKernel.minMACsPerWorker,
        costRows: Int = 1
    ) -> (workers: Int, alongM: Bool) {
        let mr = Int(kiln_gemm_mr(isa)), nr = Int(kiln_gemm_nr(isa))
        let mPanels = (m + mr - 1) / mr, nPanels = (n + nr - 1) / nr
        let workers = max(1, min(threads, max(m, costRows) * n * k / minMACsPerWorker, max(mPanels, nPanels)))
        guard workers > 1 else { return (1, false) }
        // The busiest worker's share in rows × columns (chunk 0 is the largest).
        let loadN = panelRange(0, of: workers, count: n, panel: nr).count * m
        let loadM = panelRange(0, of: workers, count: m, panel: mr).count * n
        // Rows only when clearly better: each worker then packs every B panel itself.
        return (workers, loadM * 10 < loadN * 9)
    }

    /// Scratch floats `packedA` needs with `threads` workers (one B panel each).
    public static func packedAWorkspaceCount(k: Int, threads: Int, isa: kiln_gemm_isa = GEMMKernel.isa) -> Int {
        Int(kiln_gemm_workspace_count(isa, Int32(k))) * max(1, threads)
    }

    /// C[M×n] (leading dimension ldc) = packed A · B, B row-major [K×n] (leading dimension ldb),
    /// finished by `epilogue`. `workspace` holds `packedAWorkspaceCount(k:threads:)` floats.
    public static func packedA(
        _ a: PackedOperand, b: UnsafePointer<Float>, ldb: Int, n: Int, c: UnsafeMutablePointer<Float>, ldc: Int,
        epilogue: kiln_gemm_epilogue, workspace: UnsafeMutablePointer<Float>, threads: Int,
        minMACsPerWorker: Int = GEMMKernel.minMACsPerConvWorker
    ) {
        precondition(a.side == .a)
        let (m, k, isa) = (a.outer, a.k, a.isa)
        let (workers, alongM) = split(m: m, n: n, k: k, threads: threads, isa: isa, minMACsPerWorker: minMACsPerWorker)
        let perWorker = Int(kiln_gemm_workspace_count(isa, Int32(k)))
        let mr = Int(kiln_gemm_mr(isa)), nr = Int(kiln_gemm_nr(isa))
        let parts = partCount(workers: workers, count: alongM ? m : n, panel: alongM ? mr : nr)
        ParallelFor.run(parts: parts, workers: workers) { part, slot in
            var e = epilogue
            let work = workspace + slot * perWorker
            if alongM {
                let rows = panelRange(part, of: parts, count: m, panel: mr)
                guard !rows.isEmpty else { return }
                if let bias = e.bias_row { e.bias_row = bias + rows.lowerBound }
                kiln_gemm_run_packed_a(
                    isa, Int32(rows.count), Int32(k), a.panels + rows.lowerBound * k, b, ldb, 0, Int32(n),
                    c + rows.lowerBound * ldc, ldc, &e, work)
            } else {
                let cols = panelRange(part, of: parts, count: n, panel: nr)
                guard !cols.isEmpty else { return }
                kiln_gemm_run_packed_a(
                    isa, Int32(m), Int32(k), a.panels, b, ldb, Int32(cols.lowerBound), Int32(cols.upperBound), c, ldc, &e, work)
            }
        }
    }

    /// C[m×N] (leading dimension ldc) = A · packed B, A's element (i, kk) at a[i·rs + kk·cs]
    /// (row-major: rs = lda, cs = 1; transposed: rs = 1, cs = lda), finished by `epilogue`.
    public static func packedB(
        a: UnsafePointer<Float>, rs: Int, cs: Int, m: Int, _ b: PackedOperand, c: UnsafeMutablePointer<Float>, ldc: Int,
        epilogue: kiln_gemm_epilogue, threads: Int, minMACsPerWorker: Int = GEMMKernel.minMACsPerWorker
    ) {
        precondition(b.side == .b)
        let (n, k, isa) = (b.outer, b.k, b.isa)
        let (workers, alongM) = split(
            m: m, n: n, k: k, threads: threads, isa: isa, minMACsPerWorker: minMACsPerWorker, costRows: 16)
        let mr = Int(kiln_gemm_mr(isa)), nr = Int(kiln_gemm_nr(isa))
        let parts = partCount(workers: workers, count: alongM ? m : n, panel: alongM ? mr : nr)
        ParallelFor.run(parts: parts, workers: workers) { part, _ in
            var e = epilogue
            if alongM {
                let rows = panelRange(part, of: parts, count: m, panel: mr)
                guard !rows.isEmpty else { return }
                if let bias = e.bias_row { e.bias_row = bias + rows.lowerBound }
                kiln_gemm_run_packed_b(
                    isa, Int32(rows.count), Int32(k), a + rows.lowerBound * rs, rs, cs, b.panels, 0, Int32(n),
                    c + rows.lowerBound * ldc, ldc, &e)
            } else {
                let cols = panelRange(part, of: parts, count: n, panel: nr)
                guard !cols.isEmpty else { return }
                kiln_gemm_run_packed_b(
                    isa, Int32(m), Int32(k), a, rs, cs, b.panels, Int32(cols.lowerBound), Int32(cols.upperBound), c, ldc, &e)
            }
        }
    }

    /// Parts a product split `workers` ways is cut into: `KernelThreads.partCount` over its
    /// micro-panels (`panel` rows or columns each), so no part is less than a whole panel.
    static func partCount(workers: Int, count: Int, panel: Int) -> Int {
        guard workers > 1 else { return 1 }
        return max(workers, KernelThreads.partCount(workers: workers, items: (count + panel - 1) / panel))
    }

    /// Part `w`'s share of `0..<count` split `workers` ways at multiples of `panel` (whole micro-tiles).
    static func panelRange(_ w: Int, of workers: Int, count: Int, panel: Int) -> Range<Int> {
        let panels = (count + panel - 1) / panel
        let p = KernelThreads.chunk(w, of: workers, count: panels)
        return min(count, p.lowerBound * panel)..<min(count, p.upperBound * panel)
    }
}

extension kiln_gemm_epilogue {
    /// An epilogue that adds the old C (`accumulate`), an optional per-row or per-column
    /// bias, and clamps for ReLU / clip; other activations are applied by the caller.
    static func make(
        accumulate: Bool = false, biasRow: UnsafePointer<Float>? = nil, biasColumn: UnsafePointer<Float>? = nil,
        activation: Activation = .none
    ) -> kiln_gemm_epilogue {
        var e = kiln_gemm_epilogue(load_c: accumulate ? 1 : 0, bias_row: biasRow, bias_col: biasColumn, clamp: 0, lo: 0, hi: 0)
        if let (lo, hi) = activation.clampBounds {
            e.clamp = 1
            e.lo = lo
            e.hi = hi
        }
        return e
    }
}

extension Activation {
    /// [lo, hi] when the activation is a clamp the GEMM store can apply (ReLU, clip).
    var clampBounds: (Float, Float)? {
        switch self {
        case .relu: (0, .infinity)
        case .clip(let lo, let hi): (lo, hi)
        default: nil
        }
    }

    /// Whether the GEMM epilogue already applied this activation.
    var fusesIntoGEMM: Bool { self == .none || clampBounds != nil }
}
