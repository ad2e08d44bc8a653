#pragma once
// The per-ISA entry points gemm.c dispatches to (one copy of gemm_template.h each).
#include "CKilnKernels.h"

#define KK_DECLARE(SUFFIX)                                                                                     \
    void kk_run_packed_a_##SUFFIX(int m, int k, const float *pa, const float *b, ptrdiff_t ldb, int n0, int n1, \
        float *c, ptrdiff_t ldc, const kiln_gemm_epilogue *e, float *work);                                    \
    void kk_run_packed_b_##SUFFIX(int m, int k, const float *a, ptrdiff_t rs, ptrdiff_t cs, const float *pb,    \
        int n0, int n1, float *c, ptrdiff_t ldc, const kiln_gemm_epilogue *e);                                \
    void kk_conv_direct_##SUFFIX(int cin, int kh, int kw, int stride, const float *padded, int rows,             \
        int row_length, const float *packed_w, const float *bias, int m, int oh0, int oh1, int out_h, int out_w,  \
        float lo, float hi, float *out);

KK_DECLARE(generic)
#if defined(__x86_64__)
KK_DECLARE(avx2)
KK_DECLARE(avx512)
#endif

/// Tile sizes per ISA (registers: AVX-512 8×48 = 24 zmm accumulators of 32; AVX2 6×16 =
/// 12 ymm of 16; generic 4×8 = 8 vectors of 16 xmm / 32 NEON registers).
#define KK_MR_AVX512 8
#define KK_NV_AVX512 3
#define KK_MR_AVX2 6
#define KK_NV_AVX2 2
#define KK_MR_GENERIC 4
#define KK_NV_GENERIC 2
