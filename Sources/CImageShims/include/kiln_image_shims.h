#pragma once
// setjmp/longjmp wrappers around libjpeg and libpng for Imaging.
//
// Both libraries report fatal errors through a callback that must not return: libjpeg's
// default error_exit calls exit(), and libpng's default longjmps to a jmp_buf the caller
// set up. Swift cannot call setjmp, so every library call that may fail goes through one
// of these functions: each sets its own jump target, and a failure comes back as -1 with
// the library's message in kiln_*_message(), leaving the handle fit only to be closed.
#include <stddef.h>

/// A JPEG being decoded from a caller-owned memory buffer (which must outlive the handle).
typedef struct kiln_jpeg kiln_jpeg;

/// What the JPEG header says, before any pixel memory is allocated.
typedef struct {
    int width, height;
    /// Components in the file: 1 (gray), 3 (YCbCr/RGB) or 4 (CMYK/YCCK).
    int components;
    /// 1 when the colour space is CMYK or YCCK (Adobe APP14).
    int is_cmyk;
    int progressive;
} kiln_jpeg_info;

/// NULL only when out of memory.
kiln_jpeg *kiln_jpeg_open(const unsigned char *data, size_t size);
/// Reads markers up to the first scan, keeping APP1 (Exif). 0, or -1 with a message.
int kiln_jpeg_read_header(kiln_jpeg *j, kiln_jpeg_info *info);
/// Starts decompression to 8-bit RGB (or gray for 1-component files) with the IDCT
/// scaled by 1/scale_denom (1, 2, 4 or 8). Reports the output size and channel count.
int kiln_jpeg_start(kiln_jpeg *j, int scale_denom, int *width, int *height, int *channels);
/// Reads every scanline into dst (rows of width*channels bytes, row_stride apart).
int kiln_jpeg_read_pixels(kiln_jpeg *j, unsigned char *dst, size_t row_stride);
/// The Exif APP1 payload (after "Exif\0\0"), or NULL; valid until close.
const unsigned char *kiln_jpeg_exif(const kiln_jpeg *j, size_t *length);
const char *kiln_jpeg_message(const kiln_jpeg *j);
void kiln_jpeg_close(kiln_jpeg *j);

/// A PNG being decoded from a caller-owned memory buffer.
typedef struct kiln_png kiln_png;

/// What the PNG header (IHDR, and chunks before IDAT) says.
typedef struct {
    int width, height;
    int bit_depth;
    /// PNG colour type (0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA).
    int color_type;
    /// 1 when a tRNS chunk gives transparency.
    int has_trns;
    int interlaced;
} kiln_png_info;

kiln_png *kiln_png_open(const unsigned char *data, size_t size);
/// Checks the signature and reads chunks up to the first IDAT. 0, or -1 with a message.
int kiln_png_read_header(kiln_png *p, kiln_png_info *info);
/// Sets the transforms to 8- or 16-bit gray/GA/RGB/RGBA (palette expanded, tRNS to alpha,
/// 16-bit samples in host byte order) and reports channels and bit depth of the output.
int kiln_png_start(kiln_png *p, int *channels, int *bit_depth);
/// Reads the whole image (all interlace passes) and the chunks after it up to IEND.
int kiln_png_read_pixels(kiln_png *p, unsigned char *dst, size_t row_stride);
/// The fast path's shape: 1 with the output channels and bit depth when the header read
/// is one it takes (8- or 16-bit gray, gray+alpha, RGB or RGBA, not interlaced, no tRNS:
/// the output kiln_png_start would give), else 0.
int kiln_png_fast_shape(const kiln_png *p, int *channels, int *bit_depth);
/// After kiln_png_read_header: inflates all IDAT data at once (libdeflate) and unfilters
/// it into dst (rows of width*channels*bit_depth/8 bytes, 16-bit samples in host order),
/// reading on to IEND. 1 when done; 0 when it declines (not its shape, inflated rows over
/// max_raw_bytes (they are held in full next to dst), a chunk cut short,
/// a bad CRC, a stream that does not inflate to exactly the image, a bad filter byte), and
/// then kiln_png_start + kiln_png_read_pixels continue from where libpng stopped.
int kiln_png_fast_read(kiln_png *p, unsigned char *dst, size_t max_raw_bytes);
/// The eXIf chunk (a bare TIFF structure), or NULL; valid until close.
const unsigned char *kiln_png_exif(const kiln_png *p, size_t *length);
const char *kiln_png_message(const kiln_png *p);
void kiln_png_close(kiln_png *p);
