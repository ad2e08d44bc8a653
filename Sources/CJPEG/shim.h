#pragma once
// libjpeg-turbo (Debian libjpeg62-turbo-dev): JPEG decoding for Imaging. jpeglib.h needs
// FILE and size_t declared before it is included.
#include <stddef.h>
#include <stdio.h>
#include <jpeglib.h>
