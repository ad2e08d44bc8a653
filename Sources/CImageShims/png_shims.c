// libpng behind setjmp: see include/kiln_image_shims.h.
#include "kiln_image_shims.h"
#include "png_internal.h"

#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void kiln_png_fail(png_structp png, png_const_charp msg) {
    struct kiln_png *p = (struct kiln_png *)png_get_error_ptr(png);
    snprintf(p->message, sizeof p->message, "%s", msg);
    png_longjmp(png, 1);
}

// Ancillary-chunk trouble (bad sRGB profile, a broken tEXt CRC) is a warning: libpng
// drops the chunk and the pixels are still right, as Pillow also decides.
static void kiln_png_warn(png_structp png, png_const_charp msg) {
    (void)png;
    (void)msg;
}

static void kiln_png_read(png_structp png, png_bytep out, size_t length) {
    struct kiln_png *p = (struct kiln_png *)png_get_io_ptr(png);
    if (length > p->size - p->offset) png_error(png, "premature end of data (file truncated)");
    memcpy(out, p->data + p->offset, length);
    p->offset += length;
}

kiln_png *kiln_png_open(const unsigned char *data, size_t size) {
    struct kiln_png *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->data = data;
    p->size = size;
    p->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, p, kiln_png_fail, kiln_png_warn);
    if (!p->png) {
        snprintf(p->message, sizeof p->message, "out of memory");
        return p;
    }
    p->info = png_create_info_struct(p->png);
    if (!p->info) snprintf(p->message, sizeof p->message, "out of memory");
    png_set_read_fn(p->png, p, kiln_png_read);
    // A compressed text or ICC chunk may not inflate past 8 MiB (a decompression bomb
    // in metadata); the image itself is bounded by the caller's dimension check.
    png_set_chunk_malloc_max(p->png, 8u << 20);
    return p;
}

int kiln_png_read_header(kiln_png *p, kiln_png_info *info) {
    if (!p->png || !p->info) return -1;
    if (setjmp(png_jmpbuf(p->png))) return -1;
    if (p->size < 8 || png_sig_cmp(p->data, 0, 8) != 0) png_error(p->png, "not a PNG signature");
    png_read_info(p->png, p->info);
    info->width = (int)png_get_image_width(p->png, p->info);
    info->height = (int)png_get_image_height(p->png, p->info);
    info->bit_depth = png_get_bit_depth(p->png, p->info);
    info->color_type = png_get_color_type(p->png, p->info);
    info->has_trns = png_get_valid(p->png, p->info, PNG_INFO_tRNS) ? 1 : 0;
    info->interlaced = png_get_interlace_type(p->png, p->info) != PNG_INTERLACE_NONE;
    return 0;
}

int kiln_png_start(kiln_png *p, int *channels, int *bit_depth) {
    if (setjmp(png_jmpbuf(p->png))) return -1;
    int color = png_get_color_type(p->png, p->info);
    int depth = png_get_bit_depth(p->png, p->info);
    if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(p->png);
    if (color == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(p->png);
    if (png_get_valid(p->png, p->info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(p->png);
    // PNG stores 16-bit samples big-endian (PNG spec §7.1); hand them over native.
    if (depth == 16) png_set_swap(p->png);
    png_set_interlace_handling(p->png);
    png_read_update_info(p->png, p->info);
    *channels = png_get_channels(p->png, p->info);
    *bit_depth = png_get_bit_depth(p->png, p->info);
    return 0;
}

int kiln_png_read_pixels(kiln_png *p, unsigned char *dst, size_t row_stride) {
    png_uint_32 height = png_get_image_height(p->png, p->info);
    p->rows = malloc(sizeof(png_bytep) * (height ? height : 1));
    if (!p->rows) {
        snprintf(p->message, sizeof p->message, "out of memory");
        return -1;
    }
    for (png_uint_32 y = 0; y < height; y++) p->rows[y] = dst + (size_t)y * row_stride;
    if (setjmp(png_jmpbuf(p->png))) return -1;
    png_read_image(p->png, p->rows);
    // Reads the chunks after IDAT through IEND: a cut file or a late eXIf is seen here.
    png_read_end(p->png, p->info);
    return 0;
}

const unsigned char *kiln_png_exif(const kiln_png *p, size_t *length) {
    png_bytep exif = NULL;
    png_uint_32 n = 0;
    if (p->png && p->info && png_get_eXIf_1(p->png, p->info, &n, &exif) && exif) {
        *length = n;
        return exif;
    }
    *length = p->late_exif_length;
    return p->late_exif;
}

const char *kiln_png_message(const kiln_png *p) { return p->message; }

void kiln_png_close(kiln_png *p) {
    if (!p) return;
    if (p->png) png_destroy_read_struct(&p->png, p->info ? &p->info : NULL, NULL);
    free(p->rows);
    free(p);
}
