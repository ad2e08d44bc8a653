#pragma once
// Kiln's own single-precision GEMM over pre-packed operands (see docs/engine.md, "GEMM").
//
// C[M×N] (row-major, leading dimension ldc) = A[M×K] · B[K×N], with one operand packed once
// into micro-panels: either A (conv filters) as ⌈M/MR⌉ panels of K×MR floats, or B (Gemm /
// MatMul weights) as ⌈N/NR⌉ panels of K×NR floats, zero-padded. The other operand is read
// in place (A) or packed per call into a worker's scratch panel (B). MR and NR depend on
// the instruction set the kernel runs with, so packing and running must use the same one.
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Micro-kernel instruction sets. The numbers are stable (tests force them by value).
typedef enum {
    KILN_GEMM_GENERIC = 0,  ///< portable C (clang vector extensions, 4 lanes)
    KILN_GEMM_AVX2 = 1,     ///< AVX2 + FMA, 8 lanes
    KILN_GEMM_AVX512 = 2,   ///< AVX-512F, 16 lanes
} kiln_gemm_isa;

/// The best instruction set this CPU supports (checked once with __builtin_cpu_supports).
kiln_gemm_isa kiln_gemm_best_isa(void);
/// Whether `isa` can run on this CPU.
int kiln_gemm_isa_supported(kiln_gemm_isa isa);
/// Rows of A per micro-tile (MR) and columns of B per micro-tile (NR) for `isa`.
int kiln_gemm_mr(kiln_gemm_isa isa);
int kiln_gemm_nr(kiln_gemm_isa isa);

/// What happens to each finished C tile, in this order: add the old C (load_c), add
/// bias_row[i] (one per row of C, e.g. a conv's output channel) and bias_col[j] (one per
/// column, a Gemm bias), then clamp to [lo, hi] when `clamp` (ReLU, ReLU6). Pointers may be
/// NULL; they are indexed from the first row / column of the whole product.
typedef struct {
    int load_c;
    const float *bias_row;
    const float *bias_col;
    int clamp;
    float lo, hi;
} kiln_gemm_epilogue;

/// Floats needed to pack an M×K A operand, or a K×N B operand.
size_t kiln_gemm_packed_a_count(kiln_gemm_isa isa, int m, int k);
size_t kiln_gemm_packed_b_count(kiln_gemm_isa isa, int k, int n);

/// Packs A: element (i, kk) is a[i*rs + kk*cs] (row-major: rs = lda, cs = 1).
void kiln_gemm_pack_a(kiln_gemm_isa isa, int m, int k, const float *a, ptrdiff_t rs, ptrdiff_t cs, float *dst);
/// Packs B: element (kk, j) is b[kk*rs + j*cs] (row-major: rs = ldb, cs = 1; Bᵀ stored
/// as [N, K]: rs = 1, cs = ldb).
void kiln_gemm_pack_b(kiln_gemm_isa isa, int k, int n, const float *b, ptrdiff_t rs, ptrdiff_t cs, float *dst);

/// Scratch floats one worker needs for `kiln_gemm_run_packed_a` with this K.
size_t kiln_gemm_workspace_count(kiln_gemm_isa isa, int k);

/// C columns [n0, n1) of packed A × row-major B [K × N] (leading dimension ldb). n0 must be a
/// multiple of NR unless it is 0-based work split by the caller along NR boundaries (any n0
/// works; NR multiples keep tiles full). `work` holds `kiln_gemm_workspace_count` floats.
void kiln_gemm_run_packed_a(
    kiln_gemm_isa isa, int m, int k, const float *packed_a, const float *b, ptrdiff_t ldb, int n0, int n1,
    float *c, ptrdiff_t ldc, const kiln_gemm_epilogue *epi, float *work);

/// C columns [n0, n1) of A × packed B, A element (i, kk) at a[i*rs + kk*cs]. n0 must be a
/// multiple of NR (packed panels start there).
void kiln_gemm_run_packed_b(
    kiln_gemm_isa isa, int m, int k, const float *a, ptrdiff_t rs, ptrdiff_t cs, const float *packed_b,
    int n0, int n1, float *c, ptrdiff_t ldc, const kiln_gemm_epilogue *epi);

/// Output channels one pass of the direct convolution computes together (its packing width).
int kiln_conv_direct_block(kiln_gemm_isa isa);

/// Direct convolution for few input channels (dilation 1, stride 1 or 2), output rows
/// [oh0, oh1) of all `m` channels into `out` [m, out_h, out_w]. `padded` holds the `cin`
/// input planes, each `rows` × `row_length`, already zero-padded so that output (oh, ow)
/// reads rows oh·stride + r and columns ow·stride + t (r < kh, t < kw) with no bounds:
/// row_length must cover ⌈out_w / VW⌉·VW·stride + kw + VW floats (VW ≤ 16; loads run a
/// vector past the last tap). `packed_w` holds, per group of `kiln_conv_direct_block`
/// channels, for each tap (c, r, t) in that order, one weight per channel of the group
/// (zeros past m); `bias` has ⌈m / block⌉·block entries. Outputs are clamped to [lo, hi].
void kiln_conv_direct(
    kiln_gemm_isa isa, int cin, int kh, int kw, int stride, const float *padded, int rows, int row_length,
    const float *packed_w, const float *bias, int m, int oh0, int oh1, int out_h, int out_w, float lo, float hi,
    float *out);

/// One part of a parallel job, run by participant `slot` (0 = the caller; every slot is
/// below the job's `workers`, and no two threads hold the same slot at once).
typedef void (*kiln_parallel_fn)(void *ctx, int part, int slot);

/// Calls fn(ctx, part, slot) for every part in [0, parts) on the caller and at most
/// `workers - 1` of the pool's helper threads (started on first use, kept spinning briefly
/// between jobs, then sleeping), and returns when all are done. Parts are claimed one at a
/// time, so with more parts than workers a fast thread takes more of them than a slow one;
/// `slot` picks per-participant scratch. A call made while another job runs (nested, or
/// from another thread) runs its parts inline on the caller as slot 0.
void kiln_parallel_run(int parts, int workers, kiln_parallel_fn fn, void *ctx);

/// While `on` is non-zero, `kiln_parallel_run` calls made on this thread run every part
/// inline (the caller holds one core; the pool's helpers are someone else's).
void kiln_parallel_set_inline(int on);

#ifdef __cplusplus
}
#endif
