#pragma once
// libdeflate (Debian libdeflate-dev): one-shot zlib inflate and CRC-32 for the PNG fast path.
#include <libdeflate.h>
