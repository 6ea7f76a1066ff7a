// Out-of-band KME import. TR 33.868 §5.4.4.2.3.3: "KME can be provisioned into the device by the
// manufacturer and then provisioned into the HSS using offline methods" (or by a third party).
// Such KMEs reach the operator in a file encrypted to the HSS's import public key, an ECIES
// Profile A (X25519, TS 33.501 Annex C.3.4.1) key pair made by `kmebind admin init`: the private
// key lives in the store sealed under the master key, the public key is handed to the makers.
//
// File format (docs/admin.md): '#' comments and blank lines ignored; a header line
//   imsi,imei,kme_ecies_a
// then one row per KME: IMSI, IMEI (14 digits, or 15 with check digit), and the hex ECIES Profile A
// scheme output (ephemeral public key 32 ‖ ciphertext 32 ‖ MAC tag 8 = 72 octets) of the
// 32-octet KME.
//
// Sender authentication (docs/admin.md "Signed import files"): the import public key is public, so
// anyone could write such a file, and the rows are not bound to their IMSI/IMEI pair by the ECIES
// output. The sender therefore signs the file's exact bytes with Ed25519 (RFC 8032, pure, no
// pre-hash: what `openssl pkeyutl -sign -rawin` makes) and hands the operator its public key out
// of band; the signature travels next to the file, in FILE.sig.
#pragma once

#include <istream>
#include <string>

#include "common/bytes.h"
#include "common/secret.h"
#include "store/exchange.h"
#include "store/subscriber_store.h"

namespace kmebind::store {

inline constexpr std::string_view kImportPrivateKeySetting = "kme_import.private_key";
inline constexpr std::string_view kImportPublicKeySetting = "kme_import.public_key";
inline constexpr std::size_t kImportedKmeSchemeOutputSize = 32 + kKmeSize + 8;
inline constexpr std::string_view kImportSignatureSuffix = ".sig";  // FILE.sig next to FILE

// Makes a new import key pair and stores it (private sealed, public in the clear); returns the
// public key (32 octets). kAlreadyExists if the store has one and !replace.
Result<Bytes> create_import_key(SubscriberStore& store, bool replace);
// kNotFound "the store has no KME import key; run kmebind admin init" if there is none.
Result<Bytes> import_public_key(SubscriberStore& store);
Result<SecretBytes> import_private_key(SubscriberStore& store);

struct KmeImportRow {
  std::string imsi;
  std::string imei;         // normalized to 14 digits
  Bytes scheme_output;      // 72 octets, still encrypted
};

struct KmeImportHandler {
  std::function<Status(std::size_t line, KmeImportRow&& row)> row;
  std::function<Status(RowError&& error)> bad_row;
};

// Streams the rows of an import file; bad rows (wrong identifiers, bad hex, wrong length) are
// reported with their line and reading goes on. A missing or wrong header fails kMalformed.
Status read_kme_import(std::istream& in, const KmeImportHandler& handler);

// Decrypts one row's KME with the import private key: kAuthFailed if it was not encrypted to
// this key or was altered, kInvalidArgument if the plaintext is not 32 octets.
Result<SecretBytes> open_imported_kme(const SecretBytes& import_private_key, ByteView scheme_output);

// The detached signature of an import file: 64 raw octets, or 128 hex digits (one line).
// kInvalidArgument otherwise.
Result<Bytes> parse_import_signature(ByteView signature_file);

// Ok if `signature` is the sender's Ed25519 signature of `file_bytes`; kAuthFailed naming the
// consequence otherwise (altered file, or signed by another key).
Status verify_import_signature(ByteView sender_public_key, ByteView file_bytes, ByteView signature);

// "ed25519:" and the first 16 hex digits of SHA-256 of the sender's raw public key: how the KME
// records and the audit trail name the key that vouched for an import.
Result<std::string> sender_key_fingerprint(ByteView sender_public_key);

// The sender's side: one row "imsi,imei,<hex>" with `kme` encrypted to `import_public_key`.
Result<std::string> seal_kme_import_row(ByteView import_public_key, std::string_view imsi,
                                        std::string_view imei, const SecretBytes& kme);

}  // namespace kmebind::store
