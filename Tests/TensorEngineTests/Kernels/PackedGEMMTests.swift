import CKilnKernels
import Testing
@testable import TensorEngine

/// Kiln's packed GEMM (`PackedOperand`, `GEMMKernel+Packed.swift`) against a naive
/// double-precision reference, on every micro-kernel ISA this CPU can run (the portable C
/// one always), for shapes that leave partial tiles on every edge. Tolerance: the
/// engine's 1e-4 absolute / 1e-3 relative (`expectClose`); with K ≤ 300 and inputs in
/// [-1, 1) float32 accumulation error stays below ≈ 1e-5.
@Suite struct PackedGEMMTests {
    static let isas: [kiln_gemm_isa] = [KILN_GEMM_GENERIC, KILN_GEMM_AVX2, KILN_GEMM_AVX512].filter {
        kiln_gemm_isa_supported($0) != 0
    }

    /// (M, N, K): single rows and columns, sizes just below / above MR (4, 6, 8) and NR
    /// (8, 16, 48), tails of 1–7 columns (the column-at-a-time path), and a few larger ones.
    static let shapes: [(Int, Int, Int)] = [
        (1, 1, 1), (1, 10, 512), (2, 3, 5), (5, 17, 9), (7, 47, 33), (8, 48, 64), (9, 49, 31), (13, 100, 7),
        (16, 96, 128), (6, 16, 300), (25, 130, 27), (64, 49, 72), (12, 101, 40), (17, 196, 64),
    ]

    /// Row-major C = A·B (+ old C) (+ row or column bias), then the activation, in Double.
    func reference(
        m: Int, n: Int, k: Int, a: (Int, Int) -> Float, b: (Int, Int) -> Float, oldC: [Float]?, biasRow: [Float]?,
        biasColumn: [Float]?, activation: Activation
    ) -> [Double] {
        var out = [Double](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for kk in 0..<k { s += Double(a(i, kk)) * Double(b(kk, j)) }
                if let oldC { s += Double(oldC[i * n + j]) }
                if let biasRow { s += Double(biasRow[i]) }
                if let biasColumn { s += Double(biasColumn[j]) }
                out[i * n + j] = referenceActivation(activation, s)
            }
        }
        return out
    }

    @Test(arguments: isas)
    func packedAMatchesReference(_ isa: kiln_gemm_isa) {
        var rng = SeededRandom(seed: 41 + UInt64(isa.rawValue))
        for (m, n, k) in Self.shapes {
            for threads in [1, 2] {
                let a = rng.floats(m * k), b = rng.floats(k * n), bias = rng.floats(m)
                let packed = PackedOperand.packing(a, side: .a, outer: m, k: k, outerStride: k, kStride: 1, isa: isa)
                var c = [Float](repeating: .nan, count: m * n)
                var work = [Float](repeating: .nan, count: GEMMKernel.packedAWorkspaceCount(k: k, threads: threads, isa: isa))
                bias.withUnsafeBufferPointer { pb in
                    GEMMKernel.packedA(
                        packed, b: b, ldb: n, n: n, c: &c, ldc: n, epilogue: .make(biasRow: pb.baseAddress, activation: .relu),
                        workspace: &work, threads: threads, minMACsPerWorker: 1)
                }
                let want = reference(
                    m: m, n: n, k: k, a: { a[$0 * k + $1] }, b: { b[$0 * n + $1] }, oldC: nil, biasRow: bias, biasColumn: nil,
                    activation: .relu)
                expectClose(c, want, "isa \(isa.rawValue) A-packed \(m)×\(n)×\(k) threads \(threads)")
            }
        }
    }

    @Test(arguments: isas)
    func packedBMatchesReference(_ isa: kiln_gemm_isa) {
        var rng = SeededRandom(seed: 77 + UInt64(isa.rawValue))
        for (m, n, k) in Self.shapes {
            for (transA, transB) in [(false, false), (false, true), (true, false), (true, true)] {
                let a = rng.floats(m * k), b = rng.floats(k * n), bias = rng.floats(n), old = rng.floats(m * n)
                let alpha: Float = transB ? 0.5 : 1
                // Stored layouts: A [M, K] or Aᵀ [K, M]; B [K, N] or Bᵀ [N, K].
                let packed = PackedOperand.packing(
                    b, side: .b, outer: n, k: k, outerStride: transB ? k : 1, kStride: transB ? 1 : n, scale: alpha, isa: isa)
                let threads = transA ? 2 : 1
                var c = old
                bias.withUnsafeBufferPointer { pb in
                    GEMMKernel.packedB(
                        a: a, rs: transA ? 1 : k, cs: transA ? m : 1, m: m, packed, c: &c, ldc: n,
                        epilogue: .make(accumulate: true, biasColumn: pb.baseAddress, activation: .clip(min: -0.5, max: 0.75)),
                        threads: threads, minMACsPerWorker: 1)
                }
                let want = reference(
                    m: m, n: n, k: k, a: { transA ? a[$1 * m + $0] : a[$0 * k + $1] },
                    b: { alpha * (transB ? b[$1 * k + $0] : b[$0 * n + $1]) }, oldC: old, biasRow: nil, biasColumn: bias,
                    activation: .clip(min: -0.5, max: 0.75))
                expectClose(c, want, "isa \(isa.rawValue) B-packed \(m)×\(n)×\(k) transA \(transA) transB \(transB)")
            }
        }
    }

    @Test func splitPicksTheBalancedAxis() {
        let isa = KILN_GEMM_AVX512
        // A 7×7 map (N = 49: one full 48-column panel and a 1-column one) splits its rows.
        #expect(GEMMKernel.split(m: 512, n: 49, k: 4608, threads: 2, isa: isa, minMACsPerWorker: 1) == (2, true))
        // A 56×56 map splits its columns.
        #expect(GEMMKernel.split(m: 64, n: 3136, k: 576, threads: 2, isa: isa, minMACsPerWorker: 1) == (2, false))
        // Too little work for a second worker.
        #expect(GEMMKernel.split(m: 1, n: 512, k: 256, threads: 2, isa: isa).workers == 1)
        // A batch-1 classifier streams 5 MB of weights: costed by them, it splits.
        #expect(GEMMKernel.split(m: 1, n: 1000, k: 1280, threads: 2, isa: isa).workers == 1)
        #expect(GEMMKernel.split(m: 1, n: 1000, k: 1280, threads: 2, isa: isa, costRows: 16) == (2, false))
    }

    @Test func bestISAIsSupported() {
        #expect(kiln_gemm_isa_supported(kiln_gemm_best_isa()) != 0)
        #expect(kiln_gemm_isa_supported(GEMMKernel.isa) != 0)
    }
}
