#include "crypto/hss_token.h"

#include <string>

#include "crypto/aead.h"
#include "crypto/binding_fields.h"

namespace kmebind::crypto::detail {
namespace {

constexpr std::size_t kHeaderSize = 1 + 4;
constexpr std::size_t kFrameSize = kHeaderSize + kAeadIvSize + kAeadTagSize;

Result<Bytes> token_aad(const HssTokenKind& kind, std::uint32_t key_id, std::string_view imsi,
                        std::string_view imei) {
  if (auto st = check_identity(imsi, "IMSI"); !st) return std::unexpected(st.error());
  if (auto st = check_identity(imei, "IMEI"); !st) return std::unexpected(st.error());
  ByteWriter w;
  w.bytes(as_bytes(kind.label));
  w.u8(kind.version);
  w.u32(key_id);
  if (auto st = append_lv(w, as_bytes(imsi), "IMSI"); !st) return std::unexpected(st.error());
  if (auto st = append_lv(w, as_bytes(imei), "IMEI"); !st) return std::unexpected(st.error());
  return w.take();
}

std::string named(const HssTokenKind& kind, std::string_view text) {
  return std::string(kind.name) + std::string(text);
}

}  // namespace

Result<Bytes> seal_hss_token(const CookieKeyRing& ring, const HssTokenKind& kind,
                             ByteView plaintext, std::string_view imsi, std::string_view imei) {
  if (ring.empty()) return fail(Code::kInvalidArgument, "cookie key ring has no active key");
  if (plaintext.size() + kFrameSize != kind.size) {
    return fail(Code::kInvalidArgument, named(kind, ": plaintext of the wrong size"));
  }
  const std::uint32_t key_id = ring.active_id();
  auto aad = token_aad(kind, key_id, imsi, imei);
  if (!aad) return std::unexpected(aad.error());
  auto sealed = aead_seal(*ring.find(key_id), plaintext, *aad);
  if (!sealed) return std::unexpected(sealed.error());
  Bytes buffer;
  buffer.reserve(kind.size);
  ByteWriter out(std::move(buffer));
  out.u8(kind.version);
  out.u32(key_id);
  out.bytes(*sealed);
  return out.take();
}

Result<SecretBytes> open_hss_token(const CookieKeyRing& ring, const HssTokenKind& kind,
                                   ByteView token, std::string_view imsi, std::string_view imei) {
  if (token.size() < kHeaderSize) {
    return fail(Code::kMalformed,
                named(kind, " too short (" + std::to_string(token.size()) + " octets)"));
  }
  if (token[0] != kind.version) {
    return fail(Code::kMalformed,
                named(kind, " version " + std::to_string(token[0]) + " not supported"));
  }
  if (token.size() != kind.size) {
    return fail(Code::kMalformed, named(kind, " must be " + std::to_string(kind.size) +
                                                  " octets, got " + std::to_string(token.size())));
  }
  ByteReader r(token.subspan(1));
  const std::uint32_t key_id = *r.u32("key id");  // size checked above
  const SecretBytes* key = ring.find(key_id);
  if (key == nullptr) {
    return fail(Code::kAuthFailed, named(kind, " sealed with unknown or retired key id " +
                                                   std::to_string(key_id)));
  }
  auto aad = token_aad(kind, key_id, imsi, imei);
  if (!aad) return std::unexpected(aad.error());
  auto plain = aead_open(*key, r.rest(), *aad);
  if (!plain) {
    return fail(Code::kAuthFailed,
                named(kind, " does not verify (tampered, or issued for another IMSI/IMEI)"));
  }
  return std::move(*plain);
}

Status check_token_age(const HssTokenKind& kind, std::int64_t issued_at_unix_s,
                       std::int64_t now_unix_s, std::int64_t lifetime_s) {
  std::int64_t age = 0;
  if (__builtin_sub_overflow(now_unix_s, issued_at_unix_s, &age)) {
    return fail(Code::kExpired, named(kind, " issue time is out of range"));
  }
  if (age < -kCookieMaxClockSkewS) {
    return fail(Code::kExpired,
                named(kind, " issued " + std::to_string(-age) + " s in the future"));
  }
  if (age > lifetime_s) {
    return fail(Code::kExpired, named(kind, " expired " + std::to_string(age - lifetime_s) +
                                                " s ago (lifetime " + std::to_string(lifetime_s) +
                                                " s)"));
  }
  return {};
}

}  // namespace kmebind::crypto::detail
