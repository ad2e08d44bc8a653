// libjpeg-turbo behind setjmp: see include/kiln_image_shims.h.
#include "kiln_image_shims.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <jerror.h>

struct kiln_jpeg {
    struct jpeg_decompress_struct cinfo;
    struct jpeg_error_mgr err;
    jmp_buf jump;
    const unsigned char *data;
    size_t size;
    char message[JMSG_LENGTH_MAX + 8];
    int created;
};

static void kiln_jpeg_fail(j_common_ptr cinfo) {
    struct kiln_jpeg *j = (struct kiln_jpeg *)cinfo->client_data;
    if (cinfo->err->msg_code == JWRN_JPEG_EOF || cinfo->err->msg_code == JERR_INPUT_EOF) {
        snprintf(j->message, sizeof j->message, "premature end of data (file truncated)");
    } else {
        (*cinfo->err->format_message)(cinfo, j->message);
    }
    longjmp(j->jump, 1);
}

// libjpeg reports damaged entropy data as warnings (msg_level -1) and carries on, filling
// the rest with gray. A model fed half an image answers confidently and wrongly, so data
// corruption is fatal here; warnings about metadata (unknown JFIF revision, unknown Adobe
// transform, a bad ICC marker, stray bytes before a marker) are not about the pixels.
static void kiln_jpeg_emit(j_common_ptr cinfo, int msg_level) {
    if (msg_level != -1) return;  // trace messages
    switch (cinfo->err->msg_code) {
    case JWRN_JFIF_MAJOR:
    case JWRN_ADOBE_XFORM:
    case JWRN_BOGUS_ICC:
    case JWRN_EXTRANEOUS_DATA:
        cinfo->err->num_warnings++;
        return;
    default:
        kiln_jpeg_fail(cinfo);
    }
}

kiln_jpeg *kiln_jpeg_open(const unsigned char *data, size_t size) {
    struct kiln_jpeg *j = calloc(1, sizeof *j);
    if (!j) return NULL;
    j->data = data;
    j->size = size;
    j->cinfo.err = jpeg_std_error(&j->err);
    j->err.error_exit = kiln_jpeg_fail;
    j->err.emit_message = kiln_jpeg_emit;
    j->cinfo.client_data = j;
    if (setjmp(j->jump)) return j;  // out of memory inside create: message is set
    jpeg_create_decompress(&j->cinfo);
    j->created = 1;
    return j;
}

int kiln_jpeg_read_header(kiln_jpeg *j, kiln_jpeg_info *info) {
    if (!j->created) return -1;
    if (setjmp(j->jump)) return -1;
    jpeg_mem_src(&j->cinfo, j->data, (unsigned long)j->size);
    jpeg_save_markers(&j->cinfo, JPEG_APP0 + 1, 0xFFFF);
    jpeg_read_header(&j->cinfo, TRUE);
    info->width = (int)j->cinfo.image_width;
    info->height = (int)j->cinfo.image_height;
    info->components = j->cinfo.num_components;
    info->is_cmyk = j->cinfo.jpeg_color_space == JCS_CMYK || j->cinfo.jpeg_color_space == JCS_YCCK;
    info->progressive = j->cinfo.progressive_mode ? 1 : 0;
    return 0;
}

int kiln_jpeg_start(kiln_jpeg *j, int scale_denom, int *width, int *height, int *channels) {
    if (setjmp(j->jump)) return -1;
    j->cinfo.scale_num = 1;
    j->cinfo.scale_denom = (unsigned int)scale_denom;
    j->cinfo.out_color_space = j->cinfo.num_components == 1 ? JCS_GRAYSCALE : JCS_RGB;
    // Pillow decodes with libjpeg's defaults (islow IDCT, fancy upsampling); so do we.
    jpeg_start_decompress(&j->cinfo);
    *width = (int)j->cinfo.output_width;
    *height = (int)j->cinfo.output_height;
    *channels = j->cinfo.output_components;
    return 0;
}

int kiln_jpeg_read_pixels(kiln_jpeg *j, unsigned char *dst, size_t row_stride) {
    if (setjmp(j->jump)) return -1;
    // Hand libjpeg several row pointers per call (up to rec_outbuf_height, the rows one
    // iMCU produces with upsampling) so it can write straight into dst without its own
    // intermediate buffer copy.
    JSAMPROW rows[16];
    while (j->cinfo.output_scanline < j->cinfo.output_height) {
        JDIMENSION first = j->cinfo.output_scanline;
        JDIMENSION n = j->cinfo.output_height - first;
        if (n > 16) n = 16;
        for (JDIMENSION r = 0; r < n; r++) rows[r] = dst + (size_t)(first + r) * row_stride;
        jpeg_read_scanlines(&j->cinfo, rows, n);
    }
    // Reads to EOI, so a file cut inside the last scan of a progressive JPEG is caught.
    jpeg_finish_decompress(&j->cinfo);
    return 0;
}

const unsigned char *kiln_jpeg_exif(const kiln_jpeg *j, size_t *length) {
    for (jpeg_saved_marker_ptr m = j->cinfo.marker_list; m; m = m->next) {
        if (m->marker == JPEG_APP0 + 1 && m->data_length >= 6 && memcmp(m->data, "Exif\0\0", 6) == 0) {
            *length = m->data_length - 6;
            return m->data + 6;
        }
    }
    *length = 0;
    return NULL;
}

const char *kiln_jpeg_message(const kiln_jpeg *j) { return j->message; }

void kiln_jpeg_close(kiln_jpeg *j) {
    if (!j) return;
    if (j->created) jpeg_destroy_decompress(&j->cinfo);
    free(j);
}
