#pragma once
// OpenSSL 3 (Debian libssl-dev): SHA-256 for .kiln file integrity, TLS later.
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <openssl/err.h>
