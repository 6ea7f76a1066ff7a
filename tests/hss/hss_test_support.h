// Test bench for the HSS core: a real SQLite store in a temporary directory, a Cookie key ring,
// and the UE side of the procedures written out here (USIM per TS 33.102 / TS 35.206 and a
// device with its own ECIES and signature key pairs), so every check runs end to end.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "crypto/challenge_token.h"
#include "crypto/cookie.h"
#include "crypto/ecies.h"
#include "crypto/hash.h"
#include "crypto/kdf.h"
#include "crypto/kme.h"
#include "crypto/milenage.h"
#include "crypto/random.h"
#include "crypto/signature.h"
#include "hss/hss.h"
#include "nas/kme_payload.h"
#include "store/subscriber_store.h"

namespace kmebind::hss::testing {

inline constexpr std::int64_t kNow = 1'800'000'000;
inline const Bytes kPlmn{0x00, 0xf1, 0x10};  // MCC 001, MNC 01 (TS 24.008 §10.5.1.3)
inline constexpr std::string_view kImsi = "001010000000001";
inline constexpr std::string_view kImsi2 = "001010000000002";
inline constexpr std::string_view kImei = "35693803564380";
inline constexpr std::string_view kImei2 = "35693803564398";

template <class T>
T take(Result<T> r) {
  // A bench step that cannot fail unless the code under test is broken: stop this test.
  if (!r) throw std::runtime_error(r.error().what());
  return std::move(*r);
}

inline void expect_ok(const Status& st) {
  if (!st) FAIL() << st.error().what();
}

inline SecretBytes filled(std::uint8_t first, std::size_t size) {
  SecretBytes s(size);
  for (std::size_t i = 0; i < size; ++i) s.data()[i] = static_cast<std::uint8_t>(first + 7 * i);
  return s;
}

// --- UE side: the USIM (TS 33.102 §6.3.3) --------------------------------------------------

struct Usim {
  SecretBytes k;
  SecretBytes opc;

  // Checks AUTN as a USIM would and returns SQN (TS 33.102 §6.3.3): AK = f5(RAND),
  // SQN = (SQN ⊕ AK) ⊕ AK, XMAC-A = f1(SQN, RAND, AMF) must equal MAC-A.
  std::optional<std::uint64_t> check_autn(ByteView rand, ByteView autn) const {
    if (autn.size() != 16) return std::nullopt;
    const Bytes zero_sqn(6, 0);
    auto ak = take(crypto::milenage(k, opc, rand, zero_sqn, autn.subspan(6, 2))).ak;
    Bytes sqn(6);
    for (std::size_t i = 0; i < 6; ++i) sqn[i] = static_cast<std::uint8_t>(autn[i] ^ ak[i]);
    auto out = take(crypto::milenage(k, opc, rand, sqn, autn.subspan(6, 2)));
    if (!equal_ct(out.mac_a, autn.subspan(8, 8))) return std::nullopt;
    std::uint64_t value = 0;
    for (std::uint8_t b : sqn) value = (value << 8) | b;
    return value;
  }

  Bytes res(ByteView rand) const {
    return take(crypto::milenage(k, opc, rand, Bytes(6, 0), Bytes(2, 0))).res;
  }

  // K_ASME the UE derives, TS 33.401 A.2.
  SecretBytes kasme(ByteView rand, ByteView autn, ByteView sn_id) const {
    auto out = take(crypto::milenage(k, opc, rand, Bytes(6, 0), Bytes(2, 0)));
    return take(crypto::derive_kasme(out.ck, out.ik, sn_id, autn.first(6)));
  }

  // AUTS = (SQN_MS ⊕ f5*(RAND)) ‖ f1*(SQN_MS, RAND, AMF 0000), TS 33.102 §6.3.3.
  Bytes auts(ByteView rand, std::uint64_t sqn_ms) const {
    Bytes sqn(6);
    for (std::size_t i = 0; i < 6; ++i) sqn[5 - i] = static_cast<std::uint8_t>(sqn_ms >> (8 * i));
    auto out = take(crypto::milenage(k, opc, rand, sqn, Bytes(2, 0)));
    Bytes auts(14);
    for (std::size_t i = 0; i < 6; ++i) auts[i] = static_cast<std::uint8_t>(sqn[i] ^ out.ak_star[i]);
    std::copy(out.mac_s.begin(), out.mac_s.end(), auts.begin() + 6);
    return auts;
  }
};

// --- UE side: the mobile equipment with its key pairs ---------------------------------------

struct Device {
  std::string imei;  // 14 digits
  crypto::EciesProfile enc_profile = crypto::EciesProfile::kA;
  crypto::EciesKeyPair enc;
  crypto::SignatureAlgorithm sig_alg = crypto::SignatureAlgorithm::kEd25519;
  crypto::SigningKeyPair sig;

  static Device make(std::string_view imei, crypto::EciesProfile profile,
                     crypto::SignatureAlgorithm alg) {
    return Device{std::string(imei), profile, take(crypto::ecies_generate(profile)), alg,
                  take(crypto::signature_generate(alg))};
  }

  store::DeviceRecord record() const {
    return store::DeviceRecord{imei, enc_profile, enc.public_key, sig_alg, sig.public_key};
  }

  std::uint8_t sig_code() const {
    return sig_alg == crypto::SignatureAlgorithm::kEd25519 ? 1 : 2;
  }

  // Seed step 7: decrypt the payload with the private key.
  Result<nas::KmePayload> open(ByteView scheme_output) const {
    auto plaintext = crypto::ecies_decrypt(enc_profile, enc.private_key, scheme_output);
    if (!plaintext) return std::unexpected(plaintext.error());
    return nas::decode_kme_payload(plaintext->view());
  }

  Bytes sign_transcript(std::string_view imsi, const nas::KmePayload& payload) const {
    const ByteView nonce(payload.nonce->data(), payload.nonce->size());
    return take(crypto::sign(sig_alg, sig.private_key,
                             crypto::kme_transcript(imsi, imei, nonce, payload.kme)));
  }
};

// What a CNN holds after procedure 2 steps 4-9, ready for the ULR of step 10.
struct Procedure2Run {
  s6a::KmeProvisioning provisioning;
  nas::KmePayload payload;  // as the device decrypted it
  Bytes signature;
};

// --- the bench ------------------------------------------------------------------------------

class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("kmebind-hss-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

using KmeSnapshot = std::optional<std::pair<std::uint32_t, Bytes>>;

class HssBench : public ::testing::Test {
 protected:
  void SetUp() override {
    master_key_ = filled(0x42, 32);
    store_ = take(store::open_store(dir_.file("hss.db"), master_key_.clone()));
    expect_ok(ring_.add_key(7, filled(0x90, crypto::kCookieKeySize)));
    rebuild_hss();
  }

  HssConfig config() const { return config_; }
  void rebuild_hss() { hss_ = std::make_unique<Hss>(take(Hss::create(*store_, ring_, config_))); }

  static Usim usim_of(std::uint8_t seed) {
    return Usim{filled(seed, 16), filled(static_cast<std::uint8_t>(seed + 0x55), 16)};
  }

  void add_subscriber(std::string_view imsi, store::BindingMode mode, std::uint64_t sqn = 0,
                      std::uint8_t seed = 1, bool procedure1 = true, bool procedure2 = true) {
    const Usim usim = usim_of(seed);
    store::SubscriberRecord r;
    r.imsi = std::string(imsi);
    r.k = usim.k.clone();
    r.opc = usim.opc.clone();
    r.amf = {0x80, 0x00};
    r.sqn = sqn;
    r.binding_mode = mode;
    r.procedure1_allowed = procedure1;
    r.procedure2_allowed = procedure2;
    expect_ok(store_->add_subscriber(r, "test"));
  }

  Device add_device(std::string_view imei,
                    crypto::EciesProfile profile = crypto::EciesProfile::kA,
                    crypto::SignatureAlgorithm alg = crypto::SignatureAlgorithm::kEd25519) {
    Device d = Device::make(imei, profile, alg);
    expect_ok(store_->put_device(d.record(), "test"));
    return d;
  }

  void allow(std::string_view imsi, std::string_view imei) {
    expect_ok(store_->allow_binding(imsi, imei, "test"));
  }

  // A kme-required subscriber with one allowed device that has keys.
  Device kme_subscriber(std::string_view imsi = kImsi, std::string_view imei = kImei,
                        crypto::EciesProfile profile = crypto::EciesProfile::kA,
                        crypto::SignatureAlgorithm alg = crypto::SignatureAlgorithm::kEd25519) {
    add_subscriber(imsi, store::BindingMode::kKmeRequired);
    Device d = add_device(imei, profile, alg);
    allow(imsi, imei);
    return d;
  }

  KmeSnapshot snapshot(std::string_view imsi, std::string_view imei) {
    auto kme = take(store_->get_kme(imsi, imei));
    if (!kme) return std::nullopt;
    return std::make_pair(kme->version, Bytes(kme->kme.view().begin(), kme->kme.view().end()));
  }

  // Everything a refused request must leave as it was: per pair, the KME status (version,
  // procedure, source, presence, renewal mark, time) and a fingerprint of the KME (SHA-256, so
  // that a failure message never prints a key); then the table counts, audit rows included.
  std::vector<std::string> store_state() {
    std::vector<std::string> rows;
    for (const store::KmeStatus& st :
         take(store_->list_kme_status(std::nullopt, 100000, std::nullopt))) {
      std::string row = st.imsi + "/" + st.imei + " v" + std::to_string(st.version) +
                        " proc=" + std::to_string(st.procedure) + " source=" + st.source +
                        " present=" + std::to_string(st.present) +
                        " renewal=" + std::to_string(st.renewal_requested) +
                        " at=" + std::to_string(st.stored_at_unix_s);
      if (auto kme = take(store_->get_kme(st.imsi, st.imei))) {
        auto digest = take(crypto::sha256({kme->kme.view()}));
        row += " kme-sha256=" + to_hex(ByteView(digest.data(), 8));
      }
      rows.push_back(std::move(row));
    }
    const store::StoreCounts c = take(store_->counts());
    rows.push_back("counts subscribers=" + std::to_string(c.subscribers) + " bindings=" +
                   std::to_string(c.bindings) + " devices=" + std::to_string(c.devices) +
                   " kmes=" + std::to_string(c.kmes) + " audit=" + std::to_string(c.audit_rows));
    return rows;
  }

  // The procedure-1 KME-Confirm of the provisioning a KME-Request for the pair gets now (on a
  // confidential link, the CNN supporting procedure 1 only): the KMA's KME and procedure-1
  // Cookie, as a CNN returns them (docs/protocol.md §2).
  s6a::UpdateLocationRequest issued_procedure1_confirm(std::string_view imsi,
                                                       std::string_view imei) {
    auto kma = kmr(imsi, imei, kNow, LinkInfo{true}, 0x01);
    EXPECT_EQ(kma.result, s6a::kSuccess) << event_.reason;
    s6a::UpdateLocationRequest req = ulr_for(imsi, imei);
    auto* prov = std::get_if<s6a::KmeProvisioning>(&kma.action);
    if (prov == nullptr) return req;  // the EXPECT above failed
    EXPECT_EQ(prov->procedure, s6a::KmeProcedure::kSharedWithCnn);
    s6a::KmeConfirm c;
    c.procedure = s6a::KmeProcedure::kSharedWithCnn;
    c.kme_version = prov->kme_version;
    c.kme = std::move(prov->kme);
    c.cookie = std::move(prov->cookie);
    req.kme_confirm = std::move(c);
    return req;
  }

  s6a::KmeAnswer kmr(std::string_view imsi, std::string_view imei, std::int64_t now = kNow,
                     LinkInfo link = {}, std::uint8_t supported = 0x03) {
    s6a::KmeRequest req{std::string(imsi), std::string(imei), supported};
    return hss_->on_kme_request(req, now, link, event_);
  }

  // Procedure 2 steps 3-9: KME-Request, the device decrypts, checks Rsp and signs.
  Procedure2Run run_procedure2(std::string_view imsi, const Device& device,
                               std::int64_t now = kNow) {
    s6a::KmeAnswer kma = kmr(imsi, device.imei, now);
    EXPECT_EQ(kma.result, s6a::kSuccess) << event_.reason;
    auto* prov = std::get_if<s6a::KmeProvisioning>(&kma.action);
    if (prov == nullptr) throw std::runtime_error("no provisioning in the KMA: " + event_.reason);
    EXPECT_EQ(prov->procedure, s6a::KmeProcedure::kHiddenFromCnn);
    nas::KmePayload payload = take(device.open(prov->encrypted_payload));
    EXPECT_TRUE(payload.nonce.has_value());
    Bytes signature = device.sign_transcript(imsi, payload);
    return Procedure2Run{std::move(*prov), std::move(payload), std::move(signature)};
  }

  static s6a::UpdateLocationRequest ulr_for(std::string_view imsi, std::string_view imei) {
    s6a::UpdateLocationRequest ulr;
    ulr.imsi = std::string(imsi);
    ulr.visited_plmn_id = kPlmn;
    ulr.terminal = s6a::TerminalInformation{std::string(imei), "01"};
    return ulr;
  }

  static s6a::UpdateLocationRequest confirm2(std::string_view imsi, const Device& device,
                                             const Procedure2Run& run) {
    s6a::UpdateLocationRequest ulr = ulr_for(imsi, device.imei);
    s6a::KmeConfirm c;
    c.procedure = s6a::KmeProcedure::kHiddenFromCnn;
    c.kme_version = run.provisioning.kme_version;
    c.cookie = run.provisioning.cookie;
    c.signature_algorithm = device.sig_code();
    c.signature = run.signature;
    ulr.kme_confirm = std::move(c);
    return ulr;
  }

  s6a::UpdateLocationAnswer ulr(const s6a::UpdateLocationRequest& req, std::int64_t now = kNow,
                                LinkInfo link = {}) {
    return hss_->on_ulr(req, now, link, event_);
  }

  // Runs procedure 2 to the end and returns the KME the device now holds.
  Bytes provision2(std::string_view imsi, const Device& device, std::int64_t now = kNow) {
    Procedure2Run run = run_procedure2(imsi, device, now);
    s6a::UpdateLocationAnswer ula = ulr(confirm2(imsi, device, run), now);
    EXPECT_EQ(ula.result, s6a::kSuccess) << event_.reason;
    const ByteView kme = run.payload.kme.view();
    return Bytes(kme.begin(), kme.end());
  }

  TempDir dir_;
  SecretBytes master_key_;
  std::unique_ptr<store::SubscriberStore> store_;
  crypto::CookieKeyRing ring_;
  HssConfig config_;
  std::unique_ptr<Hss> hss_;
  HssEvent event_;
};

}  // namespace kmebind::hss::testing
