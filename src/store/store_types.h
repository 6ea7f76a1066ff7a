// Value types of the subscriber store and their text forms (as used in the schema, the admin CLI
// and the import/export files). Identifier checks follow TS 23.003.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/error.h"
#include "common/secret.h"
#include "store/device_profiles.h"

namespace kmebind::store {

// How the HSS treats the IMEI of this subscriber (TR 33.868 §5.4.4.2.1.3 and §5.4.4.2.3.3):
// kNone: no check; kImeiCheck: the IMSI/IMEI pair must be on the binding list;
// kKmeRequired: the pair must be listed and the device must hold a KME (provisioned if absent).
enum class BindingMode { kNone, kImeiCheck, kKmeRequired };

std::string_view to_string(BindingMode mode);  // "none" | "imei-check" | "kme-required"
Result<BindingMode> parse_binding_mode(std::string_view text);

// Text forms of the device algorithms: crypto::to_string gives "A" | "B" and
// "ed25519" | "ecdsa-p256"; these parse them (kInvalidArgument naming the value otherwise).
Result<EncProfile> parse_enc_profile(std::string_view text);
Result<SigAlgorithm> parse_sig_algorithm(std::string_view text);

inline constexpr std::size_t kKeySize = 16;     // K and OPc, TS 35.206 §2
inline constexpr std::size_t kKmeSize = 32;     // KME, DESIGN.md §4
inline constexpr std::uint64_t kSqnMax = (std::uint64_t{1} << 48) - 1;  // SQN is 48 bits, TS 33.102 §6.3.2

// How a KME reached the store (TR 33.868 §5.4.4.2.3.3): procedure 1 (shared with the CNN),
// procedure 2 (not shared) or imported out of band (device maker, third party).
inline constexpr int kKmeProcedure1 = 1;
inline constexpr int kKmeProcedure2 = 2;
inline constexpr int kKmeImported = 0;
// No KME: the pair's version counter was set by an operator (SubscriberStore::raise_kme_version,
// docs/security.md §4.3). Appears in KmeStatus only, never in a KmeRecord or a store_kme call.
inline constexpr int kKmeNoProcedure = -1;
std::string_view kme_procedure_name(int procedure);  // "1" | "2" | "import" | "none"

// The KME procedures a subscription allows, as the audit trail shows them: "1,2" | "1" | "2" |
// "none".
std::string_view allowed_procedures_text(bool procedure1, bool procedure2);
Result<int> parse_kme_procedure(std::string_view text);

// IMSI: 6 to 15 decimal digits, MCC ‖ MNC ‖ MSIN (TS 23.003 §2.2). Fails kInvalidArgument.
Status check_imsi(std::string_view imsi);
// IMEI as the store keeps it: the 14 digits TAC ‖ SNR (TS 23.003 §6.2.1), as in the IMEI AVP of
// TS 29.272 §7.3.4. A 15-digit IMEI is accepted when its check digit (TS 23.003 Annex B, Luhn)
// is right and is returned without it; anything else fails kInvalidArgument.
Result<std::string> normalize_imei(std::string_view imei);

// An IMSI/IMEI pair's key in listings ordered by IMSI, then IMEI: where list_kme_status resumes
// (keyset paging, subscriber_store.h).
struct PairKey {
  std::string imsi;
  std::string imei;
};
// The key with its IMSI checked and its IMEI normalized as above; kInvalidArgument otherwise.
Result<PairKey> normalize_pair_key(const PairKey& key);
// A listing's `limit` as the value bound to SQL LIMIT (a 64-bit signed integer in both engines).
inline std::int64_t sql_limit(std::size_t limit) {
  constexpr auto kMax = static_cast<std::size_t>(INT64_MAX);
  return static_cast<std::int64_t>(limit < kMax ? limit : kMax);
}

// Checks a device public key for its algorithm: X25519 and Ed25519 keys are 32 octets; P-256 keys
// are SEC 1 §2.3.3 points, uncompressed (65 octets, 04 first; what kmebind writes, as the HSS loads
// them without a square root) or compressed (33 octets, 02/03 first; kept as given). Only the
// encoding is checked here; `kmebind admin device add` also loads the key with OpenSSL.
Status check_enc_public_key(EncProfile profile, ByteView key);
Status check_sig_public_key(SigAlgorithm alg, ByteView key);

// Whether two encodings carry the same public key: equal octets, or one P-256 point given
// compressed (33) and uncompressed (65) — SEC 1 §2.3.3: 02/03 by the parity of Y, then X. No curve
// arithmetic. A device put again with the key it has, in the other encoding, is no key change.
bool same_public_key(ByteView a, ByteView b);

}  // namespace kmebind::store
