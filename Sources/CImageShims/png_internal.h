#pragma once
// The PNG handle's fields, shared by png_shims.c (libpng) and png_fast.c (the fast path).
#include <png.h>
#include <stddef.h>

struct kiln_png {
    png_structp png;
    png_infop info;
    const unsigned char *data;
    size_t size;
    /// Bytes libpng has consumed: after kiln_png_read_header, the first IDAT's length and
    /// type have been read, and nothing of its data.
    size_t offset;
    png_bytep *rows;
    /// An eXIf chunk found after IDAT by the fast path (libpng never saw it).
    const unsigned char *late_exif;
    size_t late_exif_length;
    char message[256];
};
