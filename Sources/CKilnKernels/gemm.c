// ISA selection, operand packing and dispatch for Kiln's GEMM (CKilnKernels.h).
#include <string.h>
#include "gemm_internal.h"

int kiln_gemm_isa_supported(kiln_gemm_isa isa) {
    switch (isa) {
    case KILN_GEMM_GENERIC: return 1;
#if defined(__x86_64__)
    case KILN_GEMM_AVX2:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case KILN_GEMM_AVX512:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
    default: return 0;
    }
}

kiln_gemm_isa kiln_gemm_best_isa(void) {
    if (kiln_gemm_isa_supported(KILN_GEMM_AVX512)) return KILN_GEMM_AVX512;
    if (kiln_gemm_isa_supported(KILN_GEMM_AVX2)) return KILN_GEMM_AVX2;
    return KILN_GEMM_GENERIC;
}

int kiln_gemm_mr(kiln_gemm_isa isa) {
    switch (isa) {
    case KILN_GEMM_AVX512: return KK_MR_AVX512;
    case KILN_GEMM_AVX2: return KK_MR_AVX2;
    default: return KK_MR_GENERIC;
    }
}

int kiln_gemm_nr(kiln_gemm_isa isa) {
    switch (isa) {
    case KILN_GEMM_AVX512: return 16 * KK_NV_AVX512;
    case KILN_GEMM_AVX2: return 8 * KK_NV_AVX2;
    default: return 4 * KK_NV_GENERIC;
    }
}

static size_t round_up(int x, int to) { return (size_t)((x + to - 1) / to) * (size_t)to; }

size_t kiln_gemm_packed_a_count(kiln_gemm_isa isa, int m, int k) { return round_up(m, kiln_gemm_mr(isa)) * (size_t)k; }

size_t kiln_gemm_packed_b_count(kiln_gemm_isa isa, int k, int n) { return round_up(n, kiln_gemm_nr(isa)) * (size_t)k; }

size_t kiln_gemm_workspace_count(kiln_gemm_isa isa, int k) { return (size_t)kiln_gemm_nr(isa) * (size_t)k; }

// Panel p of a packed operand holds, for each step kk, `width` consecutive rows (A) or
// columns (B) of the panel; lanes past the matrix edge are zero so the kernels never branch.
static void pack_panels(int outer, int k, int width, const float *src, ptrdiff_t outer_stride, ptrdiff_t k_stride, float *dst) {
    for (int p0 = 0; p0 < outer; p0 += width) {
        const int w = outer - p0 < width ? outer - p0 : width;
        for (int kk = 0; kk < k; kk++) {
            float *d = dst + (size_t)kk * (size_t)width;
            const float *s = src + (ptrdiff_t)kk * k_stride + (ptrdiff_t)p0 * outer_stride;
            for (int x = 0; x < w; x++) d[x] = s[(ptrdiff_t)x * outer_stride];
            for (int x = w; x < width; x++) d[x] = 0;
        }
        dst += (size_t)k * (size_t)width;
    }
}

void kiln_gemm_pack_a(kiln_gemm_isa isa, int m, int k, const float *a, ptrdiff_t rs, ptrdiff_t cs, float *dst) {
    pack_panels(m, k, kiln_gemm_mr(isa), a, rs, cs, dst);
}

void kiln_gemm_pack_b(kiln_gemm_isa isa, int k, int n, const float *b, ptrdiff_t rs, ptrdiff_t cs, float *dst) {
    pack_panels(n, k, kiln_gemm_nr(isa), b, cs, rs, dst);
}

void kiln_gemm_run_packed_a(
    kiln_gemm_isa isa, int m, int k, const float *packed_a, const float *b, ptrdiff_t ldb, int n0, int n1,
    float *c, ptrdiff_t ldc, const kiln_gemm_epilogue *epi, float *work) {
    switch (isa) {
#if defined(__x86_64__)
    case KILN_GEMM_AVX512: kk_run_packed_a_avx512(m, k, packed_a, b, ldb, n0, n1, c, ldc, epi, work); return;
    case KILN_GEMM_AVX2: kk_run_packed_a_avx2(m, k, packed_a, b, ldb, n0, n1, c, ldc, epi, work); return;
#endif
    default: kk_run_packed_a_generic(m, k, packed_a, b, ldb, n0, n1, c, ldc, epi, work); return;
    }
}

void kiln_gemm_run_packed_b(
    kiln_gemm_isa isa, int m, int k, const float *a, ptrdiff_t rs, ptrdiff_t cs, const float *packed_b,
    int n0, int n1, float *c, ptrdiff_t ldc, const kiln_gemm_epilogue *epi) {
    switch (isa) {
#if defined(__x86_64__)
    case KILN_GEMM_AVX512: kk_run_packed_b_avx512(m, k, a, rs, cs, packed_b, n0, n1, c, ldc, epi); return;
    case KILN_GEMM_AVX2: kk_run_packed_b_avx2(m, k, a, rs, cs, packed_b, n0, n1, c, ldc, epi); return;
#endif
    default: kk_run_packed_b_generic(m, k, a, rs, cs, packed_b, n0, n1, c, ldc, epi); return;
    }
}

int kiln_conv_direct_block(kiln_gemm_isa isa) {
    switch (isa) {
    case KILN_GEMM_AVX512: return 16;
    case KILN_GEMM_AVX2: return 8;
    default: return 4;
    }
}

void kiln_conv_direct(
    kiln_gemm_isa isa, int cin, int kh, int kw, int stride, const float *padded, int rows, int row_length,
    const float *packed_w, const float *bias, int m, int oh0, int oh1, int out_h, int out_w, float lo, float hi,
    float *out) {
    switch (isa) {
#if defined(__x86_64__)
    case KILN_GEMM_AVX512:
        kk_conv_direct_avx512(cin, kh, kw, stride, padded, rows, row_length, packed_w, bias, m, oh0, oh1, out_h, out_w, lo, hi, out);
        return;
    case KILN_GEMM_AVX2:
        kk_conv_direct_avx2(cin, kh, kw, stride, padded, rows, row_length, packed_w, bias, m, oh0, oh1, out_h, out_w, lo, hi, out);
        return;
#endif
    default:
        kk_conv_direct_generic(cin, kh, kw, stride, padded, rows, row_length, packed_w, bias, m, oh0, oh1, out_h, out_w, lo, hi, out);
        return;
    }
}
