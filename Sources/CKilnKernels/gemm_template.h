// The micro-kernel and the two drivers, written once over clang vector extensions and
// compiled once per instruction set: gemm_avx512.c, gemm_avx2.c and gemm_generic.c define
// KK_VW (lanes per vector), KK_MR (rows per tile), KK_NV (vectors per tile row, so
// NR = KK_VW·KK_NV) and KK_FN(name) (the ISA-suffixed name), then include this file
// inside a `#pragma clang attribute` that sets the target. Everything here is static and
// always inlined into those three entry points, so each copy is compiled for its own ISA.
#include <string.h>
#include "gemm_internal.h"

#define KK_NR (KK_VW * KK_NV)
#define KK_INLINE static inline __attribute__((always_inline))
/// Up to this many rows of A the packed-A driver reads B in place instead of copying it
/// (measured on MobileNetV2's 1×1 convs: M = 16, K = 96, N = 3136 ran 1.3× faster in place;
/// at M = 64 the copy and in-place run alike).
#ifndef KK_IN_PLACE_MAX_M
#define KK_IN_PLACE_MAX_M 32
#endif

// ext_vector_type (a clang extension) converts a scalar by splatting it: one broadcast,
// where `zero + s` on a GCC vector costs an extra add (x + 0 is not x for -0.0).
typedef float KK_FN(vec) __attribute__((ext_vector_type(KK_VW)));
#define KK_V KK_FN(vec)

KK_INLINE KK_V KK_FN(load)(const float *p) {
    KK_V v;
    memcpy(&v, p, sizeof v);  // an unaligned vector load
    return v;
}

KK_INLINE void KK_FN(store)(float *p, KK_V v) { memcpy(p, &v, sizeof v); }

KK_INLINE KK_V KK_FN(splat)(float s) { return (KK_V)(s); }

/// Finishes one element or vector the same way: old C, biases, clamp.
KK_INLINE float KK_FN(finish1)(float x, const float *p, int i, int j, const kiln_gemm_epilogue *e) {
    if (e->load_c) x += *p;
    if (e->bias_row) x += e->bias_row[i];
    if (e->bias_col) x += e->bias_col[j];
    if (e->clamp) x = x < e->lo ? e->lo : (x > e->hi ? e->hi : x);
    return x;
}

/// One MRC × (NVC·VW) tile of C over kc steps. `packed`: A is a packed panel (MR floats per
/// step); otherwise row i of A starts at a + i·rs and steps by cs (rows past `mr` repeat the
/// last valid row, whose results are not stored). B's rows are `ldbk` apart: NR in a packed
/// panel, or the row stride of B read in place (whole vectors only, so never past its end).
/// (i0, j0) locate the tile in the whole product, for the biases.
KK_INLINE void KK_FN(tile)(
    const int MRC, const int NVC, const int packed, int kc, const float *a, ptrdiff_t rs, ptrdiff_t cs,
    const float *b, ptrdiff_t ldbk, float *c, ptrdiff_t ldc, int mr, int nr, const kiln_gemm_epilogue *e, int i0, int j0) {
    KK_V acc[KK_MR][KK_NV];
#pragma clang loop unroll(full)
    for (int i = 0; i < MRC; i++)
#pragma clang loop unroll(full)
        for (int v = 0; v < NVC; v++) acc[i][v] = KK_FN(splat)(0);
    if (packed) {
        for (int k = 0; k < kc; k++) {
            KK_V bv[KK_NV];
#pragma clang loop unroll(full)
            for (int v = 0; v < NVC; v++) bv[v] = KK_FN(load)(b + (ptrdiff_t)k * ldbk + v * KK_VW);
#pragma clang loop unroll(full)
            for (int i = 0; i < MRC; i++) {
                KK_V ai = KK_FN(splat)(a[(ptrdiff_t)k * KK_MR + i]);
#pragma clang loop unroll(full)
                for (int v = 0; v < NVC; v++) acc[i][v] += ai * bv[v];
            }
        }
    } else {
        const float *row[KK_MR];
#pragma clang loop unroll(full)
        for (int i = 0; i < MRC; i++) row[i] = a + (ptrdiff_t)(i < mr ? i : mr - 1) * rs;
        for (int k = 0; k < kc; k++) {
            KK_V bv[KK_NV];
#pragma clang loop unroll(full)
            for (int v = 0; v < NVC; v++) bv[v] = KK_FN(load)(b + (ptrdiff_t)k * ldbk + v * KK_VW);
#pragma clang loop unroll(full)
            for (int i = 0; i < MRC; i++) {
                KK_V ai = KK_FN(splat)(row[i][(ptrdiff_t)k * cs]);
#pragma clang loop unroll(full)
                for (int v = 0; v < NVC; v++) acc[i][v] += ai * bv[v];
            }
        }
    }
    if (mr == MRC && nr == NVC * KK_VW) {
        // A whole tile: finish it in registers.
        const KK_V lo = KK_FN(splat)(e->lo), hi = KK_FN(splat)(e->hi);
#pragma clang loop unroll(full)
        for (int i = 0; i < MRC; i++) {
#pragma clang loop unroll(full)
            for (int v = 0; v < NVC; v++) {
                float *p = c + (ptrdiff_t)i * ldc + v * KK_VW;
                KK_V x = acc[i][v];
                if (e->load_c) x += KK_FN(load)(p);
                if (e->bias_row) x += KK_FN(splat)(e->bias_row[i0 + i]);
                if (e->bias_col) x += KK_FN(load)(e->bias_col + j0 + v * KK_VW);
                if (e->clamp) x = __builtin_elementwise_min(__builtin_elementwise_max(x, lo), hi);
                KK_FN(store)(p, x);
            }
        }
        return;
    }
    // An edge tile: spill, then finish only the valid elements.
    float tmp[KK_MR * KK_NR];
    for (int i = 0; i < MRC; i++)
        for (int v = 0; v < NVC; v++) KK_FN(store)(tmp + i * KK_NR + v * KK_VW, acc[i][v]);
    for (int i = 0; i < mr; i++) {
        float *p = c + (ptrdiff_t)i * ldc;
        for (int j = 0; j < nr; j++) p[j] = KK_FN(finish1)(tmp[i * KK_NR + j], p + j, i0 + i, j0 + j, e);
    }
}

/// Packed-A tiles: MRC is always MR (the panel is zero-padded); NVC covers nr.
static void KK_FN(tile_packed_a)(
    int nv, int kc, const float *a, const float *b, ptrdiff_t ldbk, float *c, ptrdiff_t ldc, int mr, int nr,
    const kiln_gemm_epilogue *e, int i0, int j0) {
    switch (nv) {
#define KK_CASE(NVC) \
    case NVC: KK_FN(tile)(KK_MR, (NVC) <= KK_NV ? (NVC) : KK_NV, 1, kc, a, 1, KK_MR, b, ldbk, c, ldc, mr, nr, e, i0, j0); return;
        KK_CASE(1)
        KK_CASE(2)
        KK_CASE(3)
        KK_CASE(4)
#undef KK_CASE
    }
}

/// Strided-A tiles for one row count MRC: dispatch on the vector count.
#define KK_STRIDED_NV(MRC)                                                                                     \
    switch (nv) {                                                                                              \
    case 1: KK_FN(tile)(MRC, 1, 0, kc, a, rs, cs, b, KK_NR, c, ldc, mr, nr, e, i0, j0); return;                        \
    case 2: KK_FN(tile)(MRC, 2 <= KK_NV ? 2 : KK_NV, 0, kc, a, rs, cs, b, KK_NR, c, ldc, mr, nr, e, i0, j0); return;   \
    case 3: KK_FN(tile)(MRC, 3 <= KK_NV ? 3 : KK_NV, 0, kc, a, rs, cs, b, KK_NR, c, ldc, mr, nr, e, i0, j0); return;   \
    default: KK_FN(tile)(MRC, KK_NV, 0, kc, a, rs, cs, b, KK_NR, c, ldc, mr, nr, e, i0, j0); return;                   \
    }

/// Strided-A tiles: rows and vectors both specialised, so a 1-row product (batch 1) does
/// one row of work, not MR.
static void KK_FN(tile_strided_a)(
    int nv, int kc, const float *a, ptrdiff_t rs, ptrdiff_t cs, const float *b, float *c, ptrdiff_t ldc, int mr,
    int nr, const kiln_gemm_epilogue *e, int i0, int j0) {
    switch (mr) {
    case 1: KK_STRIDED_NV(1)
    case 2: KK_STRIDED_NV(2 <= KK_MR ? 2 : KK_MR)
    case 3: KK_STRIDED_NV(3 <= KK_MR ? 3 : KK_MR)
    case 4: KK_STRIDED_NV(4 <= KK_MR ? 4 : KK_MR)
    case 5: KK_STRIDED_NV(5 <= KK_MR ? 5 : KK_MR)
    case 6: KK_STRIDED_NV(6 <= KK_MR ? 6 : KK_MR)
    case 7: KK_STRIDED_NV(7 <= KK_MR ? 7 : KK_MR)
    default: KK_STRIDED_NV(KK_MR)
    }
}
#undef KK_STRIDED_NV

/// The last `nr` (< MR) columns of a packed-A product, one column at a time with the vector
/// lanes running down a panel of A. A register tile would spend a whole vector per row on
/// each of them: the 7×7 layers of a CNN (N = 49 = 48 + 1) did a third of their
/// multiply-adds for that one column, the 14×14 ones (N = 196 = 4·48 + 4) a fifth.
static void KK_FN(tail_columns)(
    int m, int k, const float *pa, const float *b, ptrdiff_t ldb, int j0, int nr, float *c, ptrdiff_t ldc,
    const kiln_gemm_epilogue *e) {
    for (int i0 = 0; i0 < m; i0 += KK_MR) {
        const int mr = m - i0 < KK_MR ? m - i0 : KK_MR;
        const float *a = pa + (ptrdiff_t)i0 * k;
        for (int j = 0; j < nr; j++) {
            const float *bj = b + j0 + j;
            // Four partial sums over k: one chain would wait on each multiply-add's latency.
            float part[4][KK_MR];
            for (int q = 0; q < 4; q++)
                for (int i = 0; i < KK_MR; i++) part[q][i] = 0;
            int kk = 0;
            for (; kk + 4 <= k; kk += 4) {
#pragma clang loop unroll(full)
                for (int q = 0; q < 4; q++) {
                    const float bv = bj[(ptrdiff_t)(kk + q) * ldb];
                    const float *aq = a + (ptrdiff_t)(kk + q) * KK_MR;
#pragma clang loop vectorize(enable)
                    for (int i = 0; i < KK_MR; i++) part[q][i] += aq[i] * bv;
                }
            }
            for (; kk < k; kk++) {
                const float bv = bj[(ptrdiff_t)kk * ldb];
                for (int i = 0; i < KK_MR; i++) part[0][i] += a[(ptrdiff_t)kk * KK_MR + i] * bv;
            }
            float acc[KK_MR];
            for (int i = 0; i < KK_MR; i++) acc[i] = (part[0][i] + part[1][i]) + (part[2][i] + part[3][i]);
            for (int i = 0; i < mr; i++) {
                float *p = c + (ptrdiff_t)(i0 + i) * ldc + j0 + j;
                *p = KK_FN(finish1)(acc[i], p, i0 + i, j0 + j, e);
            }
        }
    }
}

void KK_FN(run_packed_a)(
    int m, int k, const float *pa, const float *b, ptrdiff_t ldb, int n0, int n1, float *c, ptrdiff_t ldc,
    const kiln_gemm_epilogue *e, float *work) {
    // With few A panels a copy of B costs more than it saves (each B element then feeds
    // only m multiply-adds), so whole-width panels are read in place; only the ragged last
    // panel is copied, zero-padded, so no load runs past B.
    const int in_place = m <= KK_IN_PLACE_MAX_M;
    for (int j0 = n0; j0 < n1; j0 += KK_NR) {
        const int nr = n1 - j0 < KK_NR ? n1 - j0 : KK_NR;
        if (nr < KK_MR) {
            KK_FN(tail_columns)(m, k, pa, b, ldb, j0, nr, c, ldc, e);
            continue;
        }
        const float *panel = work;
        ptrdiff_t ldbk = KK_NR;
        if (in_place && nr == KK_NR) {
            panel = b + j0;
            ldbk = ldb;
        } else {
            // B's micro-panel for these columns, all K rows: it stays in L1/L2 while every
            // A panel streams past it.
            for (int kk = 0; kk < k; kk++) {
                const float *src = b + (ptrdiff_t)kk * ldb + j0;
                float *d = work + (ptrdiff_t)kk * KK_NR;
                if (nr == KK_NR) {
                    memcpy(d, src, KK_NR * sizeof(float));
                } else {
                    memcpy(d, src, (size_t)nr * sizeof(float));
                    memset(d + nr, 0, (size_t)(KK_NR - nr) * sizeof(float));
                }
            }
        }
        const int nv = (nr + KK_VW - 1) / KK_VW;
        for (int i0 = 0; i0 < m; i0 += KK_MR) {
            const int mr = m - i0 < KK_MR ? m - i0 : KK_MR;
            KK_FN(tile_packed_a)(nv, k, pa + (ptrdiff_t)i0 * k, panel, ldbk, c + (ptrdiff_t)i0 * ldc + j0, ldc, mr, nr, e, i0, j0);
        }
    }
}

void KK_FN(run_packed_b)(
    int m, int k, const float *a, ptrdiff_t rs, ptrdiff_t cs, const float *pb, int n0, int n1, float *c,
    ptrdiff_t ldc, const kiln_gemm_epilogue *e) {
    for (int j0 = n0; j0 < n1; j0 += KK_NR) {
        const int nr = n1 - j0 < KK_NR ? n1 - j0 : KK_NR;
        const int nv = (nr + KK_VW - 1) / KK_VW;
        const float *panel = pb + (ptrdiff_t)(j0 / KK_NR) * k * KK_NR;
        for (int i0 = 0; i0 < m; i0 += KK_MR) {
            const int mr = m - i0 < KK_MR ? m - i0 : KK_MR;
            KK_FN(tile_strided_a)(nv, k, a + (ptrdiff_t)i0 * rs, rs, cs, panel, c + (ptrdiff_t)i0 * ldc + j0, ldc, mr, nr, e, i0, j0);
        }
    }
}

#undef KK_V
#undef KK_NR
#undef KK_INLINE
