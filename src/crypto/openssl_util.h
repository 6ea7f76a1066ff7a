// Internal to src/crypto: RAII owners for OpenSSL objects and the one way an OpenSSL failure
// becomes an Error. Not part of the layer's public API (no other layer includes it).
#pragma once

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include <memory>
#include <string_view>

#include "common/error.h"

namespace kmebind::crypto::detail {

template <class T, void (*Free)(T*)>
struct OsslFree {
  void operator()(T* p) const { Free(p); }
};
template <class T, void (*Free)(T*)>
using OsslPtr = std::unique_ptr<T, OsslFree<T, Free>>;

inline void bio_free(BIO* b) {
  BIO_free(b);
}

using PkeyPtr = OsslPtr<EVP_PKEY, EVP_PKEY_free>;
using PkeyCtxPtr = OsslPtr<EVP_PKEY_CTX, EVP_PKEY_CTX_free>;
using MdCtxPtr = OsslPtr<EVP_MD_CTX, EVP_MD_CTX_free>;
using CipherCtxPtr = OsslPtr<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free>;
using MacCtxPtr = OsslPtr<EVP_MAC_CTX, EVP_MAC_CTX_free>;
using BioPtr = OsslPtr<BIO, bio_free>;
using BnPtr = OsslPtr<BIGNUM, BN_clear_free>;
using EcPointPtr = OsslPtr<EC_POINT, EC_POINT_clear_free>;

// kInternal "<what>: OpenSSL <reason>" and clears OpenSSL's thread error queue, so a stale
// error never shows up in a later, unrelated message.
std::unexpected<Error> openssl_error(std::string_view what);

// Clears the thread's OpenSSL error queue (after an expected failure, e.g. a bad point).
void clear_openssl_errors();

// Algorithms fetched once from the default provider and shared by all threads (OpenSSL
// reference-counts them). An implicit fetch — EVP_aes_256_gcm(), EVP_sha256() or an algorithm
// name given as a parameter — costs a provider lookup on every use. Null if the fetch failed.
const EVP_MD* sha256_md();
const EVP_CIPHER* aes_256_gcm_cipher();

}  // namespace kmebind::crypto::detail
