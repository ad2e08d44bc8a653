// The AVX-512F copy of the micro-kernel (8 × 48 tiles). Compiled with a per-function target
// so the rest of the package stays baseline x86-64; gemm.c only calls it after
// __builtin_cpu_supports("avx512f").
#if defined(__x86_64__)
#define KK_VW 16
#define KK_MR KK_MR_AVX512
#define KK_NV KK_NV_AVX512
#define KK_FN(name) kk_##name##_avx512
#pragma clang attribute push(__attribute__((target("avx512f,avx2,fma"))), apply_to = function)
#include "gemm_template.h"
#define KK_DC_OCB 16
#include "conv_direct_template.h"
#pragma clang attribute pop
#endif
