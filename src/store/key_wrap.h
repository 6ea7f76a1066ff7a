// Sealing of secrets at rest under the store master key with AES-256-GCM (crypto/aead.h,
// DESIGN.md §4 "KME at rest"). The associated data names what the value is and which row it
// belongs to, so a sealed value moved to another row, column or version does not open:
//   K      "kmebind.store.k"      0x00 IMSI
//   OPc    "kmebind.store.opc"    0x00 IMSI
//   KME    "kmebind.store.kme"    0x00 IMSI 0x00 IMEI 0x00 version (4 octets, big-endian)
//   named  "kmebind.store.sealed" 0x00 name           (sealed settings)
//   check  "kmebind.store.key-check"                   (key check value, plaintext the same label)
// Thread-safe (immutable after construction).
#pragma once

#include <cstdint>
#include <string_view>

#include "common/bytes.h"
#include "common/secret.h"

namespace kmebind::store {

class KeyWrap {
 public:
  // REQUIRES: master_key.size() == 32 (checked by open_store).
  explicit KeyWrap(SecretBytes master_key) : key_(std::move(master_key)) {}

  Result<Bytes> seal_k(std::string_view imsi, const SecretBytes& k) const;
  Result<Bytes> seal_opc(std::string_view imsi, const SecretBytes& opc) const;
  Result<Bytes> seal_kme(std::string_view imsi, std::string_view imei, std::uint32_t version,
                         const SecretBytes& kme) const;
  Result<Bytes> seal_named(std::string_view name, const SecretBytes& value) const;

  // Each fails kCorruption naming the row (never the value) when the sealed value does not open.
  Result<SecretBytes> open_k(std::string_view imsi, ByteView sealed) const;
  Result<SecretBytes> open_opc(std::string_view imsi, ByteView sealed) const;
  Result<SecretBytes> open_kme(std::string_view imsi, std::string_view imei, std::uint32_t version,
                               ByteView sealed) const;
  Result<SecretBytes> open_named(std::string_view name, ByteView sealed) const;

  // A key check value to keep in the store, and its verification: kCorruption
  // "master key does not match this store" when it was made under another key.
  Result<Bytes> make_key_check() const;
  Status verify_key_check(ByteView check) const;

 private:
  SecretBytes key_;
};

}  // namespace kmebind::store
