#include "crypto/cookie.h"

#include "crypto/hss_token.h"
#include "crypto/kme.h"

namespace kmebind::crypto {
namespace {

constexpr std::size_t kPlaintextSize = 4 + 8 + kKmeSize + kNonceSize;
constexpr detail::HssTokenKind kCookieKind{kCookieLabel, kCookieVersion, kCookieSize, "cookie"};
constexpr detail::HssTokenKind kProcedure1CookieKind{kProcedure1CookieLabel, kCookieVersion,
                                                     kCookieSize, "cookie"};

const detail::HssTokenKind& kind_of(CookieUse use) {
  return use == CookieUse::kProcedure1 ? kProcedure1CookieKind : kCookieKind;
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

Result<Bytes> seal_cookie(const CookieKeyRing& ring, const CookieContent& content, CookieUse use) {
  if (content.kme.size() != kKmeSize) {
    return fail(Code::kInvalidArgument, "cookie: KME must be 32 octets");
  }
  if (content.nonce.size() != kNonceSize) {
    return fail(Code::kInvalidArgument, "cookie: Nonce must be 16 octets");
  }
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
  return detail::seal_hss_token(ring, kind_of(use), plain.view(), content.imsi, content.imei);
}

Result<CookieContent> open_cookie(const CookieKeyRing& ring, ByteView cookie, std::string_view imsi,
                                  std::string_view imei, std::int64_t now_unix_s,
                                  std::int64_t lifetime_s, CookieUse use) {
  if (lifetime_s < 0) return fail(Code::kInvalidArgument, "cookie lifetime is negative");
  auto plain = detail::open_hss_token(ring, kind_of(use), cookie, imsi, imei);
  if (!plain) return std::unexpected(plain.error());
  ByteReader p(plain->view());
  CookieContent c;
  c.imsi = std::string(imsi);
  c.imei = std::string(imei);
  c.kme_version = *p.u32("KME version");  // sizes fixed by kCookieSize
  c.issued_at_unix_s = static_cast<std::int64_t>(*p.u64("issued at"));
  c.kme = SecretBytes(*p.take(kKmeSize, "KME"));
  const ByteView nonce = *p.take(kNonceSize, "Nonce");
  c.nonce.assign(nonce.begin(), nonce.end());
  if (auto st = detail::check_token_age(kind_of(use), c.issued_at_unix_s, now_unix_s, lifetime_s);
      !st) {
    return std::unexpected(st.error());
  }
  return c;
}

}  // namespace kmebind::crypto
