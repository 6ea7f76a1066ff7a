#include "store/key_wrap.h"

#include <cstring>
#include <initializer_list>

#include "crypto/aead.h"

namespace kmebind::store {
namespace {

constexpr std::string_view kLabelK = "kmebind.store.k";
constexpr std::string_view kLabelOpc = "kmebind.store.opc";
constexpr std::string_view kLabelKme = "kmebind.store.kme";
constexpr std::string_view kLabelNamed = "kmebind.store.sealed";
constexpr std::string_view kLabelCheck = "kmebind.store.key-check";

// The parts with a zero octet between each two (identifiers never contain one).
Bytes join(std::initializer_list<std::string_view> parts) {
  std::size_t size = parts.size() - 1;
  for (auto p : parts) size += p.size();
  Bytes out(size);
  std::size_t pos = 0;
  for (auto p : parts) {
    if (pos > 0) out[pos++] = 0;
    if (!p.empty()) std::memcpy(out.data() + pos, p.data(), p.size());
    pos += p.size();
  }
  return out;
}

Bytes aad(std::string_view label, std::string_view imsi) { return join({label, imsi}); }

Bytes kme_aad(std::string_view imsi, std::string_view imei, std::uint32_t version) {
  Bytes out = join({kLabelKme, imsi, imei});
  const std::size_t pos = out.size();
  out.resize(pos + 5);  // 0x00 ‖ version, 4 octets big-endian
  for (std::size_t i = 0; i < 4; ++i) {
    out[pos + 1 + i] = static_cast<std::uint8_t>(version >> (24 - 8 * i));
  }
  return out;
}

Result<SecretBytes> open_or_corrupt(const SecretBytes& key, ByteView sealed, ByteView ad,
                                    const std::string& what) {
  auto plain = crypto::aead_open(key, sealed, ad);
  if (!plain) {
    return fail(Code::kCorruption, "stored " + what +
                                       " does not open under the master key (tampered, moved "
                                       "between rows, or another master key)");
  }
  return plain;
}

}  // namespace

Result<Bytes> KeyWrap::seal_k(std::string_view imsi, const SecretBytes& k) const {
  return crypto::aead_seal(key_, k.view(), aad(kLabelK, imsi));
}

Result<Bytes> KeyWrap::seal_opc(std::string_view imsi, const SecretBytes& opc) const {
  return crypto::aead_seal(key_, opc.view(), aad(kLabelOpc, imsi));
}

Result<Bytes> KeyWrap::seal_kme(std::string_view imsi, std::string_view imei,
                                std::uint32_t version, const SecretBytes& kme) const {
  return crypto::aead_seal(key_, kme.view(), kme_aad(imsi, imei, version));
}

Result<Bytes> KeyWrap::seal_named(std::string_view name, const SecretBytes& value) const {
  return crypto::aead_seal(key_, value.view(), aad(kLabelNamed, name));
}

Result<SecretBytes> KeyWrap::open_k(std::string_view imsi, ByteView sealed) const {
  return open_or_corrupt(key_, sealed, aad(kLabelK, imsi), "K of IMSI " + std::string(imsi));
}

Result<SecretBytes> KeyWrap::open_opc(std::string_view imsi, ByteView sealed) const {
  return open_or_corrupt(key_, sealed, aad(kLabelOpc, imsi), "OPc of IMSI " + std::string(imsi));
}

Result<SecretBytes> KeyWrap::open_kme(std::string_view imsi, std::string_view imei,
                                      std::uint32_t version, ByteView sealed) const {
  return open_or_corrupt(key_, sealed, kme_aad(imsi, imei, version),
                         "KME of IMSI " + std::string(imsi) + " IMEI " + std::string(imei) +
                             " version " + std::to_string(version));
}

Result<SecretBytes> KeyWrap::open_named(std::string_view name, ByteView sealed) const {
  return open_or_corrupt(key_, sealed, aad(kLabelNamed, name), "setting " + std::string(name));
}

Result<Bytes> KeyWrap::make_key_check() const {
  return crypto::aead_seal(key_, as_bytes(kLabelCheck), as_bytes(kLabelCheck));
}

Status KeyWrap::verify_key_check(ByteView check) const {
  auto plain = crypto::aead_open(key_, check, as_bytes(kLabelCheck));
  if (!plain || !equal_ct(plain->view(), as_bytes(kLabelCheck))) {
    return fail(Code::kCorruption, "master key does not match this store");
  }
  return {};
}

}  // namespace kmebind::store
