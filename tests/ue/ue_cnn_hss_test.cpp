// The UE core against the real network cores of the repository, in one process: Ue ⇄ Cnn
// (src/cnn) ⇄ Hss (src/hss) on a SQLite store (src/store). Checks that the three agree on the
// wire: attach with procedure 1 and 2, device authentication on the next attach, and a UE whose
// IMEI is not bound to the IMSI refused with #6. Built only when those libraries exist
// (KMEBIND_UE_FULL_STACK from kmebind_ue_testlibs).
#if defined(KMEBIND_UE_FULL_STACK)

#include <gtest/gtest.h>

#include <deque>
#include <filesystem>
#include <memory>
#include <random>

#include "cnn/cnn.h"
#include "crypto/cookie.h"
#include "hss/hss.h"
#include "store/subscriber_store.h"
#include "ue_test_network.h"

namespace kmebind::ue::testing {
namespace {

constexpr std::int64_t kUnixNow = 1'700'000'000;

class FullStackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = std::filesystem::temp_directory_path() / ("kmebind-ue-stack-" + std::to_string(rd()));
    std::filesystem::create_directories(dir_);
    store_ = take(store::open_store((dir_ / "hss.db").string(), SecretBytes(Bytes(32, 0x42))));
    ASSERT_TRUE(ring_.add_key(1, SecretBytes(Bytes(32, 0x17))));
    hss::HssConfig hc;
    hc.allow_procedure1 = true;
    hss_ = std::make_unique<hss::Hss>(take(hss::Hss::create(*store_, ring_, hc)));
    cnn::CnnConfig cc;
    cc.plmn = std::string(kPlmn);
    cnn_ = std::make_unique<cnn::Cnn>(cc);
  }
  void TearDown() override {
    hss_.reset();
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // Store rows for a profile, as `kmebind admin` would write them.
  void provision(const UeProfile& p, store::BindingMode mode, bool bind = true, bool proc1 = true, bool proc2 = true) {
    store::SubscriberRecord r;
    r.imsi = p.imsi;
    r.k = p.k.clone();
    r.opc = p.opc.clone();
    r.binding_mode = mode;
    r.procedure1_allowed = proc1;
    r.procedure2_allowed = proc2;
    ASSERT_TRUE(store_->add_subscriber(r, "test"));
    ASSERT_TRUE(store_->put_device(
        store::DeviceRecord{p.imei14, p.ecies_profile, p.ecies.public_key, p.signature_algorithm, p.signature.public_key},
        "test"));
    if (bind) {
      ASSERT_TRUE(store_->allow_binding(p.imsi, p.imei14, "test"));
    }
  }

  // Runs the exchange started by `first` until nothing is left to deliver; collects UE events.
  std::vector<UeEvent> run(cnn::UeId id, Ue& ue, UeOutput first) {
    std::vector<UeEvent> events = first.events;
    std::deque<Bytes> uplink(first.send.begin(), first.send.end());
    std::deque<Bytes> downlink;
    for (int guard = 0; guard < 200 && (!uplink.empty() || !downlink.empty()); ++guard) {
      if (!uplink.empty()) {
        Bytes pdu = std::move(uplink.front());
        uplink.pop_front();
        absorb(cnn_->on_nas(id, pdu, now_), downlink);
        continue;
      }
      Bytes pdu = std::move(downlink.front());
      downlink.pop_front();
      UeOutput out = ue.on_nas(pdu, now_);
      events.insert(events.end(), out.events.begin(), out.events.end());
      uplink.insert(uplink.end(), out.send.begin(), out.send.end());
    }
    return events;
  }

  // CNN output: NAS to the UE, S6a requests answered by the HSS at once.
  void absorb(cnn::CnnOutput out, std::deque<Bytes>& downlink) {
    std::deque<cnn::CnnOutput> pending;
    pending.push_back(std::move(out));
    while (!pending.empty()) {
      cnn::CnnOutput o = std::move(pending.front());
      pending.pop_front();
      for (auto& n : o.nas) downlink.push_back(std::move(n.pdu));
      for (auto& e : o.events) cnn_events_.push_back(e);
      for (auto& s : o.s6a) {
        cnn::S6aAnswer answer = std::visit(
            [this](const auto& req) -> cnn::S6aAnswer {
              using T = std::decay_t<decltype(req)>;
              if constexpr (std::is_same_v<T, s6a::AuthenticationInformationRequest>) {
                return hss_->on_air(req, kUnixNow);
              } else if constexpr (std::is_same_v<T, s6a::KmeRequest>) {
                return hss_->on_kme_request(req, kUnixNow, hss::LinkInfo{true});
              } else {
                return hss_->on_ulr(req, kUnixNow, hss::LinkInfo{true});
              }
            },
            s.request);
        pending.push_back(cnn_->on_s6a_answer(s.txn, std::move(answer), now_));
      }
    }
  }

  static const UeEvent* find(const std::vector<UeEvent>& events, UeEventKind kind) {
    for (const UeEvent& e : events) {
      if (e.kind == kind) return &e;
    }
    return nullptr;
  }
  std::string dump(const std::vector<UeEvent>& events) const {
    std::string s;
    for (const UeEvent& e : events) s += "  ue: " + e.describe() + "\n";
    for (const cnn::CnnEvent& e : cnn_events_) {
      s += "  cnn: " + std::string(cnn::to_string(e.kind)) + " " + std::to_string(e.emm_cause) + " " + e.detail + "\n";
    }
    return s;
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::SubscriberStore> store_;
  crypto::CookieKeyRing ring_;
  std::unique_ptr<hss::Hss> hss_;
  std::unique_ptr<cnn::Cnn> cnn_;
  std::vector<cnn::CnnEvent> cnn_events_;
  std::int64_t now_ = 5'000;
};

TEST_F(FullStackTest, AttachWithoutBindingRegisters) {
  UeProfile p = test_profile();
  provision(p, store::BindingMode::kNone);
  Ue ue = take(make_ue(p, test_config()));
  auto events = run(1, ue, ue.start_attach(now_));
  EXPECT_EQ(ue.state(), UeState::kRegistered) << dump(events);
  EXPECT_TRUE(find(events, UeEventKind::kAttached));
}

TEST_F(FullStackTest, KmeProvisioningThenDeviceAuthenticationOnTheNextAttach) {
  for (auto [profile, alg] : {std::pair{crypto::EciesProfile::kA, crypto::SignatureAlgorithm::kEd25519},
                              std::pair{crypto::EciesProfile::kB, crypto::SignatureAlgorithm::kEcdsaP256Sha256}}) {
    cnn_events_.clear();
    UeProfile p = take(make_ue_profile(profile == crypto::EciesProfile::kA ? "001010000000001" : "001010000000002",
                                       profile == crypto::EciesProfile::kA ? 1 : 2, profile, alg));
    provision(p, store::BindingMode::kKmeRequired);
    Ue ue = take(make_ue(p, test_config()));
    const cnn::UeId id = profile == crypto::EciesProfile::kA ? 10 : 20;
    auto first = run(id, ue, ue.start_attach(now_));
    ASSERT_EQ(ue.state(), UeState::kRegistered) << dump(first);
    const UeEvent* provisioned = find(first, UeEventKind::kKmeProvisioned);
    ASSERT_NE(provisioned, nullptr) << dump(first);
    EXPECT_EQ(provisioned->procedure, nas::KmeProcedure::kNotSharedWithCnn) << "procedure 2 is preferred";
    ASSERT_NE(ue.mobile_equipment().kmes().committed(), nullptr);
    auto stored = take(store_->get_kme(p.imsi, p.imei14));
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->version, 1u);
    EXPECT_TRUE(stored->kme == ue.mobile_equipment().kmes().committed()->kme) << "device and HSS hold the same KME";

    auto second = run(id + 1, ue, ue.start_attach(now_));
    EXPECT_EQ(ue.state(), UeState::kRegistered) << dump(second);
    const UeEvent* authenticated = find(second, UeEventKind::kDeviceAuthenticated);
    ASSERT_NE(authenticated, nullptr) << dump(second);
    EXPECT_EQ(authenticated->kme_version, 1u);
  }
}

TEST_F(FullStackTest, Procedure1WhenTheSubscriberAllowsOnlyIt) {
  UeProfile p = test_profile();
  provision(p, store::BindingMode::kKmeRequired, true, /*proc1=*/true, /*proc2=*/false);
  Ue ue = take(make_ue(p, test_config()));
  auto events = run(1, ue, ue.start_attach(now_));
  ASSERT_EQ(ue.state(), UeState::kRegistered) << dump(events);
  const UeEvent* provisioned = find(events, UeEventKind::kKmeProvisioned);
  ASSERT_NE(provisioned, nullptr) << dump(events);
  EXPECT_EQ(provisioned->procedure, nas::KmeProcedure::kSharedWithCnn);
  auto stored = take(store_->get_kme(p.imsi, p.imei14));
  ASSERT_TRUE(stored);
  EXPECT_TRUE(stored->kme == ue.mobile_equipment().kmes().committed()->kme);
}

TEST_F(FullStackTest, UsimAheadOfTheHssResynchronisesWithAuts) {
  UeProfile p = test_profile();
  provision(p, store::BindingMode::kNone);
  SqnArray::Slots slots{};
  slots[0] = 1000;  // the card has seen SEQ 1000; the new HSS record starts at SQN 0
  Ue ue = take(Ue::create(take(make_usim(p, SqnArray(slots, kDefaultSqnDelta))), take(make_mobile_equipment(p)),
                          test_config()));
  auto events = run(1, ue, ue.start_attach(now_));
  const UeEvent* failed = find(events, UeEventKind::kAuthenticationFailed);
  ASSERT_NE(failed, nullptr) << dump(events);
  EXPECT_EQ(failed->emm_cause, nas::EmmCause::kSynchFailure);
  EXPECT_EQ(ue.state(), UeState::kRegistered) << dump(events);
  EXPECT_EQ(take(store_->get_subscriber(p.imsi)).sqn, 1001u * 32) << "SQN_HE := SQN_MS, then one vector";
}

TEST_F(FullStackTest, UiccInAnotherDeviceIsRefusedAsIllegalMe) {
  UeProfile p = test_profile();
  provision(p, store::BindingMode::kKmeRequired);
  // The same USIM in a device whose IMEI is not bound to the IMSI.
  UeProfile other = take(make_ue_profile(p.imsi, 77, crypto::EciesProfile::kA, crypto::SignatureAlgorithm::kEd25519));
  Ue ue = take(Ue::create(take(make_usim(p)), take(make_mobile_equipment(other)), test_config()));
  auto events = run(1, ue, ue.start_attach(now_));
  const UeEvent* rejected = find(events, UeEventKind::kAttachRejected);
  ASSERT_NE(rejected, nullptr) << dump(events);
  EXPECT_EQ(rejected->emm_cause, nas::EmmCause::kIllegalMe);
  EXPECT_EQ(ue.state(), UeState::kDeregistered);
  EXPECT_EQ(ue.mobile_equipment().kmes().committed(), nullptr);
}

}  // namespace
}  // namespace kmebind::ue::testing

#endif  // KMEBIND_UE_FULL_STACK
