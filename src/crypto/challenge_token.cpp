#include "crypto/challenge_token.h"

#include "crypto/hss_token.h"
#include "crypto/kme.h"

namespace kmebind::crypto {
namespace {

constexpr detail::HssTokenKind kTokenKind{kChallengeTokenLabel, kChallengeTokenVersion,
                                          kChallengeTokenSize, "challenge token"};

}  // namespace

Result<Bytes> seal_challenge_token(const CookieKeyRing& ring,
                                   const ChallengeTokenContent& content) {
  if (content.nonce.size() != kNonceSize) {
    return fail(Code::kInvalidArgument, "challenge token: Nonce must be 16 octets");
  }
  ByteWriter w;
  w.u32(content.kme_version);
  w.u64(static_cast<std::uint64_t>(content.issued_at_unix_s));
  w.bytes(content.nonce);
  return detail::seal_hss_token(ring, kTokenKind, w.take(), content.imsi, content.imei);
}

Result<ChallengeTokenContent> open_challenge_token(const CookieKeyRing& ring, ByteView token,
                                                   std::string_view imsi, std::string_view imei,
                                                   std::int64_t now_unix_s,
                                                   std::int64_t lifetime_s) {
  if (lifetime_s < 0) return fail(Code::kInvalidArgument, "challenge token lifetime is negative");
  auto plain = detail::open_hss_token(ring, kTokenKind, token, imsi, imei);
  if (!plain) return std::unexpected(plain.error());
  ByteReader p(plain->view());
  ChallengeTokenContent c;
  c.imsi = std::string(imsi);
  c.imei = std::string(imei);
  c.kme_version = *p.u32("KME version");  // sizes fixed by kChallengeTokenSize
  c.issued_at_unix_s = static_cast<std::int64_t>(*p.u64("issued at"));
  const ByteView nonce = *p.take(kNonceSize, "Nonce");
  c.nonce.assign(nonce.begin(), nonce.end());
  if (auto st = detail::check_token_age(kTokenKind, c.issued_at_unix_s, now_unix_s, lifetime_s);
      !st) {
    return std::unexpected(st.error());
  }
  return c;
}

}  // namespace kmebind::crypto
