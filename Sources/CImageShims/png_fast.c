// The PNG fast path: see kiln_png_fast_read in include/kiln_image_shims.h.
//
// libpng inflates row by row through zlib, which then keeps its own 32 KiB window copy of
// everything it writes; on the shipped 176×176 RGB sample that was ≈ 400 of 450 µs. Here
// the IDAT stream is inflated in one call by libdeflate into one buffer and unfiltered
// with one SIMD step per pixel (PNG spec §9: filters work on bytes, `bpp` bytes apart).
// Anything unusual is declined before any answer is given, and libpng then decodes the
// file from where it stopped: it alone decides on damaged files and their messages.
#include "kiln_image_shims.h"
#include "png_internal.h"

#include <libdeflate.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

static uint32_t be32(const unsigned char *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

// PNG spec §9.4: the predictor nearest to a + b − c, ties going to a, then b.
static inline unsigned char paeth(int a, int b, int c) {
    int pa = abs(b - c), pb = abs(a - c), pc = abs(a + b - 2 * c);
    return (unsigned char)((pa <= pb && pa <= pc) ? a : (pb <= pc ? b : c));
}

// One row, any bpp: d = s + predictor, where `up` is the row above (zeros for the first).
static void unfilter_bytes(int type, unsigned char *d, const unsigned char *s, const unsigned char *up, size_t n, size_t bpp) {
    size_t head = bpp < n ? bpp : n;
    switch (type) {
    case 0: memcpy(d, s, n); break;
    case 1:
        memcpy(d, s, head);
        for (size_t i = bpp; i < n; i++) d[i] = (unsigned char)(s[i] + d[i - bpp]);
        break;
    case 2:
        for (size_t i = 0; i < n; i++) d[i] = (unsigned char)(s[i] + up[i]);
        break;
    case 3:
        for (size_t i = 0; i < head; i++) d[i] = (unsigned char)(s[i] + (up[i] >> 1));
        for (size_t i = bpp; i < n; i++) d[i] = (unsigned char)(s[i] + ((d[i - bpp] + up[i]) >> 1));
        break;
    case 4:
        for (size_t i = 0; i < head; i++) d[i] = (unsigned char)(s[i] + up[i]);
        for (size_t i = bpp; i < n; i++) d[i] = (unsigned char)(s[i] + paeth(d[i - bpp], up[i], up[i - bpp]));
        break;
    }
}

#if defined(__SSE2__)
static inline __m128i load_px(const unsigned char *p) {
    int32_t v;
    memcpy(&v, p, 4);
    return _mm_cvtsi32_si128(v);
}

// Sub, Average and Paeth for 3- and 4-byte pixels, one pixel per step with the channels
// side by side in a vector. A 3-byte pixel is loaded and stored as 4 bytes: the extra
// byte read is the next pixel's (or, at a row's end, the slack the caller guarantees),
// and the extra byte written is overwritten by the next pixel; the last is stored as 3.
static void unfilter_pixels(int type, unsigned char *d, const unsigned char *s, const unsigned char *up, size_t n, size_t bpp) {
    const __m128i zero = _mm_setzero_si128(), one = _mm_set1_epi8(1);
    __m128i a = zero, c = zero;  // the pixel to the left and the one above it
    for (size_t i = 0; i < n; i += bpp) {
        __m128i x = load_px(s + i), b = load_px(up + i), out;
        if (type == 1) {
            out = _mm_add_epi8(x, a);
        } else if (type == 3) {
            // floor((a + b) / 2) = the rounding-up average minus the bit it rounded up.
            __m128i avg = _mm_sub_epi8(_mm_avg_epu8(a, b), _mm_and_si128(_mm_xor_si128(a, b), one));
            out = _mm_add_epi8(x, avg);
        } else {
            __m128i a16 = _mm_unpacklo_epi8(a, zero), b16 = _mm_unpacklo_epi8(b, zero), c16 = _mm_unpacklo_epi8(c, zero);
            __m128i bc = _mm_sub_epi16(b16, c16), ac = _mm_sub_epi16(a16, c16), abc = _mm_add_epi16(bc, ac);
            __m128i pa = _mm_max_epi16(bc, _mm_sub_epi16(zero, bc));
            __m128i pb = _mm_max_epi16(ac, _mm_sub_epi16(zero, ac));
            __m128i pc = _mm_max_epi16(abc, _mm_sub_epi16(zero, abc));
            __m128i least = _mm_min_epi16(pa, _mm_min_epi16(pb, pc));
            __m128i isB = _mm_cmpeq_epi16(least, pb), isA = _mm_cmpeq_epi16(least, pa);
            __m128i pick = _mm_or_si128(_mm_and_si128(isB, b16), _mm_andnot_si128(isB, c16));
            pick = _mm_or_si128(_mm_and_si128(isA, a16), _mm_andnot_si128(isA, pick));
            out = _mm_add_epi8(x, _mm_packus_epi16(pick, pick));
        }
        int32_t v = _mm_cvtsi128_si32(out);
        if (bpp == 4 || i + bpp < n) memcpy(d + i, &v, 4);
        else memcpy(d + i, &v, 3);
        a = bpp == 4 ? out : _mm_and_si128(out, _mm_cvtsi32_si128(0xFFFFFF));
        c = bpp == 4 ? b : _mm_and_si128(b, _mm_cvtsi32_si128(0xFFFFFF));
    }
}
#endif

static void unfilter_row(int type, unsigned char *d, const unsigned char *s, const unsigned char *up, size_t n, size_t bpp) {
#if defined(__SSE2__)
    if ((bpp == 3 || bpp == 4) && (type == 1 || type == 3 || type == 4) && n % bpp == 0) {
        unfilter_pixels(type, d, s, up, n, bpp);
        return;
    }
#endif
    unfilter_bytes(type, d, s, up, n, bpp);
}

// Chunks from the first IDAT to IEND, all present and with good CRCs: the IDAT data
// (copied together when split over several chunks) and an eXIf after them. 0 declines.
typedef struct {
    const unsigned char *idat;
    size_t idat_length;
    unsigned char *joined;
    const unsigned char *exif;
    size_t exif_length;
} kiln_png_stream;

static int collect(const struct kiln_png *p, kiln_png_stream *out) {
    if (p->offset < 8 || p->offset > p->size || memcmp(p->data + p->offset - 4, "IDAT", 4) != 0) return 0;
    size_t at = p->offset - 8, first = at, total = 0, chunks = 0;
    int in_idat = 1;
    for (;;) {
        if (p->size - at < 12) return 0;
        size_t length = be32(p->data + at);
        const unsigned char *type = p->data + at + 4;
        if (length > p->size - at - 12) return 0;
        if (libdeflate_crc32(0, type, length + 4) != be32(type + 4 + length)) return 0;
        int is_idat = memcmp(type, "IDAT", 4) == 0;
        if (is_idat && !in_idat) return 0;  // IDAT chunks must be consecutive (§5.6)
        if (is_idat) {
            total += length;
            chunks++;
        } else {
            in_idat = 0;
            if (memcmp(type, "IEND", 4) == 0) break;
            if (memcmp(type, "eXIf", 4) == 0) {
                if (out->exif) return 0;
                out->exif = type + 4;
                out->exif_length = length;
            } else if (!(type[0] & 0x20)) {
                return 0;  // an unknown critical chunk: libpng refuses the file
            }
        }
        at += 12 + length;
    }
    if (chunks == 1) {
        out->idat = p->data + first + 8;
    } else {
        out->joined = malloc(total ? total : 1);
        if (!out->joined) return 0;
        size_t w = 0;
        for (size_t i = 0, c = first; i < chunks; i++) {
            size_t length = be32(p->data + c);
            memcpy(out->joined + w, p->data + c + 8, length);
            w += length;
            c += 12 + length;
        }
        out->idat = out->joined;
    }
    out->idat_length = total;
    return 1;
}

int kiln_png_fast_shape(const kiln_png *p, int *channels, int *bit_depth) {
    if (!p->png || !p->info) return 0;
    int color = png_get_color_type(p->png, p->info), depth = png_get_bit_depth(p->png, p->info);
    int c = color == PNG_COLOR_TYPE_GRAY ? 1 : color == PNG_COLOR_TYPE_GA ? 2 : color == PNG_COLOR_TYPE_RGB ? 3 : color == PNG_COLOR_TYPE_RGBA ? 4 : 0;
    if (!c || (depth != 8 && depth != 16) || png_get_interlace_type(p->png, p->info) != PNG_INTERLACE_NONE ||
        png_get_valid(p->png, p->info, PNG_INFO_tRNS))
        return 0;
    *channels = c;
    *bit_depth = depth;
    return 1;
}

int kiln_png_fast_read(kiln_png *p, unsigned char *dst, size_t max_raw_bytes) {
    int channels = 0, depth = 0;
    if (!kiln_png_fast_shape(p, &channels, &depth)) return 0;
    size_t width = png_get_image_width(p->png, p->info), height = png_get_image_height(p->png, p->info);
    size_t bpp = (size_t)channels * (size_t)depth / 8, row = width * bpp;
    // The inflated rows are a second copy of the image; libpng streams them instead.
    if (height * (row + 1) > max_raw_bytes) return 0;
    kiln_png_stream stream = {0};
    if (!collect(p, &stream)) return 0;
    if (stream.exif && png_get_valid(p->png, p->info, PNG_INFO_eXIf)) {
        free(stream.joined);
        return 0;
    }
    // Filter byte + row per line, and slack for the 4-byte loads of the last pixel.
    size_t raw_length = height * (row + 1);
    unsigned char *raw = malloc(raw_length + 16), *zeros = calloc(1, row + 16);
    struct libdeflate_decompressor *inflater = libdeflate_alloc_decompressor();
    size_t got = 0;
    int ok = raw && zeros && inflater &&
             libdeflate_zlib_decompress(inflater, stream.idat, stream.idat_length, raw, raw_length, &got) == LIBDEFLATE_SUCCESS &&
             got == raw_length;
    for (size_t y = 0; ok && y < height; y++) {
        const unsigned char *line = raw + y * (row + 1);
        if (line[0] > 4) ok = 0;
        else unfilter_row(line[0], dst + y * row, line + 1, y ? dst + (y - 1) * row : zeros, row, bpp);
    }
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (ok && depth == 16) {
        // PNG stores 16-bit samples big-endian (§7.1); hand them over in host order.
        for (size_t i = 0; i < height * row; i += 2) {
            unsigned char t = dst[i];
            dst[i] = dst[i + 1];
            dst[i + 1] = t;
        }
    }
#endif
    if (ok) {
        p->late_exif = stream.exif;
        p->late_exif_length = stream.exif_length;
    }
    if (inflater) libdeflate_free_decompressor(inflater);
    free(raw);
    free(zeros);
    free(stream.joined);
    return ok;
}
