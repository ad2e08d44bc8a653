import COpenBLAS

/// Matrix products. Those with a constant operand (conv filters, layer weights) run on Kiln's
/// own pre-packed kernels (`GEMMKernel+Packed.swift`); OpenBLAS keeps the rest, whose
/// operands both change per call (attention's QKᵀ and ·V, a Gemm on two activations) and
/// which OpenBLAS's small-matrix paths serve well.
public enum GEMMKernel {
    /// C[M×N] = alpha · op(A) · op(B) + beta · C, row-major, leading dimensions given.
    @inline(__always)
    public static func sgemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        if m == 1 {
            // One row (batch-1 MLPs, projections): a matrix-vector product. OpenBLAS's sgemm
            // pays packing costs that dominate at M = 1; sgemv streams B once.
            let incA = transA ? lda : 1
            if transB {  // B is [N, K]: y = B · a
                cblas_sgemv(CblasRowMajor, CblasNoTrans, blasint(n), blasint(k), alpha, b, blasint(ldb), a, blasint(incA), beta, c, 1)
            } else {  // B is [K, N]: y = Bᵀ · a
                cblas_sgemv(CblasRowMajor, CblasTrans, blasint(k), blasint(n), alpha, b, blasint(ldb), a, blasint(incA), beta, c, 1)
            }
            return
        }
        cblas_sgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }

    /// Pins OpenBLAS to one thread, once per process (every `ExecutionPlan` touches it). The
    /// products left on OpenBLAS are small, and its worker threads spin between calls: with
    /// two, they stole the second core from our own workers (CNNs on two threads ran at
    /// 1.04 CPUs). Our workers parallelise the big products instead.
    static let singleThreadedBLAS: Void = openblas_set_num_threads(1)

    /// The CPU kernel OpenBLAS chose ("Haswell", "SkylakeX", …), for logs and `kiln inspect`.
    public static var coreName: String { String(cString: openblas_get_corename()) }
}
