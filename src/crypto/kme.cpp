#include "crypto/kme.h"

#include <string>

#include "crypto/aead.h"
#include "crypto/binding_fields.h"
#include "crypto/hash.h"

namespace kmebind::crypto {
namespace {

Status check_size(std::size_t got, std::size_t want, const char* what) {
  if (got != want) {
    return fail(Code::kInvalidArgument, std::string(what) + " must be " + std::to_string(want) +
                                            " octets, got " + std::to_string(got));
  }
  return {};
}

Result<Bytes> wrap_aad(std::string_view imsi, std::string_view imei, std::uint32_t version) {
  if (auto st = detail::check_identity(imsi, "IMSI"); !st) return std::unexpected(st.error());
  if (auto st = detail::check_identity(imei, "IMEI"); !st) return std::unexpected(st.error());
  ByteWriter w;
  w.bytes(as_bytes(kWrapLabel));
  w.u8(kWrappedKmeFormat);
  if (auto st = detail::append_lv(w, as_bytes(imsi), "IMSI"); !st) {
    return std::unexpected(st.error());
  }
  if (auto st = detail::append_lv(w, as_bytes(imei), "IMEI"); !st) {
    return std::unexpected(st.error());
  }
  w.u32(version);
  return w.take();
}

}  // namespace

Result<Bytes> compute_rsp(const SecretBytes& kme, ByteView nonce) {
  if (auto st = check_size(kme.size(), kKmeSize, "KME"); !st) return std::unexpected(st.error());
  if (auto st = check_size(nonce.size(), kNonceSize, "Nonce"); !st) {
    return std::unexpected(st.error());
  }
  auto mac = hmac_sha256(kme.view(), {as_bytes(kRspLabel), nonce});
  if (!mac) return std::unexpected(mac.error());
  return Bytes(mac->view().begin(), mac->view().begin() + kRspSize);
}

Result<Bytes> compute_hxrsp(ByteView nonce, ByteView rsp) {
  if (auto st = check_size(nonce.size(), kNonceSize, "Nonce"); !st) {
    return std::unexpected(st.error());
  }
  if (auto st = check_size(rsp.size(), kRspSize, "Rsp"); !st) return std::unexpected(st.error());
  auto digest = sha256({nonce, rsp});
  if (!digest) return std::unexpected(digest.error());
  return Bytes(digest->end() - kRspSize, digest->end());
}

bool rsp_matches(ByteView expected, ByteView received) {
  return expected.size() == kRspSize && equal_ct(expected, received);
}

Result<Bytes> kme_transcript_checked(std::string_view imsi, std::string_view imei, ByteView nonce,
                                     const SecretBytes& kme) {
  ByteWriter w;
  w.bytes(as_bytes(kTranscriptLabel));
  if (auto st = detail::append_lv(w, as_bytes(imsi), "IMSI"); !st) {
    return std::unexpected(st.error());
  }
  if (auto st = detail::append_lv(w, as_bytes(imei), "IMEI"); !st) {
    return std::unexpected(st.error());
  }
  if (auto st = detail::append_lv(w, nonce, "Nonce"); !st) return std::unexpected(st.error());
  auto digest = sha256({kme.view()});
  if (!digest) return std::unexpected(digest.error());
  w.bytes(*digest);
  return w.take();
}

Bytes kme_transcript(std::string_view imsi, std::string_view imei, ByteView nonce,
                     const SecretBytes& kme) {
  auto t = kme_transcript_checked(imsi, imei, nonce, kme);
  return t ? std::move(*t) : Bytes{};
}

Result<Bytes> wrap_kme(const SecretBytes& master_key, const SecretBytes& kme, std::string_view imsi,
                       std::string_view imei, std::uint32_t version) {
  if (auto st = check_size(master_key.size(), kMasterKeySize, "master key"); !st) {
    return std::unexpected(st.error());
  }
  if (auto st = check_size(kme.size(), kKmeSize, "KME"); !st) return std::unexpected(st.error());
  auto aad = wrap_aad(imsi, imei, version);
  if (!aad) return std::unexpected(aad.error());
  auto sealed = aead_seal(master_key, kme.view(), *aad);
  if (!sealed) return std::unexpected(sealed.error());
  Bytes out;
  out.reserve(kWrappedKmeSize);
  out.push_back(kWrappedKmeFormat);
  out.insert(out.end(), sealed->begin(), sealed->end());
  return out;
}

Result<SecretBytes> unwrap_kme(const SecretBytes& master_key, ByteView wrapped,
                               std::string_view imsi, std::string_view imei,
                               std::uint32_t version) {
  if (auto st = check_size(master_key.size(), kMasterKeySize, "master key"); !st) {
    return std::unexpected(st.error());
  }
  if (wrapped.size() != kWrappedKmeSize || wrapped[0] != kWrappedKmeFormat) {
    return fail(Code::kCorruption, "wrapped KME record has the wrong size or format (" +
                                       std::to_string(wrapped.size()) + " octets)");
  }
  auto aad = wrap_aad(imsi, imei, version);
  if (!aad) return std::unexpected(aad.error());
  auto kme = aead_open(master_key, wrapped.subspan(1), *aad);
  if (!kme) {
    return fail(Code::kCorruption,
                "wrapped KME does not verify: wrong master key or corrupted record");
  }
  return kme;
}

}  // namespace kmebind::crypto
