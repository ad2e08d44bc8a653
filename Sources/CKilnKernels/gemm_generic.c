// The portable copy of the micro-kernel (4 × 8 tiles of 4-lane vectors): any CPU, any
// architecture clang lowers its vector extensions for.
#define KK_VW 4
#define KK_MR KK_MR_GENERIC
#define KK_NV KK_NV_GENERIC
#define KK_FN(name) kk_##name##_generic
#include "gemm_template.h"
#define KK_DC_OCB 4
#include "conv_direct_template.h"
