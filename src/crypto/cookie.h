// The Cookie of procedure 2 (TR 33.868 §5.4.4.2.3.3.2 steps 4, 5, 10, 11; DESIGN.md §3-4): the
// HSS seals KME, Nonce and the issue time under a key only it knows, hands the Cookie to the CNN,
// and opens it again when the Update Location arrives — so the HSS keeps no state in between,
// and any HSS front-end holding the key ring can finish the procedure.
//
// Wire format (93 octets):
//   version 0x01 (1) ‖ key id (4, big-endian, in the clear) ‖ IV (12, random) ‖
//   AES-256-GCM ciphertext (60) ‖ tag (16)
//   plaintext = KME version (4) ‖ issued at, Unix seconds (8, two's complement) ‖ KME (32) ‖
//               Nonce (16)
//   AAD       = "kmebind cookie v1" ‖ version ‖ key id ‖ len ‖ IMSI ‖ len ‖ IMEI   (len: 1 octet)
// A Cookie therefore opens only for the IMSI and IMEI it was issued for.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/secret.h"

namespace kmebind::crypto {

inline constexpr std::uint8_t kCookieVersion = 0x01;
inline constexpr std::size_t kCookieKeySize = 32;
inline constexpr std::size_t kCookieSize = 1 + 4 + 12 + (4 + 8 + 32 + 16) + 16;
inline constexpr std::int64_t kCookieDefaultLifetimeS = 300;
// A Cookie issued up to this far in the future (clock skew between HSS front-ends) is accepted.
inline constexpr std::int64_t kCookieMaxClockSkewS = 60;
inline constexpr std::string_view kCookieLabel = "kmebind cookie v1";
inline constexpr std::string_view kProcedure1CookieLabel = "kmebind procedure-1 cookie v1";

// The HSS-only keys that seal Cookies. Sealing uses the active key; opening accepts any key that
// was added and not yet retired, so Cookies in flight survive a rotation. The first key added
// becomes active, and the active key cannot be retired, so a non-empty ring always has an active
// key. Not synchronised: concurrent const use is safe; mutation needs external locking.
class CookieKeyRing {
 public:
  // kInvalidArgument if the key is not 32 octets; kAlreadyExists if the id is present;
  // kNotAllowed if the id was retired (an id is never reused).
  Status add_key(std::uint32_t key_id, SecretBytes key32);
  // kNotFound if the id is unknown or retired.
  Status set_active(std::uint32_t key_id);
  // Forgets (wipes) the key: Cookies sealed with it no longer open. kNotFound if unknown or
  // already retired; kNotAllowed for the active key (activate another first).
  Status retire(std::uint32_t key_id);

  // REQUIRES: !empty(). Returns 0 when empty.
  std::uint32_t active_id() const { return active_.value_or(0); }
  // True when there is no key (and so no active key).
  bool empty() const { return !active_.has_value(); }
  std::size_t size() const { return keys_.size(); }

  // The key for `key_id`, or nullptr if unknown or retired. Valid until the ring is mutated.
  const SecretBytes* find(std::uint32_t key_id) const;
  bool is_retired(std::uint32_t key_id) const { return retired_.contains(key_id); }

 private:
  std::map<std::uint32_t, SecretBytes> keys_;
  std::set<std::uint32_t> retired_;
  std::optional<std::uint32_t> active_;
};

struct CookieContent {
  std::string imsi;  // bound through the AAD, not carried inside
  std::string imei;
  SecretBytes kme;  // 32 octets
  Bytes nonce;      // 16 octets
  std::int64_t issued_at_unix_s = 0;
  std::uint32_t kme_version = 0;
};

// Which confirm a Cookie is for. Procedure 2's (seed steps 4, 11): KME and Nonce, for the device's
// signature. Procedure 1's (kmebind, docs/protocol.md §2): the KME handed to the CNN in the clear,
// Nonce zero, returned with the confirm so that the HSS can tell it issued that KME for the pair
// and version (not a KME of the CNN's own choosing; it does not show that the device holds the
// KME, so a racing loser marks nothing). The same layout; the AAD label differs
// (kProcedure1CookieLabel), so one never opens as the other.
enum class CookieUse : std::uint8_t { kProcedure2, kProcedure1 };

// Seals `content` with the ring's active key. kInvalidArgument if the ring is empty, KME is not
// 32 or Nonce not 16 octets, or IMSI/IMEI are empty or longer than 255.
Result<Bytes> seal_cookie(const CookieKeyRing& ring, const CookieContent& content,
                          CookieUse use = CookieUse::kProcedure2);

// Opens a Cookie presented with `imsi` and `imei` at time `now_unix_s`.
//   kMalformed   wrong size or unknown version;
//   kAuthFailed  unknown or retired key id, tampered octets, another IMSI or IMEI, or a Cookie
//                sealed for the other CookieUse;
//   kExpired     now > issued + lifetime_s, or issued > now + 60 s;
//   kInvalidArgument  lifetime_s < 0 or bad IMSI/IMEI length.
// Only after the tag verifies is anything inside trusted.
Result<CookieContent> open_cookie(const CookieKeyRing& ring, ByteView cookie, std::string_view imsi,
                                  std::string_view imei, std::int64_t now_unix_s,
                                  std::int64_t lifetime_s, CookieUse use = CookieUse::kProcedure2);

}  // namespace kmebind::crypto
