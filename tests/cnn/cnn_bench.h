// Test bench for the CNN core: the Cnn under test on a fake clock, the UE side of every NAS
// exchange written out here (USIM with MILENAGE on TS 35.208 Test Set 1, key derivation and NAS
// security as the UE does them, a device with ECIES and Ed25519 keys), and the HSS side as
// hand-built S6a answers. Bench steps that must succeed throw (gtest reports the test failed).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "cnn/cnn.h"
#include "crypto/ecies.h"
#include "crypto/kdf.h"
#include "crypto/kme.h"
#include "crypto/milenage.h"
#include "crypto/signature.h"
#include "nas/emm_messages.h"
#include "nas/esm_messages.h"
#include "nas/kme_messages.h"
#include "nas/kme_payload.h"
#include "nas/nas_message.h"
#include "nas/security_context.h"

namespace kmebind::cnn::testing {

template <class T>
T take(Result<T> r) {
  if (!r) throw std::runtime_error(r.error().what());
  return std::move(*r);
}

inline void check(bool ok, const std::string& what) {
  if (!ok) throw std::runtime_error("bench: " + what);
}

inline const Bytes kSnId{0x00, 0xf1, 0x10};  // 001-01, TS 24.008 §10.5.1.3

// TS 35.208 §4.3.1 Test Set 1, read from tests/vectors/milenage.json.
struct TestSet {
  SecretBytes k;
  SecretBytes opc;
  Bytes rand;
  Bytes sqn;
  Bytes amf;
  Bytes res;  // f2, as published
};

inline TestSet test_set_1() {
  std::ifstream in(std::string(KMEBIND_TEST_VECTORS_DIR) + "/milenage.json");
  check(static_cast<bool>(in), "cannot open milenage.json");
  const auto doc = nlohmann::json::parse(in);
  for (const auto& e : doc["entries"]) {
    if (e["id"] != "TS35.208-set1") continue;
    const auto hex = [&](const char* f) { return take(from_hex(e[f].get<std::string>())); };
    return TestSet{SecretBytes(hex("K")), SecretBytes(hex("OPc")), hex("RAND"), hex("SQN"),
                   hex("AMF"), hex("f2_RES")};
  }
  throw std::runtime_error("TS35.208-set1 missing");
}

// The 15-digit IMEI of a 14-digit TAC ‖ SNR (Luhn check digit, TS 23.003 Annex B).
inline std::string imei15(const std::string& imei14) {
  for (char d = '0'; d <= '9'; ++d) {
    if (nas::imei_check_digit_ok(imei14 + d)) return imei14 + d;
  }
  throw std::runtime_error("no check digit");
}

// --- the UE side ------------------------------------------------------------------------------

struct TestUe {
  UeId id = 1;
  std::string imsi = "001010123456789";
  TestSet usim = test_set_1();
  std::string imeisv = "3569380356438001";  // TAC 35693803, SNR 564380, SVN 01
  nas::UeNetworkCapability capability{0xf0, 0xf0, {}};  // EEA0-3, EIA0-3
  std::uint8_t pti = 7;
  std::optional<nas::Guti> guti;  // from the last Attach accept

  // Device keys (profile A, Ed25519), as the HSS has them.
  crypto::EciesKeyPair enc = take(crypto::ecies_generate(crypto::EciesProfile::kA));
  crypto::SigningKeyPair sig = take(crypto::signature_generate(crypto::SignatureAlgorithm::kEd25519));

  // AKA and NAS security state.
  std::optional<SecretBytes> kasme;
  std::uint8_t ksi = 7;
  std::optional<nas::NasSecurityContext> sec;

  std::string imei14() const { return imeisv.substr(0, 14); }

  // The same USIM and device on another link (a fresh NAS security state).
  TestUe clone_on_link(UeId link) const {
    TestUe t;
    t.id = link;
    t.imsi = imsi;
    t.usim = TestSet{usim.k.clone(), usim.opc.clone(), usim.rand, usim.sqn, usim.amf, usim.res};
    t.imeisv = imeisv;
    t.capability = capability;
    t.pti = pti;
    t.guti = guti;
    t.enc = crypto::EciesKeyPair{enc.private_key.clone(), enc.public_key};
    t.sig = crypto::SigningKeyPair{sig.private_key.clone(), sig.public_key};
    return t;
  }

  nas::AttachRequest attach_request(bool use_guti = false) const {
    nas::PdnConnectivityRequest pdn;
    pdn.procedure_transaction_identity = pti;
    pdn.pdn_type = nas::PdnType::kIpv4;
    nas::AttachRequest r;
    r.eps_attach_type = nas::EpsAttachType::kEpsAttach;
    r.nas_key_set_identifier = nas::NasKeySetIdentifier{false, 7};
    if (use_guti && guti) {
      r.eps_mobile_identity.identity = *guti;
    } else {
      r.eps_mobile_identity.identity = nas::Imsi{imsi};
    }
    r.ue_network_capability = capability;
    r.esm_message_container.value = take(nas::encode_nas(pdn));
    return r;
  }

  Bytes plain(const nas::NasMessage& m) const { return take(nas::encode_nas(m)); }

  Bytes protect(const nas::NasMessage& m,
                nas::SecurityHeaderType h = nas::SecurityHeaderType::kIntegrityProtectedCiphered) {
    check(sec.has_value(), "UE has no security context");
    return take(sec->protect(plain(m), h, nas::Direction::kUplink));
  }

  // TS 33.102 §6.3.3 on the USIM, then TS 33.401 A.2: RES, and KASME kept for the SMC.
  Bytes answer_challenge(const nas::AuthenticationRequest& r) {
    const Bytes rand(r.rand.begin(), r.rand.end());
    const Bytes autn(r.autn.begin(), r.autn.end());
    auto out = take(crypto::milenage(usim.k, usim.opc, rand, Bytes(6, 0), Bytes(2, 0)));
    Bytes sqn(6);
    for (std::size_t i = 0; i < 6; ++i) sqn[i] = static_cast<std::uint8_t>(autn[i] ^ out.ak[i]);
    auto full = take(crypto::milenage(usim.k, usim.opc, rand, sqn, ByteView(autn).subspan(6, 2)));
    check(equal_ct(full.mac_a, ByteView(autn).subspan(8, 8)), "AUTN MAC-A does not verify");
    kasme = take(crypto::derive_kasme(full.ck, full.ik, kSnId, ByteView(autn).first(6)));
    ksi = r.nas_key_set_identifier_asme.ksi;
    return full.res;
  }

  // AUTS = SQN_MS ⊕ AK* ‖ MAC-S (TS 33.102 §6.3.3), for a re-synchronisation.
  Bytes auts(ByteView rand, std::uint64_t sqn_ms) const {
    Bytes sqn(6);
    for (std::size_t i = 0; i < 6; ++i) sqn[5 - i] = static_cast<std::uint8_t>(sqn_ms >> (8 * i));
    auto out = take(crypto::milenage(usim.k, usim.opc, rand, sqn, Bytes(2, 0)));
    Bytes a(14);
    for (std::size_t i = 0; i < 6; ++i) a[i] = static_cast<std::uint8_t>(sqn[i] ^ out.ak_star[i]);
    std::copy(out.mac_s.begin(), out.mac_s.end(), a.begin() + 6);
    return a;
  }

  // Reads a downlink PDU as the UE would: a Security mode command (type 3) makes the new context
  // from KASME and the selected algorithms (TS 33.401 A.7) before it is checked.
  nas::NasMessage receive(ByteView pdu) {
    auto header = take(nas::peek_header(pdu));
    if (header.security_header_type == nas::SecurityHeaderType::kPlain) {
      return take(nas::decode_nas(pdu, nas::Direction::kDownlink));
    }
    if (header.security_header_type == nas::SecurityHeaderType::kIntegrityProtectedNewContext) {
      check(kasme.has_value(), "Security mode command before AKA");
      auto smc = std::get<nas::SecurityModeCommand>(
          take(nas::decode_nas(pdu.subspan(6), nas::Direction::kDownlink)));
      const auto& algs = smc.selected_nas_security_algorithms;
      auto keys = take(crypto::derive_nas_keys(*kasme, static_cast<std::uint8_t>(algs.ciphering),
                                               static_cast<std::uint8_t>(algs.integrity)));
      sec = take(nas::NasSecurityContext::create(algs, std::move(keys.k_nas_int),
                                                 std::move(keys.k_nas_enc)));
    }
    check(sec.has_value(), "protected downlink without a context");
    auto un = take(sec->unprotect(pdu, nas::Direction::kDownlink));
    return take(nas::decode_nas(un.plain, nas::Direction::kDownlink));
  }

  // Keeps the downlink COUNT in step with PDUs the test does not look at (ignores failures).
  void absorb(ByteView pdu) {
    if (pdu.size() > 6 && sec && (pdu[0] >> 4) != 0) (void)sec->unprotect(pdu, nas::Direction::kDownlink);
  }

  nas::SecurityModeComplete security_mode_complete() const {
    nas::SecurityModeComplete c;
    c.imeisv = nas::MobileIdentity{nas::Imeisv{imeisv}};
    return c;
  }

  nas::UplinkGenericNasTransport kme_uplink(const nas::KmeMessage& m) const {
    nas::UplinkGenericNasTransport t;
    t.generic_message_container_type = nas::GenericMessageContainerType::kKme;
    t.generic_message_container.value = take(nas::encode_kme(m));
    return t;
  }
};

template <class T>
T as(const nas::NasMessage& m) {
  const T* v = std::get_if<T>(&m);
  if (v == nullptr) throw std::runtime_error("expected " + std::string(T::kName) + ", got " + nas::describe(m));
  return *v;
}

inline nas::KmeMessage kme_in(const nas::NasMessage& m) {
  auto t = as<nas::DownlinkGenericNasTransport>(m);
  check(t.generic_message_container_type == nas::GenericMessageContainerType::kKme,
        "container type is not KME");
  return take(nas::decode_kme(t.generic_message_container.value));
}

// --- the HSS side -----------------------------------------------------------------------------

// One E-UTRAN vector for the UE's USIM: TS 33.102 §6.3.2 with the TS 35.208 RAND/SQN/AMF, KASME
// per TS 33.401 A.2 (the AMF separation bit is not checked by this bench's USIM).
inline s6a::EutranVector vector_for(const TestUe& ue, ByteView rand) {
  const TestSet& t = ue.usim;
  auto out = take(crypto::milenage(t.k, t.opc, rand, t.sqn, t.amf));
  s6a::EutranVector v;
  v.rand.assign(rand.begin(), rand.end());
  v.xres = out.res;
  for (std::size_t i = 0; i < 6; ++i) v.autn.push_back(static_cast<std::uint8_t>(t.sqn[i] ^ out.ak[i]));
  v.autn.insert(v.autn.end(), t.amf.begin(), t.amf.end());
  v.autn.insert(v.autn.end(), out.mac_a.begin(), out.mac_a.end());
  v.kasme = take(crypto::derive_kasme(out.ck, out.ik, kSnId, ByteView(v.autn).first(6)));
  return v;
}

inline s6a::AuthenticationInformationAnswer aia_for(
    const TestUe& ue, s6a::BindingRequirement binding = s6a::BindingRequirement::kNone) {
  s6a::AuthenticationInformationAnswer a;
  a.vectors.push_back(vector_for(ue, ue.usim.rand));
  a.binding = binding;
  return a;
}

inline s6a::AuthenticationInformationAnswer aia_error(s6a::ResultCode rc) {
  s6a::AuthenticationInformationAnswer a;
  a.result = rc;
  return a;
}

inline SecretBytes filled(std::uint8_t first, std::size_t n) {
  SecretBytes s(n);
  for (std::size_t i = 0; i < n; ++i) s.data()[i] = static_cast<std::uint8_t>(first + 3 * i);
  return s;
}

// HXRsp of a device challenge with `kme`, as the HSS makes it (crypto::compute_hxrsp).
inline Bytes hxrsp_of(const SecretBytes& kme, ByteView nonce) {
  return take(crypto::compute_hxrsp(nonce, take(crypto::compute_rsp(kme, nonce))));
}

// A KMA with provisioning material, as the HSS makes it (seed step 4/5): the KME payload
// ECIES-encrypted to the device; procedure 1 also gives the KME and a Cookie, procedure 2 a Cookie
// and XRsp.
struct Provisioned {
  s6a::KmeAnswer kma;
  SecretBytes kme;            // what the HSS generated (the test's reference)
  std::optional<Bytes> nonce;  // procedure 2: the HSS's Nonce
};

inline Provisioned provisioning_for(const TestUe& ue, s6a::KmeProcedure procedure,
                                    std::uint32_t version) {
  Provisioned p;
  p.kme = filled(0x31, 32);
  nas::KmePayload payload;
  payload.procedure = procedure == s6a::KmeProcedure::kSharedWithCnn
                          ? nas::KmeProcedure::kSharedWithCnn
                          : nas::KmeProcedure::kNotSharedWithCnn;
  payload.imei = imei15(ue.imei14());
  payload.kme_version = version;
  payload.kme = p.kme.clone();
  s6a::KmeProvisioning prov;
  prov.procedure = procedure;
  prov.ecies_profile = 1;
  prov.kme_version = version;
  if (procedure == s6a::KmeProcedure::kHiddenFromCnn) {
    nas::KmeNonce nonce{};
    for (std::size_t i = 0; i < nonce.size(); ++i) nonce[i] = static_cast<std::uint8_t>(0xa0 + i);
    payload.nonce = nonce;
    p.nonce = Bytes(nonce.begin(), nonce.end());
    prov.cookie = Bytes(40, 0xc0);
    prov.xrsp = take(crypto::compute_rsp(p.kme, *p.nonce));
  } else {
    prov.kme = p.kme.clone();
    prov.cookie = Bytes(40, 0xc1);  // procedure 1's Cookie (protocol.md §2): returned as it is
  }
  auto plaintext = take(nas::encode_kme_payload(payload));
  prov.encrypted_payload =
      take(crypto::ecies_encrypt(crypto::EciesProfile::kA, ue.enc.public_key, plaintext.view()));
  p.kma.action = std::move(prov);
  return p;
}

// The device's answer to a KME Provisioning Command (seed steps 7-8).
inline nas::KmeProvisioningResponse device_response(const TestUe& ue,
                                                    const nas::KmeProvisioningCommand& c) {
  auto plaintext = take(crypto::ecies_decrypt(crypto::EciesProfile::kA, ue.enc.private_key,
                                              c.ecies_scheme_output));
  auto payload = take(nas::decode_kme_payload(plaintext.view()));
  check(payload.imei == imei15(ue.imei14()), "payload names another IMEI");
  const Bytes nonce = payload.nonce ? Bytes(payload.nonce->begin(), payload.nonce->end())
                                    : Bytes(c.nonce->begin(), c.nonce->end());
  nas::KmeProvisioningResponse r;
  const Bytes rsp = take(crypto::compute_rsp(payload.kme, nonce));
  std::copy(rsp.begin(), rsp.end(), r.rsp.begin());
  if (c.procedure == nas::KmeProcedure::kNotSharedWithCnn) {
    const Bytes sig = take(crypto::sign(crypto::SignatureAlgorithm::kEd25519, ue.sig.private_key,
                                        crypto::kme_transcript(ue.imsi, ue.imei14(), nonce,
                                                               payload.kme)));
    nas::KmeSignature s{};
    std::copy(sig.begin(), sig.end(), s.begin());
    r.signature_algorithm = nas::SignatureAlgorithm::kEd25519;
    r.signature = s;
  }
  return r;
}

inline s6a::KmeAnswer kma_error(s6a::ResultCode rc) {
  s6a::KmeAnswer a;
  a.result = rc;
  return a;
}

inline s6a::UpdateLocationAnswer ula_ok(std::optional<std::uint32_t> stored = std::nullopt) {
  s6a::UpdateLocationAnswer a;
  a.kme_version_stored = stored;
  return a;
}

inline s6a::UpdateLocationAnswer ula_error(s6a::ResultCode rc) {
  s6a::UpdateLocationAnswer a;
  a.result = rc;
  return a;
}

// --- the bench --------------------------------------------------------------------------------

// Deterministic randomness for the core (M-TMSI, Nonce).
inline RandomSource seeded_random(std::uint32_t seed) {
  auto rng = std::make_shared<std::mt19937>(seed);
  return [rng](std::span<std::uint8_t> out) -> Status {
    for (auto& b : out) b = static_cast<std::uint8_t>((*rng)() & 0xff);
    return {};
  };
}

inline CnnConfig bench_config() {
  CnnConfig c;
  c.plmn = "001-01";
  c.tacs = {1, 2};
  c.ipv4_pool = "10.45.0.0/24";
  c.random = seeded_random(42);
  return c;
}

inline bool has_event(const CnnOutput& out, CnnEventKind kind) {
  for (const auto& e : out.events) {
    if (e.kind == kind) return true;
  }
  return false;
}

inline const CnnEvent& event_of(const CnnOutput& out, CnnEventKind kind) {
  for (const auto& e : out.events) {
    if (e.kind == kind) return e;
  }
  throw std::runtime_error("no " + std::string(to_string(kind)) + " event");
}

inline bool released(const CnnOutput& out, UeId id) {
  return std::find(out.released.begin(), out.released.end(), id) != out.released.end();
}

class CnnBench : public ::testing::Test {
 protected:
  void SetUp() override { cnn_ = std::make_unique<Cnn>(config_); }
  void rebuild(CnnConfig c) {
    config_ = std::move(c);
    cnn_ = std::make_unique<Cnn>(config_);
  }

  // Each call replaces last_ (what the core returned) and returns it.
  const CnnOutput& send(TestUe& ue, ByteView pdu) {
    return last_ = cnn_->on_nas(ue.id, pdu, now_);
  }
  const CnnOutput& answer(TxnId txn, S6aAnswer a) {
    return last_ = cnn_->on_s6a_answer(txn, std::move(a), now_);
  }
  const CnnOutput& tick(std::int64_t to) {
    now_ = to;
    return last_ = cnn_->on_timer(now_);
  }

  static const NasSend& only_nas(const CnnOutput& out) {
    check(out.nas.size() == 1, "expected one NAS PDU, got " + std::to_string(out.nas.size()));
    return out.nas.front();
  }
  static const S6aSend& only_s6a(const CnnOutput& out) {
    check(out.s6a.size() == 1, "expected one S6a request, got " + std::to_string(out.s6a.size()));
    return out.s6a.front();
  }
  template <class T>
  static const T& request_of(const S6aSend& s) {
    const T* r = std::get_if<T>(&s.request);
    check(r != nullptr, "unexpected S6a request type");
    return *r;
  }

  // Attach request (IMSI) → AIR. Returns the AIR's transaction.
  TxnId start_attach(TestUe& ue) {
    send(ue, ue.plain(ue.attach_request()));
    const auto& s6a = only_s6a(last_);
    const auto& air = request_of<s6a::AuthenticationInformationRequest>(s6a);
    check(air.imsi == ue.imsi && air.visited_plmn_id == kSnId && air.number_of_vectors == 1,
          "AIR fields");
    return s6a.txn;
  }

  // AIA → Authentication request.
  nas::AuthenticationRequest give_vector(TestUe& ue, TxnId txn, s6a::BindingRequirement b) {
    answer(txn, aia_for(ue, b));
    return as<nas::AuthenticationRequest>(ue.receive(only_nas(last_).pdu));
  }

  // Authentication response → Security mode command → Security mode complete. Returns what the
  // core asked the HSS next (KME-Request or ULR).
  // Authentication response → Security mode command → Security mode complete; returns what the
  // core did with the complete.
  const CnnOutput& complete_security(TestUe& ue, const nas::AuthenticationRequest& r) {
    send(ue, ue.plain(nas::AuthenticationResponse{nas::Octets{ue.answer_challenge(r)}}));
    auto smc = as<nas::SecurityModeCommand>(ue.receive(only_nas(last_).pdu));
    check(smc.imeisv_request == nas::ImeisvRequest::kRequested, "IMEISV not requested");
    return send(ue, ue.protect(ue.security_mode_complete(),
                               nas::SecurityHeaderType::kIntegrityProtectedCipheredNewContext));
  }

  // The returned reference lives until the next call into the core.
  const S6aSend& authenticate(TestUe& ue, const nas::AuthenticationRequest& r) {
    return only_s6a(complete_security(ue, r));
  }

  // Everything up to the S6a request after Security mode complete.
  const S6aSend& attach_to_security(TestUe& ue,
                             s6a::BindingRequirement b = s6a::BindingRequirement::kNone) {
    const TxnId air = start_attach(ue);
    return authenticate(ue, give_vector(ue, air, b));
  }

  // ULA → Attach accept → Attach complete → registered.
  nas::AttachAccept finish_attach(TestUe& ue, TxnId ulr, s6a::UpdateLocationAnswer ula = ula_ok()) {
    answer(ulr, std::move(ula));
    auto accept_events = std::move(last_.events);
    auto accept = as<nas::AttachAccept>(ue.receive(only_nas(last_).pdu));
    if (accept.guti) ue.guti = std::get<nas::Guti>(accept.guti->identity);
    nas::AttachComplete complete;
    complete.esm_message_container.value =
        ue.plain(nas::ActivateDefaultEpsBearerContextAccept{5, 0, std::nullopt});
    send(ue, ue.protect(complete));
    check(has_event(last_, CnnEventKind::kAttached), "no Attached event");
    last_.events.insert(last_.events.begin(), accept_events.begin(), accept_events.end());
    return accept;
  }

  void full_attach(TestUe& ue) {
    finish_attach(ue, attach_to_security(ue).txn);
  }

  CnnConfig config_ = bench_config();
  std::unique_ptr<Cnn> cnn_;
  std::int64_t now_ = 1'000;
  CnnOutput last_;
};

}  // namespace kmebind::cnn::testing
