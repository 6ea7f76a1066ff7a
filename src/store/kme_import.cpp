#include "store/kme_import.h"

#include <cctype>

#include "crypto/ecies.h"
#include "crypto/hash.h"
#include "crypto/signature.h"
#include "store/exchange_fields.h"

namespace kmebind::store {

Result<Bytes> create_import_key(SubscriberStore& store, bool replace) {
  auto existing = store.get_setting(kImportPublicKeySetting);
  if (!existing) return std::unexpected(existing.error());
  if (*existing && !replace) {
    return fail(Code::kAlreadyExists, "the store already has a KME import key");
  }
  auto pair = crypto::ecies_generate(crypto::EciesProfile::kA);
  if (!pair) return std::unexpected(pair.error());
  if (auto st = store.put_sealed_setting(kImportPrivateKeySetting, pair->private_key); !st) {
    return std::unexpected(st.error());
  }
  if (auto st = store.put_setting(kImportPublicKeySetting, pair->public_key); !st) {
    return std::unexpected(st.error());
  }
  return pair->public_key;
}

Result<Bytes> import_public_key(SubscriberStore& store) {
  auto pub = store.get_setting(kImportPublicKeySetting);
  if (!pub) return std::unexpected(pub.error());
  if (!*pub) return fail(Code::kNotFound, "the store has no KME import key; run kmebind admin init");
  return std::move(**pub);
}

Result<SecretBytes> import_private_key(SubscriberStore& store) {
  auto priv = store.get_sealed_setting(kImportPrivateKeySetting);
  if (!priv) return std::unexpected(priv.error());
  if (!*priv) return fail(Code::kNotFound, "the store has no KME import key; run kmebind admin init");
  return std::move(**priv);
}

Status read_kme_import(std::istream& in, const KmeImportHandler& handler) {
  std::string text;
  std::size_t line = 0;
  bool header = false;
  auto bad = [&](std::string reason) -> Status {
    if (!handler.bad_row) return {};
    return handler.bad_row(RowError{line, std::move(reason)});
  };
  while (std::getline(in, text)) {
    ++line;
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (text.find_first_not_of(" \t") == std::string::npos || text.front() == '#') continue;
    if (!header) {
      if (text != "imsi,imei,kme_ecies_a") {
        return fail(Code::kMalformed, "line " + std::to_string(line) +
                                          ": the header must be imsi,imei,kme_ecies_a");
      }
      header = true;
      continue;
    }
    const auto fields = exchange::split(text, ',');
    if (fields.size() != 3) {
      if (auto st = bad("has " + std::to_string(fields.size()) + " fields, expected 3"); !st) return st;
      continue;
    }
    KmeImportRow row;
    if (auto st = check_imsi(fields[0]); !st) {
      if (auto b = bad("imsi: " + st.error().message()); !b) return b;
      continue;
    }
    row.imsi = std::string(fields[0]);
    auto imei = normalize_imei(fields[1]);
    if (!imei) {
      if (auto b = bad("imei: " + imei.error().message()); !b) return b;
      continue;
    }
    row.imei = std::move(*imei);
    auto sealed = from_hex_exact(fields[2], kImportedKmeSchemeOutputSize, "kme_ecies_a");
    if (!sealed) {
      if (auto b = bad("kme_ecies_a: must be " + std::to_string(2 * kImportedKmeSchemeOutputSize) +
                       " hex digits (ECIES profile A output of a 32-octet KME)");
          !b) {
        return b;
      }
      continue;
    }
    row.scheme_output = std::move(*sealed);
    if (handler.row) {
      if (auto st = handler.row(line, std::move(row)); !st) return st;
    }
  }
  if (in.bad()) return fail(Code::kIo, "read error at line " + std::to_string(line + 1));
  if (!header) return fail(Code::kMalformed, "no header line imsi,imei,kme_ecies_a");
  return {};
}

Result<SecretBytes> open_imported_kme(const SecretBytes& import_private_key,
                                      ByteView scheme_output) {
  auto kme = crypto::ecies_decrypt(crypto::EciesProfile::kA, import_private_key, scheme_output);
  if (!kme) {
    return fail(kme.error().code(),
                "KME does not decrypt with the import key (encrypted to another key, or altered)");
  }
  if (kme->size() != kKmeSize) return fail(Code::kInvalidArgument, "decrypted KME is not 32 octets");
  return kme;
}

Result<Bytes> parse_import_signature(ByteView signature_file) {
  if (signature_file.size() == crypto::kSignatureSize) {
    return Bytes(signature_file.begin(), signature_file.end());
  }
  std::string text(signature_file.begin(), signature_file.end());
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())) != 0)
    text.pop_back();
  auto hex = from_hex_exact(text, crypto::kSignatureSize, "signature");
  if (!hex) {
    return fail(Code::kInvalidArgument,
                "the signature file must hold an Ed25519 signature: 64 raw octets or 128 hex "
                "digits (it has " +
                    std::to_string(signature_file.size()) + " octets)");
  }
  return std::move(*hex);
}

Status verify_import_signature(ByteView sender_public_key, ByteView file_bytes,
                               ByteView signature) {
  auto st = crypto::verify(crypto::SignatureAlgorithm::kEd25519, sender_public_key, file_bytes,
                           signature);
  if (st) return {};
  if (st.error().code() == Code::kAuthFailed) {
    return fail(Code::kAuthFailed,
                "the file's signature does not verify with the sender key: the file was altered "
                "after it was signed, or signed with another key");
  }
  return std::unexpected(st.error());
}

Result<std::string> sender_key_fingerprint(ByteView sender_public_key) {
  auto digest = crypto::sha256({sender_public_key});
  if (!digest) return std::unexpected(digest.error());
  return "ed25519:" + to_hex(ByteView(digest->data(), 8));
}

Result<std::string> seal_kme_import_row(ByteView import_public_key, std::string_view imsi,
                                        std::string_view imei, const SecretBytes& kme) {
  if (auto st = check_imsi(imsi); !st) return std::unexpected(st.error());
  auto norm = normalize_imei(imei);
  if (!norm) return std::unexpected(norm.error());
  if (kme.size() != kKmeSize) return fail(Code::kInvalidArgument, "KME must be 32 octets");
  auto sealed = crypto::ecies_encrypt(crypto::EciesProfile::kA, import_public_key, kme.view());
  if (!sealed) return std::unexpected(sealed.error());
  return std::string(imsi) + "," + *norm + "," + to_hex(*sealed);
}

}  // namespace kmebind::store
