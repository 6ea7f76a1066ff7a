#include "crypto/cmac.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>

#include <string>

#include "crypto/aes.h"
#include "crypto/openssl_util.h"

namespace kmebind::crypto {
namespace {

using Block = std::array<std::uint8_t, kAesBlockSize>;

// OpenSSL's CMAC set up once per key size: algorithm fetched, cipher chosen (naming the cipher
// per call makes OpenSSL fetch it by name every time), keyed with a public dummy key so that
// OpenSSL 3.0 can copy it; each call re-keys a copy. Never modified after creation: copies may be
// made from several threads.
EVP_MAC_CTX* make_cmac_template(const char* cipher_name, std::size_t key_size) {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "CMAC", nullptr);
  if (mac == nullptr) return nullptr;
  detail::MacCtxPtr c(EVP_MAC_CTX_new(mac));
  EVP_MAC_free(mac);  // the context holds its own reference
  std::string name(cipher_name);
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, name.data(), 0), OSSL_PARAM_END};
  const std::array<std::uint8_t, 32> dummy{};
  if (!c || EVP_MAC_init(c.get(), dummy.data(), key_size, params) != 1) {
    detail::clear_openssl_errors();
    return nullptr;
  }
  return c.release();
}

const EVP_MAC_CTX* cmac_template(std::size_t key_size) {
  static EVP_MAC_CTX* const aes128 = make_cmac_template("AES-128-CBC", 16);
  static EVP_MAC_CTX* const aes256 = make_cmac_template("AES-256-CBC", 32);
  return key_size == 16 ? aes128 : aes256;
}

Status check_args(ByteView key, ByteView message, std::size_t length_bits) {
  if (key.size() != 16 && key.size() != 32) {
    return fail(Code::kInvalidArgument, "AES-CMAC key must be 16 or 32 octets");
  }
  if (message.size() < (length_bits + 7) / 8) {
    return fail(Code::kInvalidArgument, "AES-CMAC: message holds " +
                                            std::to_string(message.size() * 8) + " bits, " +
                                            std::to_string(length_bits) + " requested");
  }
  return {};
}

// SP 800-38B §6.1: the doubling in GF(2^128) used for the subkeys K1 and K2.
Block dbl(const Block& in) {
  Block out{};
  for (std::size_t i = 0; i < kAesBlockSize; ++i) {
    const std::uint8_t next = i + 1 < kAesBlockSize ? in[i + 1] : 0;
    out[i] = static_cast<std::uint8_t>((in[i] << 1) | (next >> 7));
  }
  if ((in[0] & 0x80) != 0) out[kAesBlockSize - 1] ^= 0x87;  // R_128 = 0^120 ‖ 10000111
  return out;
}

}  // namespace

namespace detail {

Result<std::array<std::uint8_t, kCmacSize>> aes_cmac_from_blocks(ByteView key, ByteView message,
                                                                 std::size_t length_bits) {
  if (auto st = check_args(key, message, length_bits); !st) return std::unexpected(st.error());
  auto aes = AesEcb::create(key);
  if (!aes) return std::unexpected(aes.error());

  // §6.1 subkey generation: L = CIPH_K(0^128), K1 = dbl(L), K2 = dbl(K1).
  Block l{};
  if (auto st = aes->encrypt(l, l); !st) return std::unexpected(st.error());
  Block k1 = dbl(l);
  Block k2 = dbl(k1);
  OPENSSL_cleanse(l.data(), l.size());

  // §6.2 steps 2-4: n blocks; the last one is XORed with K1 if complete, else padded with
  // 1 ‖ 0^j at bit granularity and XORed with K2.
  constexpr std::size_t kBlockBits = 8 * kAesBlockSize;
  const std::size_t n = length_bits == 0 ? 1 : (length_bits + kBlockBits - 1) / kBlockBits;
  const std::size_t last_bits = length_bits - (n - 1) * kBlockBits;
  Block last{};
  const ByteView tail = message.subspan((n - 1) * kAesBlockSize, (last_bits + 7) / 8);
  std::copy(tail.begin(), tail.end(), last.begin());
  if (last_bits == kBlockBits) {
    for (std::size_t i = 0; i < kAesBlockSize; ++i) last[i] ^= k1[i];
  } else {
    const std::size_t full = last_bits / 8;
    const unsigned partial = static_cast<unsigned>(last_bits % 8);
    // Keep the `partial` leading bits of octet `full`, then the padding bit right after them.
    last[full] =
        static_cast<std::uint8_t>((last[full] & (0xff00u >> partial)) | (0x80u >> partial));
    for (std::size_t i = full + 1; i < kAesBlockSize; ++i) last[i] = 0;
    for (std::size_t i = 0; i < kAesBlockSize; ++i) last[i] ^= k2[i];
  }
  OPENSSL_cleanse(k1.data(), k1.size());
  OPENSSL_cleanse(k2.data(), k2.size());

  // §6.2 steps 5-6: C_i = CIPH_K(C_{i-1} ⊕ M_i).
  Block c{};
  for (std::size_t b = 0; b < n; ++b) {
    const std::uint8_t* m = b + 1 < n ? message.data() + b * kAesBlockSize : last.data();
    for (std::size_t i = 0; i < kAesBlockSize; ++i) c[i] ^= m[i];
    if (auto st = aes->encrypt(c, c); !st) return std::unexpected(st.error());
  }
  return c;
}

Result<std::array<std::uint8_t, kCmacSize>> aes_cmac_evp(ByteView key, ByteView message) {
  if (auto st = check_args(key, message, 8 * message.size()); !st) {
    return std::unexpected(st.error());
  }
  const EVP_MAC_CTX* tmpl = cmac_template(key.size());
  if (tmpl == nullptr) return detail::openssl_error("AES-CMAC set-up");
  detail::MacCtxPtr ctx(EVP_MAC_CTX_dup(tmpl));
  if (!ctx) return detail::openssl_error("CMAC context");
  std::array<std::uint8_t, kCmacSize> out{};
  std::size_t len = 0;
  if (EVP_MAC_init(ctx.get(), key.data(), key.size(), nullptr) != 1 ||
      (!message.empty() && EVP_MAC_update(ctx.get(), message.data(), message.size()) != 1) ||
      EVP_MAC_final(ctx.get(), out.data(), &len, out.size()) != 1 || len != kCmacSize) {
    return detail::openssl_error("AES-CMAC");
  }
  return out;
}

}  // namespace detail

Result<std::array<std::uint8_t, kCmacSize>> aes_cmac(ByteView key, ByteView message,
                                                     std::size_t length_bits) {
  // OpenSSL's CMAC works on whole octets; EIA2 messages of other lengths take the SP 800-38B
  // steps over AES-ECB (tests: both agree on every octet-aligned length).
  if (length_bits % 8 != 0) return detail::aes_cmac_from_blocks(key, message, length_bits);
  if (auto st = check_args(key, message, length_bits); !st) return std::unexpected(st.error());
  return detail::aes_cmac_evp(key, message.first(length_bits / 8));
}

}  // namespace kmebind::crypto
