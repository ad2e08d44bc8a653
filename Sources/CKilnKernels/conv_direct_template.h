// Direct convolution for layers with few input channels (a CNN's first layer: RGB or gray
// images), written once over clang vector extensions and compiled per instruction set like
// gemm_template.h (included right after it, so KK_VW, KK_FN and KK_FN(vec) are defined).
//
// Why not im2col + GEMM: with C = 3 the GEMM has K = C·kH·kW = 27 and M = 16–64, so it is
// all memory traffic — the unfolded matrix is 9× the image and every element of it feeds only
// M multiply-adds (MobileNetV2's first layer ran at ≈ 20 GFLOP/s that way). Here each input
// vector is loaded once per tap and feeds KK_DC_OCB output channels held in registers.
#include <string.h>
#include "gemm_internal.h"

#define KK_DC_INLINE static inline __attribute__((always_inline))
#define KK_DV KK_FN(vec)

KK_DC_INLINE KK_DV KK_FN(dc_load)(const float *p) {
    KK_DV v;
    memcpy(&v, p, sizeof v);
    return v;
}

/// Lanes 0, 2, 4, … of the 2·VW floats from p (stride 2).
KK_DC_INLINE KK_DV KK_FN(dc_load_even)(const float *p) {
    const KK_DV a = KK_FN(dc_load)(p), b = KK_FN(dc_load)(p + KK_VW);
#if KK_VW == 16
    return __builtin_shufflevector(a, b, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
#elif KK_VW == 8
    return __builtin_shufflevector(a, b, 0, 2, 4, 6, 8, 10, 12, 14);
#else
    return __builtin_shufflevector(a, b, 0, 2, 4, 6);
#endif
}

/// One VW-wide block of outputs of KK_DC_OCB channels: every tap of every input channel.
KK_DC_INLINE void KK_FN(dc_block)(
    const int stride, const float *in, int cin, int kh, int kw, ptrdiff_t plane, ptrdiff_t row_length, const float *w,
    const float *bias, float lo, float hi, float *out, ptrdiff_t out_plane, int valid_channels, int valid_lanes) {
    KK_DV acc[KK_DC_OCB];
#pragma clang loop unroll(full)
    for (int o = 0; o < KK_DC_OCB; o++) acc[o] = (KK_DV)(bias[o]);
    for (int c = 0; c < cin; c++) {
        for (int r = 0; r < kh; r++) {
            const float *row = in + c * plane + r * row_length;
            for (int t = 0; t < kw; t++) {
                const KK_DV x = stride == 1 ? KK_FN(dc_load)(row + t) : KK_FN(dc_load_even)(row + t);
#pragma clang loop unroll(full)
                for (int o = 0; o < KK_DC_OCB; o++) acc[o] += (KK_DV)(w[o]) * x;
                w += KK_DC_OCB;
            }
        }
    }
    const KK_DV vlo = (KK_DV)(lo), vhi = (KK_DV)(hi);
    // Unrolled with a guard rather than a loop to valid_channels: a variable index into acc
    // would keep the accumulators in memory instead of registers.
#pragma clang loop unroll(full)
    for (int o = 0; o < KK_DC_OCB; o++) {
        if (o >= valid_channels) continue;
        // Compare-and-select keeps NaN (a comparison with NaN is false), unlike min/max.
        KK_DV v = acc[o];
        v = v < vlo ? vlo : v;
        v = v > vhi ? vhi : v;
        float *dst = out + o * out_plane;
        if (valid_lanes == KK_VW) {
            memcpy(dst, &v, sizeof v);
        } else {
            float tmp[KK_VW];
            memcpy(tmp, &v, sizeof v);
            for (int i = 0; i < valid_lanes; i++) dst[i] = tmp[i];
        }
    }
}

void KK_FN(conv_direct)(
    int cin, int kh, int kw, int stride, const float *padded, int rows, int row_length, const float *packed_w,
    const float *bias, int m, int oh0, int oh1, int out_h, int out_w, float lo, float hi, float *out) {
    const ptrdiff_t plane = (ptrdiff_t)rows * row_length, out_plane = (ptrdiff_t)out_h * out_w;
    const int taps = cin * kh * kw;
    for (int g = 0; g * KK_DC_OCB < m; g++) {
        const float *w = packed_w + (ptrdiff_t)g * taps * KK_DC_OCB;
        const float *b = bias + g * KK_DC_OCB;
        const int channels = m - g * KK_DC_OCB < KK_DC_OCB ? m - g * KK_DC_OCB : KK_DC_OCB;
        float *o_base = out + (ptrdiff_t)g * KK_DC_OCB * out_plane;
        for (int oh = oh0; oh < oh1; oh++) {
            const float *in_row = padded + (ptrdiff_t)oh * stride * row_length;
            for (int ow = 0; ow < out_w; ow += KK_VW) {
                const int lanes = out_w - ow < KK_VW ? out_w - ow : KK_VW;
                float *o = o_base + (ptrdiff_t)oh * out_w + ow;
                if (stride == 1)
                    KK_FN(dc_block)(1, in_row + ow, cin, kh, kw, plane, row_length, w, b, lo, hi, o, out_plane, channels, lanes);
                else
                    KK_FN(dc_block)(2, in_row + 2 * ow, cin, kh, kw, plane, row_length, w, b, lo, hi, o, out_plane, channels, lanes);
            }
        }
    }
}

#undef KK_DV
#undef KK_DC_INLINE
