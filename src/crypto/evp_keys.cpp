#include "crypto/evp_keys.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include <array>
#include <string>

namespace kmebind::crypto::detail {
namespace {

using ParamBldPtr = OsslPtr<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>;
using ParamPtr = OsslPtr<OSSL_PARAM, OSSL_PARAM_free>;

// The P-256 group is immutable once built and only used through const pointers: safe to share.
const EC_GROUP* p256_group() {
  static const EC_GROUP* const group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
  return group;
}

// The P-256 domain parameters as an EVP_PKEY without key material, made once. Keys built from
// a copy of it skip OpenSSL 3.0's construction of the group by name (~9 µs) on every import.
// Never modified after creation: copies may be made from several threads.
EVP_PKEY* p256_parameters() {
  static EVP_PKEY* const params = [] {
    std::array<char, 11> group = {'p', 'r', 'i', 'm', 'e', '2', '5', '6', 'v', '1', '\0'};
    const OSSL_PARAM p[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group.data(), 0),
        OSSL_PARAM_END};
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
    EVP_PKEY* key = nullptr;
    if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
        EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_KEY_PARAMETERS, const_cast<OSSL_PARAM*>(p)) !=
            1) {
      clear_openssl_errors();
      return static_cast<EVP_PKEY*>(nullptr);
    }
    return key;
  }();
  return params;
}

// An X25519 public key (the base point u = 9, RFC 7748 §4.1) whose copies receive peers' keys:
// a copy plus EVP_PKEY_set1_encoded_public_key costs half of EVP_PKEY_new_raw_public_key.
EVP_PKEY* x25519_template() {
  static EVP_PKEY* const key = [] {
    std::array<std::uint8_t, kRawKeySize> base_point{9};
    return EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr, base_point.data(),
                                       base_point.size());
  }();
  return key;
}

// A copy of `tmpl` holding the public key `encoded` (SEC 1 §2.3.4 decoding with the on-curve
// check for P-256; 32 raw octets for X25519). A null key (no error) if OpenSSL refuses the
// octets; kInternal if the template or the copy is missing.
Result<PkeyPtr> with_encoded_public(EVP_PKEY* tmpl, ByteView encoded) {
  if (tmpl == nullptr) return openssl_error("key template");
  PkeyPtr key(EVP_PKEY_dup(tmpl));
  if (!key) return openssl_error("key copy");
  if (EVP_PKEY_set1_encoded_public_key(key.get(), encoded.data(), encoded.size()) != 1) {
    clear_openssl_errors();
    return PkeyPtr();
  }
  return key;
}

int ecx_type(Curve curve) {
  return curve == Curve::kX25519 ? EVP_PKEY_X25519 : EVP_PKEY_ED25519;
}

std::unexpected<Error> bad_size(Curve curve, const char* what, std::size_t got, Code bad) {
  std::string want = curve == Curve::kP256 && std::string_view(what) == "public key"
                         ? "33 (compressed) or 65 (uncompressed)"
                         : "32";
  return fail(bad, std::string(curve_name(curve)) + " " + what + " must be " + want +
                       " octets, got " + std::to_string(got));
}

// SEC 1 point octets → EC_POINT; fails (with `bad`) if not on the curve.
Result<EcPointPtr> decode_point(ByteView encoded, Code bad) {
  const EC_GROUP* g = p256_group();
  if (g == nullptr) return openssl_error("P-256 group");
  EcPointPtr point(EC_POINT_new(g));
  if (!point) return openssl_error("EC_POINT_new");
  const bool prefix_ok =
      (encoded.size() == kP256CompressedSize && (encoded[0] == 0x02 || encoded[0] == 0x03)) ||
      (encoded.size() == kP256UncompressedSize && encoded[0] == 0x04);
  if (!prefix_ok ||
      EC_POINT_oct2point(g, point.get(), encoded.data(), encoded.size(), nullptr) != 1) {
    clear_openssl_errors();
    return fail(bad, "P-256 public key is not a valid curve point");
  }
  return point;
}

Result<Bytes> encode_point(const EC_POINT* point, point_conversion_form_t form) {
  const EC_GROUP* g = p256_group();
  Bytes out(form == POINT_CONVERSION_COMPRESSED ? kP256CompressedSize : kP256UncompressedSize);
  if (EC_POINT_point2oct(g, point, form, out.data(), out.size(), nullptr) != out.size()) {
    return openssl_error("P-256 point encoding");
  }
  return out;
}

Result<PkeyPtr> ec_from_params(const OSSL_PARAM* params, int selection) {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* key = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, selection, const_cast<OSSL_PARAM*>(params)) != 1) {
    return openssl_error("P-256 key import");
  }
  return PkeyPtr(key);
}

Result<PkeyPtr> p256_private(ByteView scalar, Code bad, bool with_public) {
  if (scalar.size() != kRawKeySize) {
    return bad_size(Curve::kP256, "private key", scalar.size(), bad);
  }
  const EC_GROUP* g = p256_group();
  if (g == nullptr) return openssl_error("P-256 group");
  BnPtr d(BN_secure_new());
  if (!d || BN_bin2bn(scalar.data(), static_cast<int>(scalar.size()), d.get()) == nullptr) {
    return openssl_error("BN_bin2bn");
  }
  if (BN_is_zero(d.get()) || BN_cmp(d.get(), EC_GROUP_get0_order(g)) >= 0) {
    return fail(bad, "P-256 private key is not in [1, n-1]");
  }
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) !=
          1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, d.get()) != 1) {
    return openssl_error("P-256 key parameters");
  }
  Bytes pub;  // referenced by the builder: must outlive OSSL_PARAM_BLD_to_param below
  if (with_public) {
    // OpenSSL 3.0 does not derive the public point on import: compute Q = d·G (SEC 1 §3.2.1).
    EcPointPtr q(EC_POINT_new(g));
    if (!q || EC_POINT_mul(g, q.get(), d.get(), nullptr, nullptr, nullptr) != 1) {
      return openssl_error("P-256 public key derivation");
    }
    auto encoded = encode_point(q.get(), POINT_CONVERSION_UNCOMPRESSED);
    if (!encoded) return std::unexpected(encoded.error());
    pub = std::move(*encoded);
    if (OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, pub.data(),
                                         pub.size()) != 1) {
      return openssl_error("P-256 key parameters");
    }
  }
  ParamPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
  if (!params) return openssl_error("P-256 key parameters");
  return ec_from_params(params.get(), EVP_PKEY_KEYPAIR);
}

Result<PkeyPtr> p256_public(ByteView encoded, Code bad) {
  if (encoded.size() != kP256CompressedSize && encoded.size() != kP256UncompressedSize) {
    return bad_size(Curve::kP256, "public key", encoded.size(), bad);
  }
  const bool prefix_ok = encoded.size() == kP256CompressedSize
                             ? encoded[0] == 0x02 || encoded[0] == 0x03
                             : encoded[0] == 0x04;
  if (!prefix_ok) return fail(bad, "P-256 public key is not a valid curve point");
  auto key = with_encoded_public(p256_parameters(), encoded);
  if (!key) return key;
  if (*key) return key;
  // Not accepted: tell a point off the curve (the usual case) from an OpenSSL failure.
  if (auto point = decode_point(encoded, bad); !point) return std::unexpected(point.error());
  return openssl_error("P-256 public key import");
}

}  // namespace

std::string_view curve_name(Curve curve) {
  switch (curve) {
    case Curve::kX25519:
      return "X25519";
    case Curve::kEd25519:
      return "Ed25519";
    case Curve::kP256:
      return "P-256";
  }
  return "?";
}

Result<PkeyPtr> private_key(Curve curve, ByteView raw, Code bad, bool with_public) {
  if (curve == Curve::kP256) return p256_private(raw, bad, with_public);
  if (raw.size() != kRawKeySize) return bad_size(curve, "private key", raw.size(), bad);
  PkeyPtr key(EVP_PKEY_new_raw_private_key(ecx_type(curve), nullptr, raw.data(), raw.size()));
  if (!key) return openssl_error(std::string(curve_name(curve)) + " private key import");
  return key;
}

Result<PkeyPtr> public_key(Curve curve, ByteView raw, Code bad) {
  if (curve == Curve::kP256) return p256_public(raw, bad);
  if (raw.size() != kRawKeySize) return bad_size(curve, "public key", raw.size(), bad);
  if (curve == Curve::kX25519) {
    // Any 32 octets are an X25519 public key (RFC 7748 §5); small order is caught by
    // shared_secret().
    auto key = with_encoded_public(x25519_template(), raw);
    if (!key) return key;
    if (*key) return key;
    return openssl_error("X25519 public key import");
  }
  PkeyPtr key(EVP_PKEY_new_raw_public_key(ecx_type(curve), nullptr, raw.data(), raw.size()));
  if (!key) {
    // Ed25519 import fails for octets that do not decode to a point.
    clear_openssl_errors();
    return fail(bad, std::string(curve_name(curve)) + " public key is not valid");
  }
  return key;
}

Result<PkeyPtr> generate_key(Curve curve) {
  EVP_PKEY* key = nullptr;
  switch (curve) {
    case Curve::kX25519:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519");
      break;
    case Curve::kEd25519:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
      break;
    case Curve::kP256: {
      // From the parameters made once: a copy of the group instead of building it by name.
      EVP_PKEY* params = p256_parameters();
      if (params == nullptr) return openssl_error("P-256 parameters");
      PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, params, nullptr));
      if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_generate(ctx.get(), &key) != 1) {
        key = nullptr;
      }
      break;
    }
  }
  if (key == nullptr) return openssl_error(std::string(curve_name(curve)) + " key generation");
  return PkeyPtr(key);
}

Result<Bytes> raw_public(Curve curve, EVP_PKEY* key) {
  if (curve == Curve::kP256) {
    std::array<std::uint8_t, kP256UncompressedSize> buf{};
    std::size_t len = 0;
    if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, buf.data(), buf.size(),
                                        &len) != 1) {
      return openssl_error("P-256 public key export");
    }
    auto point = decode_point(ByteView(buf).first(len), Code::kInternal);
    if (!point) return std::unexpected(point.error());
    return encode_point(point->get(), POINT_CONVERSION_COMPRESSED);
  }
  Bytes out(kRawKeySize);
  std::size_t len = out.size();
  if (EVP_PKEY_get_raw_public_key(key, out.data(), &len) != 1 || len != kRawKeySize) {
    return openssl_error(std::string(curve_name(curve)) + " public key export");
  }
  return out;
}

Result<Bytes> p256_uncompressed(ByteView point, Code bad) {
  auto decoded = decode_point(point, bad);
  if (!decoded) return std::unexpected(decoded.error());
  return encode_point(decoded->get(), POINT_CONVERSION_UNCOMPRESSED);
}

Result<SecretBytes> raw_private(Curve curve, EVP_PKEY* key) {
  SecretBytes out(kRawKeySize);
  if (curve == Curve::kP256) {
    BIGNUM* d = nullptr;
    if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_PRIV_KEY, &d) != 1) {
      return openssl_error("P-256 private key export");
    }
    BnPtr owned(d);
    if (BN_bn2binpad(d, out.data(), static_cast<int>(out.size())) != static_cast<int>(out.size())) {
      return openssl_error("P-256 private key export");
    }
    return out;
  }
  std::size_t len = out.size();
  if (EVP_PKEY_get_raw_private_key(key, out.data(), &len) != 1 || len != kRawKeySize) {
    return openssl_error(std::string(curve_name(curve)) + " private key export");
  }
  return out;
}

Result<Curve> curve_of(EVP_PKEY* key) {
  if (EVP_PKEY_is_a(key, "X25519")) return Curve::kX25519;
  if (EVP_PKEY_is_a(key, "ED25519")) return Curve::kEd25519;
  if (EVP_PKEY_is_a(key, "EC")) {
    std::array<char, 64> group{};
    std::size_t len = 0;
    if (EVP_PKEY_get_group_name(key, group.data(), group.size(), &len) == 1 &&
        (std::string_view(group.data(), len) == "prime256v1" ||
         std::string_view(group.data(), len) == "P-256")) {
      return Curve::kP256;
    }
    clear_openssl_errors();
    return fail(Code::kInvalidArgument, "EC key on an unsupported curve (only P-256)");
  }
  return fail(Code::kInvalidArgument,
              std::string("unsupported key type ") +
                  (EVP_PKEY_get0_type_name(key) ? EVP_PKEY_get0_type_name(key) : "?") +
                  " (X25519, Ed25519 or P-256 expected)");
}

Result<PkeyCtxPtr> prepare_derive(EVP_PKEY* own_private) {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, own_private, nullptr));
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1) return openssl_error("key agreement setup");
  return ctx;
}

Result<SecretBytes> shared_secret(const EVP_PKEY_CTX* prepared, EVP_PKEY* peer) {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_dup(prepared));
  // validate_peer = 0: public_key() already checked the point; a full check would cost
  // another scalar multiplication per call.
  if (!ctx || EVP_PKEY_derive_set_peer_ex(ctx.get(), peer, 0) != 1) {
    return openssl_error("key agreement setup");
  }
  std::size_t len = 0;
  if (EVP_PKEY_derive(ctx.get(), nullptr, &len) != 1 || len != kRawKeySize) {
    return openssl_error("key agreement");
  }
  SecretBytes z(len);
  if (EVP_PKEY_derive(ctx.get(), z.data(), &len) != 1) {
    // OpenSSL refuses an all-zero X25519 result (a small-order peer point).
    clear_openssl_errors();
    return fail(Code::kMalformed, "key agreement failed: peer public key of small order");
  }
  static constexpr std::array<std::uint8_t, kRawKeySize> kZero{};
  if (CRYPTO_memcmp(z.data(), kZero.data(), kZero.size()) == 0) {
    return fail(Code::kMalformed,
                "key agreement gave the all-zero secret: peer public key of small order");
  }
  return z;
}

Result<SecretBytes> shared_secret(EVP_PKEY* own_private, EVP_PKEY* peer) {
  auto prepared = prepare_derive(own_private);
  if (!prepared) return std::unexpected(prepared.error());
  return shared_secret(prepared->get(), peer);
}

}  // namespace kmebind::crypto::detail
