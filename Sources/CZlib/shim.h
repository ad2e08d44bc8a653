#pragma once
// zlib (Debian zlib1g-dev): gzip request bodies and gzip responses.
#include <zlib.h>
