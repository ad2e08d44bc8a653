#pragma once
// SIMD scanning of V2 JSON tensor data (InferenceServer's TensorDataReader).
#include <stddef.h>
#include <stdint.h>

/// Reads a run of flat FP32 array elements starting at `base[*pos]` (the start of an
/// element) into `out[0..<count]` and returns how many it stored.
///
/// It takes only what it is certain of: numbers of the shape `-?(0|[1-9][0-9]*)(\.[0-9]+)?`
/// of at most 15 bytes whose 16-byte window (loaded whole) lies inside `base[0..<end]`,
/// followed by `,` (then any whitespace) or `]`, and whose product with `pow10` (index
/// `q + 66` holds the double nearest 10^q) is not within 16 ulps of a float rounding
/// midpoint. Each value is the very float `DecimalNumber.float32` gives for the same text.
/// It stops before the first element it does not take, with `*pos` at that element's start,
/// for the caller's general reader; after a `]` it sets `*closed` to 1 and leaves `*pos` just
/// past it. Returns 0 at once on CPUs without SSE4.1 (and on other architectures).
size_t kiln_json_read_f32_run(const uint8_t *base, size_t end, size_t *pos, float *out, size_t count,
                              const double *pow10, int *closed);
