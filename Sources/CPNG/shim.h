#pragma once
// libpng 1.6 (Debian libpng-dev): PNG decoding for Imaging.
#include <png.h>
