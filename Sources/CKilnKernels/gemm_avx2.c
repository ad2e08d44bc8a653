// The AVX2 + FMA copy of the micro-kernel (6 × 16 tiles), for x86-64-v3 CPUs without AVX-512.
#if defined(__x86_64__)
#define KK_VW 8
#define KK_MR KK_MR_AVX2
#define KK_NV KK_NV_AVX2
#define KK_FN(name) kk_##name##_avx2
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#include "gemm_template.h"
#define KK_DC_OCB 8
#include "conv_direct_template.h"
#pragma clang attribute pop
#endif
