#pragma once
// OpenBLAS (Debian libopenblas-dev): cblas_sgemm/sgemv for the tensor engine.
// Debian's cblas.h also declares openblas_set_num_threads / openblas_get_corename.
#include <cblas.h>
