import COpenBLAS

/// Matrix products through OpenBLAS, which wins for every shape our models have
/// (ggml routes only large products to BLAS; at our sizes OpenBLAS's small-matrix paths
/// are still faster than a naive Swift loop).
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

    /// Sets OpenBLAS's thread count (process-wide).
    public static func setThreads(_ n: Int) { openblas_set_num_threads(Int32(max(1, n))) }

    /// The CPU kernel OpenBLAS chose ("Haswell", "SkylakeX", …), for logs and `kiln inspect`.
    public static var coreName: String { String(cString: openblas_get_corename()) }
}
