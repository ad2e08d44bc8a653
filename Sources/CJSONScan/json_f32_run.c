// The flat FP32 run of a V2 JSON request, 16 bytes per number (CJSONScan.h).
//
// Why C: the Swift loop it replaces found a number's end digit run by digit run (a word for
// the integer part, another for the fraction), so each number's start waited on a chain of
// dependent loads and masks, ~14 ns a number. Here one 16-byte compare finds where the token
// ends, so the next number's address is ready after a load, a compare and a bit scan; the
// digits are then gathered right-aligned with one byte shuffle (the '.' squeezed out) and
// combined by multiply-adds, out of the critical path.
#include "CJSONScan.h"
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>

/// `alignIndex[len][dot]` (dot 16: no dot): the byte shuffle that right-aligns the digits
/// of a `len`-byte token, squeezing out the '.' at `dot`. Built once, read-only after.
static _Alignas(16) int8_t alignIndex[16][17][16];

__attribute__((constructor))
static void buildAlignIndex(void) {
    for (int len = 0; len < 16; len++) {
        for (int dot = 0; dot <= 16; dot++) {
            for (int t = 0; t < 16; t++) {
                int source = t - (16 - len);
                if (dot < 16 && source <= dot) source -= 1;
                alignIndex[len][dot][t] = (int8_t)(source < 0 ? -1 : source);
            }
        }
    }
}

/// 10^k as an integer, k in 0...19.
static const uint64_t powersOfTen[20] = {
    1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull, 100000000ull,
    1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull, 10000000000000ull,
    100000000000000ull, 1000000000000000ull, 10000000000000000ull, 100000000000000000ull,
    1000000000000000000ull, 10000000000000000000ull,
};

/// The value of 16 digit bytes (0...9 each, most significant first).
__attribute__((target("sse4.1")))
static inline uint64_t value16(__m128i digits) {
    const __m128i pairs = _mm_maddubs_epi16(digits, _mm_setr_epi8(10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1));
    const __m128i quads = _mm_madd_epi16(pairs, _mm_setr_epi16(100, 1, 100, 1, 100, 1, 100, 1));
    const __m128i octs = _mm_madd_epi16(_mm_packus_epi32(quads, quads), _mm_setr_epi16(10000, 1, 10000, 1, 10000, 1, 10000, 1));
    const uint64_t high = (uint32_t)_mm_cvtsi128_si32(octs);
    const uint64_t low = (uint32_t)_mm_extract_epi32(octs, 1);
    return high * 100000000u + low;
}

/// Bytes minus '0', with every non-digit byte zeroed; `*mask` gets one bit per digit byte.
__attribute__((target("sse4.1")))
static inline __m128i digitValues(__m128i bytes, unsigned *mask) {
    const __m128i dv = _mm_sub_epi8(bytes, _mm_set1_epi8('0'));
    const __m128i isDigit = _mm_cmpeq_epi8(_mm_min_epu8(dv, _mm_set1_epi8(9)), dv);
    *mask = (unsigned)_mm_movemask_epi8(isDigit);
    return _mm_and_si128(dv, isDigit);
}

__attribute__((target("sse4.1")))
static size_t read_run_sse41(const uint8_t *base, size_t end, size_t *pos, float *out, size_t count,
                             const double *pow10, int *closed) {
    const __m128i dot = _mm_set1_epi8('.');
    size_t p = *pos;
    size_t i = 0;
    while (i < count && p + 16 <= end) {
        const uint8_t *s = base + p;
        const __m128i v = _mm_loadu_si128((const __m128i *)s);
        unsigned digits;
        const __m128i values = digitValues(v, &digits);
        const unsigned dots = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, dot));
        const unsigned neg = s[0] == '-';
        const unsigned other = ~(digits | dots | neg) & 0xFFFFu;
        unsigned len, tokenDots, dotAt;
        uint64_t mantissa;
        int malformed;
        if (other != 0) {
            // Up to 15 bytes (≤ 15 digits, exact as a double): right-align the digits with
            // one shuffle from the table, the '.' squeezed out; shuffle indices below zero
            // (high bit set) and the masked sign give zeros.
            len = (unsigned)__builtin_ctz(other);
            tokenDots = dots & ((1u << len) - 1);
            dotAt = tokenDots ? (unsigned)__builtin_ctz(tokenDots) : len;
            // Combined with `|`, not `||`: whether a number starts with 0 is a coin toss
            // for normalised data, and as a branch of its own it was mispredicted that often.
            malformed = (dotAt <= neg) | ((tokenDots != 0) & (dotAt + 1 >= len));
            const __m128i index = _mm_load_si128((const __m128i *)alignIndex[len][tokenDots ? dotAt : 16]);
            mantissa = value16(_mm_shuffle_epi8(values, index));
        } else {
            // 16 to 31 bytes with a '.', ≤ 19 digits (a float widened to a 17-digit double,
            // as Python prints tritonclient's FP32 data): the whole token right-aligned over
            // two 16-byte halves, the sign and '.' read as zero digits, gives V = I·10^(f+1) + F
            // for integer part I and f fraction digits F; the number is V − 9·I·10^f, exact in
            // wrapping 64-bit arithmetic because it is below 10^19.
            if (p + 32 > end) break;
            unsigned digits1;
            const __m128i v1 = _mm_loadu_si128((const __m128i *)(s + 16));
            (void)digitValues(v1, &digits1);
            const unsigned dots1 = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v1, dot));
            const unsigned other1 = ~(digits1 | dots1) & 0xFFFFu;
            if (other1 == 0) break;  // 32 bytes or more: the caller's reader
            len = 16 + (unsigned)__builtin_ctz(other1);
            tokenDots = (dots | dots1 << 16) & ((1u << len) - 1);
            dotAt = tokenDots ? (unsigned)__builtin_ctz(tokenDots) : 32;
            malformed = (tokenDots == 0) | (dotAt <= neg) | (dotAt > 15) | (dotAt + 1 >= len) | (len - neg - 1 > 19);
            if (malformed) break;
            unsigned ignored;
            const __m128i tail = digitValues(_mm_loadu_si128((const __m128i *)(s + len - 16)), &ignored);
            const __m128i head = _mm_shuffle_epi8(values, _mm_load_si128((const __m128i *)alignIndex[len - 16][16]));
            const __m128i integer = _mm_shuffle_epi8(values, _mm_load_si128((const __m128i *)alignIndex[dotAt][16]));
            const uint64_t joined = value16(head) * powersOfTen[16] + value16(tail);
            mantissa = joined - 9 * value16(integer) * powersOfTen[len - 1 - dotAt];
        }
        // One dot at most, a digit before and after it, no leading zero (RFC 8259 §6).
        malformed |= ((tokenDots & (tokenDots - 1)) != 0) | ((s[neg] == '0') & (dotAt > neg + 1));
        if (malformed) break;
        const uint8_t after = s[len];
        if (after != ',' && after != ']') break;  // exponent, whitespace, garbage: the caller

        // As DecimalNumber.float32: the product with the nearest power of ten, kept unless it
        // lies within 16 ulps of a float midpoint or below the normal floats.
        const int fraction = tokenDots ? (int)(len - 1 - dotAt) : 0;
        const double m = mantissa < (1ull << 63) ? (double)(int64_t)mantissa : (double)mantissa;
        const double d = m * pow10[66 - fraction];
        uint64_t bits;
        memcpy(&bits, &d, sizeof bits);
        if (bits != 0) {
            if (bits < (897ull << 52)) break;
            const int64_t distance = (int64_t)(bits & 0x1FFFFFFFu) - 0x10000000;
            if (distance <= 16 && distance >= -16) break;
        }
        bits |= (uint64_t)neg << 63;
        double signedValue;
        memcpy(&signedValue, &bits, sizeof signedValue);
        out[i++] = (float)signedValue;
        p += len + 1;
        if (after == ']') {
            *closed = 1;
            break;
        }
        while (p < end && (base[p] == ' ' || base[p] == '\n' || base[p] == '\r' || base[p] == '\t')) p++;
    }
    *pos = p;
    return i;
}
#endif

size_t kiln_json_read_f32_run(const uint8_t *base, size_t end, size_t *pos, float *out, size_t count,
                              const double *pow10, int *closed) {
#if defined(__x86_64__)
    // Event loops call this concurrently: the answer is cached with relaxed atomics (every
    // thread computes the same value, so a race only repeats the CPUID).
    static int supported = -1;
    int known = __atomic_load_n(&supported, __ATOMIC_RELAXED);
    if (__builtin_expect(known < 0, 0)) {
        __builtin_cpu_init();
        known = __builtin_cpu_supports("sse4.1") ? 1 : 0;
        __atomic_store_n(&supported, known, __ATOMIC_RELAXED);
    }
    if (known) return read_run_sse41(base, end, pos, out, count, pow10, closed);
#endif
    (void)base; (void)end; (void)pos; (void)out; (void)count; (void)pow10; (void)closed;
    return 0;
}
