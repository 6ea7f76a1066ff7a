// The network side of the NAS exchange, written out by hand for the UE tests: an AuC that makes
// EPS AKA vectors from the device's K/OPc with MILENAGE (TS 33.102 §6.3.2, TS 33.401 A.2), an MME
// that builds and protects downlink messages with its own NasSecurityContext (TS 33.401 A.7), and
// an HSS part that seals KME payloads to the device's public key (docs/nas.md §5.3). It uses the
// real codecs and crypto only; nothing in it is shared with the UE code under test.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <stdexcept>
#include <string>

#include "crypto/ecies.h"
#include "crypto/kdf.h"
#include "crypto/kme.h"
#include "crypto/milenage.h"
#include "crypto/random.h"
#include "nas/kme_messages.h"
#include "nas/kme_payload.h"
#include "nas/nas_message.h"
#include "nas/security_context.h"
#include "ue/device_factory.h"
#include "ue/ue.h"

namespace kmebind::ue::testing {

template <class T>
T take(Result<T> r) {
  EXPECT_TRUE(r.has_value()) << (r ? std::string() : r.error().what());
  if (!r) throw std::runtime_error("unexpected error: " + r.error().what());
  return std::move(*r);
}

inline constexpr std::string_view kImsi = "001010123456789";
inline constexpr std::string_view kImei14 = "49015420323751";
inline constexpr std::string_view kImei15 = "490154203237518";
inline constexpr std::string_view kPlmn = "001-01";
inline constexpr std::uint64_t kSqnStep = 32;  // src/hss/hss_config.h kDefaultSqnStep

inline Bytes sqn6(std::uint64_t sqn) {
  Bytes out(6);
  for (std::size_t i = 0; i < 6; ++i) out[5 - i] = static_cast<std::uint8_t>(sqn >> (8 * i));
  return out;
}

inline Bytes xor_bytes(ByteView a, ByteView b) {
  Bytes out(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) out[i] = static_cast<std::uint8_t>(a[i] ^ b[i]);
  return out;
}

// The message as T (a copy, so that it may be taken from a temporary).
template <class T>
T as(const nas::NasMessage& m) {
  const T* p = std::get_if<T>(&m);
  EXPECT_NE(p, nullptr) << "got " << nas::message_name(m);
  if (p == nullptr) throw std::runtime_error("unexpected NAS message");
  return *p;
}

class TestNetwork {
 public:
  explicit TestNetwork(const UeProfile& profile)
      : profile_(profile.clone()),
        milenage_(take(crypto::Milenage::create(profile.k, profile.opc))),
        sn_id_(take(crypto::plmn_to_sn_id(kPlmn))) {}

  // --- AuC / MME: EPS AKA ----------------------------------------------------------------------
  struct Vector {
    nas::Rand rand{};
    nas::Autn autn{};
    Bytes xres;
    SecretBytes kasme;
    std::uint64_t sqn = 0;
    Vector copy() const { return Vector{rand, autn, xres, kasme.clone(), sqn}; }
  };
  // A vector for `sqn` (TS 33.102 §6.3.2): AUTN = SQN ⊕ AK ‖ AMF ‖ MAC-A; KASME per TS 33.401 A.2.
  Vector vector_for(std::uint64_t sqn, std::array<std::uint8_t, 2> amf = {0x80, 0x00}) {
    Vector v;
    v.sqn = sqn;
    auto r = take(crypto::random_bytes(16));
    std::copy(r.begin(), r.end(), v.rand.begin());
    auto out = take(milenage_.compute(v.rand, sqn6(sqn), amf));
    const Bytes sqn_xor_ak = xor_bytes(sqn6(sqn), out.ak);
    std::copy(sqn_xor_ak.begin(), sqn_xor_ak.end(), v.autn.begin());
    v.autn[6] = amf[0];
    v.autn[7] = amf[1];
    std::copy(out.mac_a.begin(), out.mac_a.end(), v.autn.begin() + 8);
    v.xres = out.res;
    v.kasme = take(crypto::derive_kasme(out.ck, out.ik, sn_id_, sqn_xor_ak));
    return v;
  }
  // The next vector as the HSS issues them (SQN_HE + 32).
  Vector next_vector() {
    sqn_he_ += kSqnStep;
    return vector_for(sqn_he_);
  }
  Bytes authentication_request(const Vector& v, std::uint8_t ksi = 1) {
    nas::AuthenticationRequest m;
    m.nas_key_set_identifier_asme = nas::NasKeySetIdentifier{false, ksi};
    m.rand = v.rand;
    m.autn = v.autn;
    return send(m);
  }

  // --- MME: NAS security -------------------------------------------------------------------------
  // A new context from `kasme` with the given algorithms (TS 33.401 A.7), COUNTs 0.
  void take_context(const SecretBytes& kasme, nas::NasSecurityAlgorithms algs = default_algorithms()) {
    auto keys = take(crypto::derive_nas_keys(kasme, static_cast<std::uint8_t>(algs.ciphering),
                                             static_cast<std::uint8_t>(algs.integrity)));
    ctx_.emplace(take(nas::NasSecurityContext::create(algs, std::move(keys.k_nas_int), std::move(keys.k_nas_enc))));
  }
  static nas::NasSecurityAlgorithms default_algorithms() {
    return {nas::CipheringAlgorithm::kEea2, nas::IntegrityAlgorithm::kEia2};
  }
  // Security mode command protected with header type 3 by the current context.
  Bytes security_mode_command(const nas::UeSecurityCapability& replayed, bool imeisv_request = true,
                              std::uint8_t ksi = 1) {
    nas::SecurityModeCommand m;
    m.selected_nas_security_algorithms = ctx_->algorithms();
    m.nas_key_set_identifier_asme = nas::NasKeySetIdentifier{false, ksi};
    m.replayed_ue_security_capabilities = replayed;
    if (imeisv_request) m.imeisv_request = nas::ImeisvRequest::kRequested;
    return protect(m, nas::SecurityHeaderType::kIntegrityProtectedNewContext);
  }
  // Plain encoding (security header type 0).
  Bytes send(const nas::NasMessage& m) { return take(nas::encode_nas(m)); }
  // Protected downlink (type 2 unless told otherwise) with the current context.
  Bytes protect(const nas::NasMessage& m,
                nas::SecurityHeaderType type = nas::SecurityHeaderType::kIntegrityProtectedCiphered) {
    return take(ctx_->protect(take(nas::encode_nas(m)), type, nas::Direction::kDownlink));
  }
  // An uplink PDU as the MME reads it: unprotected with the context if it is protected.
  nas::NasMessage receive(ByteView pdu) {
    auto header = take(nas::peek_header(pdu));
    if (header.security_header_type == nas::SecurityHeaderType::kPlain) {
      return take(nas::decode_nas(pdu, nas::Direction::kUplink));
    }
    EXPECT_TRUE(ctx_.has_value()) << "protected uplink PDU but the network has no context";
    auto plain = take(ctx_->unprotect(pdu, nas::Direction::kUplink));
    return take(nas::decode_nas(plain.plain, nas::Direction::kUplink));
  }
  nas::SecurityHeaderType header_type(ByteView pdu) { return take(nas::peek_header(pdu)).security_header_type; }
  bool has_context() const { return ctx_.has_value(); }
  nas::NasSecurityContext& context() { return *ctx_; }

  // --- HSS/CNN: KME -----------------------------------------------------------------------------
  struct Provisioning {
    SecretBytes kme;
    nas::KmeNonce nonce{};
    nas::KmeProvisioningCommand command;  // send with kme_transport(command)
  };
  // A KME Provisioning Command: payload {procedure, imei, version, KME[, Nonce]} ECIES-encrypted to
  // the device's key; the Nonce rides in the command for procedure 1 and in the payload for 2.
  Provisioning provisioning(nas::KmeProcedure procedure, std::uint32_t version,
                            std::string imei15 = std::string(kImei15)) {
    Provisioning p;
    p.kme = take(crypto::random_secret(32));
    auto n = take(crypto::random_bytes(16));
    std::copy(n.begin(), n.end(), p.nonce.begin());
    nas::KmePayload payload;
    payload.procedure = procedure;
    payload.imei = std::move(imei15);
    payload.kme_version = version;
    payload.kme = p.kme.clone();
    if (procedure == nas::KmeProcedure::kNotSharedWithCnn) payload.nonce = p.nonce;
    auto plaintext = take(nas::encode_kme_payload(payload));
    nas::KmeProvisioningCommand cmd;
    cmd.procedure = procedure;
    cmd.ecies_profile = profile_.ecies_profile == crypto::EciesProfile::kA ? nas::EciesProfile::kProfileA
                                                                          : nas::EciesProfile::kProfileB;
    cmd.ecies_scheme_output = take(crypto::ecies_encrypt(profile_.ecies_profile, profile_.ecies.public_key,
                                                         plaintext.view()));
    if (procedure == nas::KmeProcedure::kSharedWithCnn) cmd.nonce = p.nonce;
    cmd.kme_version = version;
    p.command = std::move(cmd);
    return p;
  }
  Bytes kme_transport(const nas::KmeMessage& m) {
    nas::DownlinkGenericNasTransport t;
    t.generic_message_container_type = nas::GenericMessageContainerType::kKme;
    t.generic_message_container = nas::Octets{take(nas::encode_kme(m))};
    return protect(t);
  }
  // The KME message inside an Uplink generic NAS transport PDU.
  nas::KmeMessage receive_kme(ByteView pdu) {
    const auto t = as<nas::UplinkGenericNasTransport>(receive(pdu));
    EXPECT_EQ(t.generic_message_container_type, nas::GenericMessageContainerType::kKme);
    return take(nas::decode_kme(t.generic_message_container.value));
  }

  // --- MME: attach result -----------------------------------------------------------------------
  static nas::Guti test_guti() { return nas::Guti{nas::Plmn{"001", "01"}, 0x8001, 0x02, 0xc0ffee01}; }
  nas::AttachAccept attach_accept(std::uint8_t pti) {
    nas::ActivateDefaultEpsBearerContextRequest bearer;
    bearer.eps_bearer_identity = 5;
    bearer.procedure_transaction_identity = pti;
    bearer.eps_qos = nas::EpsQos{9, {}};
    bearer.access_point_name = nas::AccessPointName{"internet"};
    bearer.pdn_address = nas::PdnAddress{nas::PdnType::kIpv4, {10, 45, 0, 2}, {}};
    nas::AttachAccept m;
    m.eps_attach_result = nas::EpsAttachResult::kEpsOnly;
    m.t3412_value = nas::GprsTimer{nas::GprsTimer::Unit::kDecihours, 9};
    m.tai_list = nas::TaiList::single(nas::Tai{nas::Plmn{"001", "01"}, 1});
    m.esm_message_container.value = take(nas::encode_nas(bearer));
    m.guti = nas::EpsMobileIdentity{test_guti()};
    return m;
  }

  const UeProfile& profile() const { return profile_; }
  const Bytes& sn_id() const { return sn_id_; }
  std::uint64_t sqn_he() const { return sqn_he_; }
  crypto::Milenage& milenage() { return milenage_; }

 private:
  UeProfile profile_;
  crypto::Milenage milenage_;
  Bytes sn_id_;
  std::uint64_t sqn_he_ = 0;
  std::optional<nas::NasSecurityContext> ctx_;
};

// A profile with the test IMSI/IMEI (fresh keys each call).
inline UeProfile test_profile(crypto::EciesProfile profile = crypto::EciesProfile::kA,
                              crypto::SignatureAlgorithm alg = crypto::SignatureAlgorithm::kEd25519) {
  return take(make_ue_profile(kImsi, kImei14, profile, alg, "07"));
}

inline UeConfig test_config() {
  UeConfig c;
  c.plmn = std::string(kPlmn);
  c.apn = "internet";
  return c;
}

// The only PDU of an output (fails the test otherwise).
inline const Bytes& only_pdu(const UeOutput& out) {
  EXPECT_EQ(out.send.size(), 1u);
  if (out.send.size() != 1) throw std::runtime_error("expected exactly one PDU");
  return out.send[0];
}

// PTI of the PDN connectivity request inside an Attach request.
inline std::uint8_t pti_of(const nas::AttachRequest& request) {
  auto esm = take(nas::decode_nas(request.esm_message_container.value, nas::Direction::kUplink));
  return as<nas::PdnConnectivityRequest>(esm).procedure_transaction_identity;
}

}  // namespace kmebind::ue::testing
