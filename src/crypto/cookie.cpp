#include "crypto/cookie.h"

#include "crypto/aead.h"
#include "crypto/binding_fields.h"
#include "crypto/kme.h"

namespace kmebind::crypto {
namespace {

constexpr std::size_t kHeaderSize = 1 + 4;
constexpr std::size_t kPlaintextSize = 4 + 8 + kKmeSize + kNonceSize;

Result<Bytes> cookie_aad(std::uint32_t key_id, std::string_view imsi, std::string_view imei) {
  if (auto st = detail::check_identity(imsi, "IMSI"); !st) return std::unexpected(st.error());
  if (auto st = detail::check_identity(imei, "IMEI"); !st) return std::unexpected(st.error());
  ByteWriter w;
  w.bytes(as_bytes(kCookieLabel));
  w.u8(kCookieVersion);
  w.u32(key_id);
  if (auto st = detail::append_lv(w, as_bytes(imsi), "IMSI"); !st) {
    return std::unexpected(st.error());
  }
  if (auto st = detail::append_lv(w, as_bytes(imei), "IMEI"); !st) {
    return std::unexpected(st.error());
  }
  return w.take();
}

}  // namespace

Status CookieKeyRing::add_key(std::uint32_t key_id, SecretBytes key32) {
  if (key32.size() != kCookieKeySize) {
    return fail(Code::kInvalidArgument, "cookie key " + std::to_string(key_id) +
                                            " must be 32 octets, got " +
                                            std::to_string(key32.size()));
  }
  if (retired_.contains(key_id)) {
    return fail(Code::kNotAllowed,
                "cookie key id " + std::to_string(key_id) + " was retired and cannot be reused");
  }
  if (keys_.contains(key_id)) {
    return fail(Code::kAlreadyExists, "cookie key id " + std::to_string(key_id) + " exists");
  }
  keys_.emplace(key_id, std::move(key32));
  if (!active_) active_ = key_id;
  return {};
}

Status CookieKeyRing::set_active(std::uint32_t key_id) {
  if (!keys_.contains(key_id)) {
    return fail(Code::kNotFound, "no usable cookie key with id " + std::to_string(key_id));
  }
  active_ = key_id;
  return {};
}

Status CookieKeyRing::retire(std::uint32_t key_id) {
  auto it = keys_.find(key_id);
  if (it == keys_.end()) {
    return fail(Code::kNotFound, "no usable cookie key with id " + std::to_string(key_id));
  }
  if (active_ == key_id) {
    return fail(Code::kNotAllowed, "cookie key " + std::to_string(key_id) +
                                       " is active; activate another key before retiring it");
  }
  keys_.erase(it);  // SecretBytes wipes itself
  retired_.insert(key_id);
  return {};
}

const SecretBytes* CookieKeyRing::find(std::uint32_t key_id) const {
  auto it = keys_.find(key_id);
  return it == keys_.end() ? nullptr : &it->second;
}

Result<Bytes> seal_cookie(const CookieKeyRing& ring, const CookieContent& content) {
  if (ring.empty()) return fail(Code::kInvalidArgument, "cookie key ring has no active key");
  if (content.kme.size() != kKmeSize) {
    return fail(Code::kInvalidArgument, "cookie: KME must be 32 octets");
  }
  if (content.nonce.size() != kNonceSize) {
    return fail(Code::kInvalidArgument, "cookie: Nonce must be 16 octets");
  }
  const std::uint32_t key_id = ring.active_id();
  auto aad = cookie_aad(key_id, content.imsi, content.imei);
  if (!aad) return std::unexpected(aad.error());
  SecretBytes plain;
  {
    Bytes buffer;
    buffer.reserve(kPlaintextSize);  // no reallocation: no unwiped copy of KME left behind
    ByteWriter w(std::move(buffer));
    w.u32(content.kme_version);
    w.u64(static_cast<std::uint64_t>(content.issued_at_unix_s));
    w.bytes(content.kme.view());
    w.bytes(content.nonce);
    plain = SecretBytes(w.take());
  }
  auto sealed = aead_seal(*ring.find(key_id), plain.view(), *aad);
  if (!sealed) return std::unexpected(sealed.error());
  ByteWriter out;
  out.u8(kCookieVersion);
  out.u32(key_id);
  out.bytes(*sealed);
  return out.take();
}

Result<CookieContent> open_cookie(const CookieKeyRing& ring, ByteView cookie, std::string_view imsi,
                                  std::string_view imei, std::int64_t now_unix_s,
                                  std::int64_t lifetime_s) {
  if (lifetime_s < 0) return fail(Code::kInvalidArgument, "cookie lifetime is negative");
  if (cookie.size() < kHeaderSize) {
    return fail(Code::kMalformed,
                "cookie too short (" + std::to_string(cookie.size()) + " octets)");
  }
  if (cookie[0] != kCookieVersion) {
    return fail(Code::kMalformed, "cookie version " + std::to_string(cookie[0]) + " not supported");
  }
  if (cookie.size() != kCookieSize) {
    return fail(Code::kMalformed, "cookie must be " + std::to_string(kCookieSize) +
                                      " octets, got " + std::to_string(cookie.size()));
  }
  ByteReader r(cookie.subspan(1));
  const std::uint32_t key_id = *r.u32("key id");  // size checked above
  const SecretBytes* key = ring.find(key_id);
  if (key == nullptr) {
    return fail(Code::kAuthFailed,
                "cookie sealed with unknown or retired key id " + std::to_string(key_id));
  }
  auto aad = cookie_aad(key_id, imsi, imei);
  if (!aad) return std::unexpected(aad.error());
  auto plain = aead_open(*key, r.rest(), *aad);
  if (!plain) {
    return fail(Code::kAuthFailed,
                "cookie does not verify (tampered, or issued for another IMSI/IMEI)");
  }
  ByteReader p(plain->view());
  CookieContent c;
  c.imsi = std::string(imsi);
  c.imei = std::string(imei);
  c.kme_version = *p.u32("KME version");  // sizes fixed by kCookieSize
  c.issued_at_unix_s = static_cast<std::int64_t>(*p.u64("issued at"));
  c.kme = SecretBytes(*p.take(kKmeSize, "KME"));
  const ByteView nonce = *p.take(kNonceSize, "Nonce");
  c.nonce.assign(nonce.begin(), nonce.end());

  // Overflow-safe: issued and now are any int64 values.
  std::int64_t age = 0;
  if (__builtin_sub_overflow(now_unix_s, c.issued_at_unix_s, &age)) {
    return fail(Code::kExpired, "cookie issue time is out of range");
  }
  if (age < -kCookieMaxClockSkewS) {
    return fail(Code::kExpired, "cookie issued " + std::to_string(-age) + " s in the future");
  }
  if (age > lifetime_s) {
    return fail(Code::kExpired, "cookie expired " + std::to_string(age - lifetime_s) +
                                    " s ago (lifetime " + std::to_string(lifetime_s) + " s)");
  }
  return c;
}

}  // namespace kmebind::crypto
