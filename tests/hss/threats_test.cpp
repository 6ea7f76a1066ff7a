// The threats of DESIGN.md §6 that reach the HSS: each is refused with its result code and
// leaves the stored KME exactly as it was.
#include "hss_test_support.h"

namespace kmebind::hss::testing {
namespace {

// What a refused ULR may write: nothing, or — a procedure-2 confirm that lost a race with another
// provisioning of its pair (docs/protocol.md §2 "Racing provisionings") — the renewal mark of
// that pair's KME and its audit row.
enum class Refusal { kWritesNothing, kMarksThePairForRenewal };

class ThreatTest : public HssBench {
 protected:
  // Asserts the answer's result and that the whole store (every pair's KME and status, the table
  // counts and the audit) is as before, but for what `writes` allows.
  void expect_refused_unchanged(const s6a::UpdateLocationRequest& req, s6a::ResultCode expected,
                                std::string_view imsi = kImsi, std::string_view imei = kImei,
                                std::int64_t now = kNow, Refusal writes = Refusal::kWritesNothing,
                                LinkInfo link = {}) {
    std::vector<std::string> want = store_state();
    if (writes == Refusal::kMarksThePairForRenewal) {
      const std::string pair = std::string(imsi) + "/" + std::string(imei) + " ";
      bool found = false;
      for (std::string& row : want) {
        if (row.starts_with(pair)) {
          const auto at = row.find(" renewal=0 ");
          ASSERT_NE(at, std::string::npos) << row;
          row.replace(at, 11, " renewal=1 ");
          found = true;
        } else if (row.starts_with("counts ")) {
          const auto at = row.find(" audit=");
          ASSERT_NE(at, std::string::npos) << row;
          row = row.substr(0, at) + " audit=" + std::to_string(std::stoull(row.substr(at + 7)) + 1);
        }
      }
      ASSERT_TRUE(found) << "the pair holds no KME to mark";
    }
    const auto ula = ulr(req, now, link);
    EXPECT_EQ(ula.result, expected) << s6a::describe(ula.result) << ": " << event_.reason;
    EXPECT_FALSE(ula.kme_version_stored.has_value());
    EXPECT_EQ(store_state(), want);
  }
};

TEST_F(ThreatTest, UiccMovedIntoAnotherDeviceIsABindingViolationAtKmr) {
  kme_subscriber();
  add_device(kImei2);  // a real device with keys, but not bound to this IMSI
  const KmeSnapshot before = snapshot(kImsi, kImei2);
  auto kma = kmr(kImsi, kImei2);
  EXPECT_EQ(kma.result, s6a::kErrorBindingViolation);
  EXPECT_TRUE(std::holds_alternative<std::monostate>(kma.action));
  EXPECT_EQ(snapshot(kImsi, kImei2), before);
}

TEST_F(ThreatTest, UiccMovedIntoAnotherDeviceIsABindingViolationAtUlr) {
  const Device device = kme_subscriber();
  provision2(kImsi, device);
  add_device(kImei2);
  expect_refused_unchanged(ulr_for(kImsi, kImei2), s6a::kErrorBindingViolation, kImsi, kImei2);
  EXPECT_EQ(snapshot(kImsi, kImei)->first, 1u);
}

TEST_F(ThreatTest, ImeiCheckBindingViolationAtUlr) {
  add_subscriber(kImsi, store::BindingMode::kImeiCheck);
  allow(kImsi, kImei);
  EXPECT_EQ(ulr(ulr_for(kImsi, kImei2)).result, s6a::kErrorBindingViolation);
}

TEST_F(ThreatTest, SpoofedImeiGetsAPayloadOnlyTheRealDeviceOpensAndCannotConfirm) {
  // The pair is allowed for kImei only; a device that is really kImei2 claims to be kImei.
  const Device genuine = kme_subscriber();
  const Device spoofer = add_device(kImei2);
  auto kma = kmr(kImsi, kImei);
  ASSERT_EQ(kma.result, s6a::kSuccess);
  auto prov = std::get<s6a::KmeProvisioning>(std::move(kma.action));
  EXPECT_FALSE(spoofer.open(prov.encrypted_payload).has_value());
  // Even handed the plaintext, it signs with its own key, which is not the one of kImei.
  nas::KmePayload leaked = take(genuine.open(prov.encrypted_payload));
  Bytes signature = spoofer.sign_transcript(kImsi, leaked);
  Procedure2Run forged{std::move(prov), std::move(leaked), std::move(signature)};
  expect_refused_unchanged(confirm2(kImsi, genuine, forged), s6a::kErrorKmeConfirmFailed);
  // Claiming its real IMEI is a binding violation.
  EXPECT_EQ(kmr(kImsi, kImei2).result, s6a::kErrorBindingViolation);
}

TEST_F(ThreatTest, CookieOfAnotherUeSubstitutedIsRefused) {
  const Device device1 = kme_subscriber(kImsi, kImei);
  const Device device2 = kme_subscriber(kImsi2, kImei2);
  Procedure2Run run1 = run_procedure2(kImsi, device1);
  Procedure2Run run2 = run_procedure2(kImsi2, device2);
  // The CNN sends UE 2's Cookie and signature in UE 1's ULR.
  auto req = confirm2(kImsi, device1, run2);
  req.kme_confirm->kme_version = run2.provisioning.kme_version;
  expect_refused_unchanged(req, s6a::kErrorKmeConfirmFailed);
  // UE 2's Cookie with UE 1's own signature.
  auto mixed = confirm2(kImsi, device1, run1);
  mixed.kme_confirm->cookie = run2.provisioning.cookie;
  expect_refused_unchanged(mixed, s6a::kErrorKmeConfirmFailed);
  EXPECT_FALSE(snapshot(kImsi2, kImei2).has_value());
}

TEST_F(ThreatTest, CookieForAnotherImeiOfTheSameSubscriberIsRefused) {
  const Device device1 = kme_subscriber(kImsi, kImei);
  const Device device2 = add_device(kImei2);
  allow(kImsi, kImei2);
  Procedure2Run run2 = run_procedure2(kImsi, device2);
  // Cookie and signature made for (IMSI, IMEI 2) presented with IMEI 1.
  auto req = confirm2(kImsi, device1, run2);
  expect_refused_unchanged(req, s6a::kErrorKmeConfirmFailed);
  EXPECT_FALSE(snapshot(kImsi, kImei2).has_value());
}

TEST_F(ThreatTest, OldCookieAndSignatureReplayedAfterANewerKmeIsAVersionConflict) {
  const Device device = kme_subscriber();
  Procedure2Run old_run = run_procedure2(kImsi, device);
  const auto old_ulr = confirm2(kImsi, device, old_run);
  ASSERT_EQ(ulr(old_ulr).result, s6a::kSuccess);
  expect_ok(store_->request_kme_renewal(kImsi, "test"));
  const Bytes newer = provision2(kImsi, device, kNow + 30);
  ASSERT_EQ(snapshot(kImsi, kImei), KmeSnapshot(std::make_pair(2u, newer)));
  // Rollback attempt with the still unexpired Cookie of version 1.
  expect_refused_unchanged(old_ulr, s6a::kErrorKmeVersionConflict, kImsi, kImei, kNow + 60);
  EXPECT_EQ(snapshot(kImsi, kImei), KmeSnapshot(std::make_pair(2u, newer)));
}

// A ULR whose ULA was lost after the store committed it (its HSS front-end or database
// connection died) comes again, possibly to another front-end: the same confirm is answered as
// stored, and nothing is written a second time (docs/reliability.md). A replay by a misbehaving
// CNN gains nothing either: the stored KME is the one the device confirmed.
TEST_F(ThreatTest, TheSameConfirmAgainIsAnsweredAsStoredWithoutWritingAgain) {
  const Device device = kme_subscriber();
  Procedure2Run run = run_procedure2(kImsi, device);
  const auto req = confirm2(kImsi, device, run);
  ASSERT_EQ(ulr(req).result, s6a::kSuccess);
  const KmeSnapshot before = snapshot(kImsi, kImei);
  const auto audit_before = take(store_->counts()).audit_rows;
  const auto again = ulr(req, kNow + 1);
  EXPECT_EQ(again.result, s6a::kSuccess) << event_.reason;
  EXPECT_EQ(again.kme_version_stored, std::optional<std::uint32_t>(1u));
  EXPECT_EQ(snapshot(kImsi, kImei), before);
  EXPECT_EQ(take(store_->counts()).audit_rows, audit_before) << "no second kme-store row";
}

TEST_F(ThreatTest, TheSameVersionWithAnotherKmeAfterItWasStoredIsAVersionConflict) {
  const Device device = kme_subscriber();
  Procedure2Run stored = run_procedure2(kImsi, device);
  Procedure2Run other = run_procedure2(kImsi, device);  // also version 1, another KME
  ASSERT_EQ(ulr(confirm2(kImsi, device, stored)).result, s6a::kSuccess);
  ASSERT_EQ(ulr(confirm2(kImsi, device, stored), kNow + 1).result, s6a::kSuccess);
  expect_refused_unchanged(confirm2(kImsi, device, other), s6a::kErrorKmeVersionConflict, kImsi,
                           kImei, kNow, Refusal::kMarksThePairForRenewal);
}

TEST_F(ThreatTest, TwoOutstandingProvisioningsOnlyTheFirstConfirmWins) {
  const Device device = kme_subscriber();
  Procedure2Run a = run_procedure2(kImsi, device);
  Procedure2Run b = run_procedure2(kImsi, device);  // both issued as version 1
  ASSERT_EQ(ulr(confirm2(kImsi, device, b)).result, s6a::kSuccess);
  expect_refused_unchanged(confirm2(kImsi, device, a), s6a::kErrorKmeVersionConflict, kImsi, kImei,
                           kNow, Refusal::kMarksThePairForRenewal);
  EXPECT_TRUE(snapshot(kImsi, kImei)->second ==
              Bytes(b.payload.kme.view().begin(), b.payload.kme.view().end()));
}

// The losing confirm of two racing provisionings comes from a device that decrypted its KME and
// may hold it, pending, instead of the stored one (its attach was the later one): challenging
// version 1 would fail at each of its attaches. The pair is marked for renewal, so its next
// KME-Request provisions version 2; the stored KME is not touched by the refusal.
TEST_F(ThreatTest, TheLoserOfTwoRacingProvisioningsGetsANewerVersionAtItsNextAttach) {
  const Device device = kme_subscriber();
  Procedure2Run a = run_procedure2(kImsi, device);
  Procedure2Run b = run_procedure2(kImsi, device);  // both issued as version 1
  ASSERT_EQ(ulr(confirm2(kImsi, device, b)).result, s6a::kSuccess);
  expect_refused_unchanged(confirm2(kImsi, device, a), s6a::kErrorKmeVersionConflict, kImsi, kImei,
                           kNow, Refusal::kMarksThePairForRenewal);
  EXPECT_NE(event_.reason.find("marked for renewal"), std::string::npos) << event_.reason;
  auto next = kmr(kImsi, kImei, kNow + 10);
  ASSERT_EQ(next.result, s6a::kSuccess) << event_.reason;
  auto* prov = std::get_if<s6a::KmeProvisioning>(&next.action);
  ASSERT_NE(prov, nullptr) << "a challenge of version 1, which the device may not hold";
  EXPECT_EQ(prov->kme_version, 2u);
  const Bytes renewed = provision2(kImsi, device, kNow + 20);
  EXPECT_EQ(snapshot(kImsi, kImei), KmeSnapshot(std::make_pair(2u, renewed)));
}

// A procedure-1 confirm returns the Cookie of its KMA, which shows that the HSS issued its KME
// for the pair and version (a KME the CNN chose is refused: ulr_test.cpp) but not that the device
// holds it: an admitted CNN gets such a Cookie from a KME-Request of its own. So a procedure-1
// loser marks nothing — else that CNN could reopen the pair's provisioning after the device's KME
// was stored; a device left holding the losing KME needs an operator's renewal (protocol.md §2).
TEST_F(ThreatTest, TwoRacingProcedure1ProvisioningsMarkNothingTheCookieDoesNotProveTheDevice) {
  config_.allow_procedure1 = true;
  rebuild_hss();
  const Device device = kme_subscriber();
  const auto first = issued_procedure1_confirm(kImsi, kImei);
  const auto second = issued_procedure1_confirm(kImsi, kImei);
  ASSERT_EQ(first.kme_confirm->kme_version, 1u);
  ASSERT_EQ(second.kme_confirm->kme_version, 1u);
  ASSERT_EQ(ulr(second, kNow, LinkInfo{true}).result, s6a::kSuccess) << event_.reason;
  const KmeSnapshot stored = snapshot(kImsi, kImei);
  expect_refused_unchanged(first, s6a::kErrorKmeVersionConflict, kImsi, kImei, kNow,
                           Refusal::kWritesNothing, LinkInfo{true});
  EXPECT_NE(event_.reason.find("nothing is marked"), std::string::npos) << event_.reason;
  auto next = kmr(kImsi, kImei, kNow + 10, LinkInfo{true}, 0x01);
  ASSERT_EQ(next.result, s6a::kSuccess) << event_.reason;
  auto* challenge = std::get_if<s6a::DeviceChallenge>(&next.action);
  ASSERT_NE(challenge, nullptr) << "the pair was marked for renewal";
  EXPECT_EQ(challenge->kme_version, 1u);
}

// An older version replayed is a rollback attempt, not a race: nothing is marked, the next
// KME-Request challenges the stored version.
TEST_F(ThreatTest, AnOlderVersionReplayedMarksNothingForRenewal) {
  const Device device = kme_subscriber();
  Procedure2Run old_run = run_procedure2(kImsi, device);
  const auto old_ulr = confirm2(kImsi, device, old_run);
  ASSERT_EQ(ulr(old_ulr).result, s6a::kSuccess);
  expect_ok(store_->request_kme_renewal(kImsi, "test"));
  provision2(kImsi, device, kNow + 30);
  expect_refused_unchanged(old_ulr, s6a::kErrorKmeVersionConflict, kImsi, kImei, kNow + 60);
  auto next = kmr(kImsi, kImei, kNow + 70);
  ASSERT_EQ(next.result, s6a::kSuccess) << event_.reason;
  EXPECT_TRUE(std::holds_alternative<s6a::DeviceChallenge>(next.action))
      << "the stored version 2 is challenged";
}

TEST_F(ThreatTest, ExpiredCookieIsRefusedAndNothingStored) {
  const Device device = kme_subscriber();
  Procedure2Run run = run_procedure2(kImsi, device);
  const auto req = confirm2(kImsi, device, run);
  const std::int64_t late = kNow + config_.cookie_lifetime_s + 1;
  expect_refused_unchanged(req, s6a::kErrorCookieExpired, kImsi, kImei, late);
  EXPECT_EQ(ulr(req, kNow + config_.cookie_lifetime_s).result, s6a::kSuccess)
      << "accepted up to the end of its lifetime";
}

TEST_F(ThreatTest, ConfiguredCookieLifetimeIsApplied) {
  config_.cookie_lifetime_s = 10;
  rebuild_hss();
  const Device device = kme_subscriber();
  Procedure2Run run = run_procedure2(kImsi, device);
  expect_refused_unchanged(confirm2(kImsi, device, run), s6a::kErrorCookieExpired, kImsi, kImei,
                           kNow + 11);
}

TEST_F(ThreatTest, SignatureWithAFlippedBitIsRefused) {
  const Device device = kme_subscriber();
  Procedure2Run run = run_procedure2(kImsi, device);
  for (std::size_t bit : {std::size_t{0}, std::size_t{100}, std::size_t{511}}) {
    auto req = confirm2(kImsi, device, run);
    req.kme_confirm->signature[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    expect_refused_unchanged(req, s6a::kErrorKmeConfirmFailed);
  }
  ASSERT_EQ(ulr(confirm2(kImsi, device, run)).result, s6a::kSuccess) << "the untouched one works";
}

TEST_F(ThreatTest, SignatureByAnotherKeyOrOverAnotherTranscriptIsRefused) {
  const Device device = kme_subscriber();
  Procedure2Run run = run_procedure2(kImsi, device);
  const Device other = Device::make(kImei, device.enc_profile, device.sig_alg);
  auto req = confirm2(kImsi, device, run);
  req.kme_confirm->signature = other.sign_transcript(kImsi, run.payload);
  expect_refused_unchanged(req, s6a::kErrorKmeConfirmFailed);
  // The device's own key over the bare KME (the seed's DSA(KME)) is not the transcript.
  req.kme_confirm->signature =
      take(crypto::sign(device.sig_alg, device.sig.private_key, run.payload.kme.view()));
  expect_refused_unchanged(req, s6a::kErrorKmeConfirmFailed);
  req.kme_confirm->signature.clear();
  expect_refused_unchanged(req, s6a::kErrorKmeConfirmFailed);
  req.kme_confirm->signature = Bytes(1000, 0xab);
  expect_refused_unchanged(req, s6a::kErrorKmeConfirmFailed);
}

TEST_F(ThreatTest, SignatureAlgorithmOtherThanTheDevicesIsRefused) {
  const Device device = kme_subscriber();
  Procedure2Run run = run_procedure2(kImsi, device);
  for (std::uint8_t code : {std::uint8_t{0}, std::uint8_t{2}, std::uint8_t{255}}) {
    auto req = confirm2(kImsi, device, run);
    req.kme_confirm->signature_algorithm = code;
    expect_refused_unchanged(req, s6a::kErrorKmeConfirmFailed);
  }
}

TEST_F(ThreatTest, TamperedTruncatedOrGarbageCookieIsRefused) {
  const Device device = kme_subscriber();
  Procedure2Run run = run_procedure2(kImsi, device);
  for (std::size_t i : {std::size_t{0}, std::size_t{3}, std::size_t{20}, std::size_t{60}, crypto::kCookieSize - 1}) {
    auto req = confirm2(kImsi, device, run);
    req.kme_confirm->cookie[i] ^= 0x01;
    expect_refused_unchanged(req, s6a::kErrorKmeConfirmFailed);
  }
  for (const Bytes& junk : {Bytes{}, Bytes{0x01}, Bytes(crypto::kCookieSize - 1, 0x01),
                            Bytes(crypto::kCookieSize + 1, 0x01), Bytes(4096, 0xff)}) {
    auto req = confirm2(kImsi, device, run);
    req.kme_confirm->cookie = junk;
    expect_refused_unchanged(req, s6a::kErrorKmeConfirmFailed);
  }
}

TEST_F(ThreatTest, ConfirmNamingAnotherVersionThanTheCookieIsRefused) {
  const Device device = kme_subscriber();
  Procedure2Run run = run_procedure2(kImsi, device);
  auto req = confirm2(kImsi, device, run);
  req.kme_confirm->kme_version = 2;
  expect_refused_unchanged(req, s6a::kErrorKmeConfirmFailed);
}

TEST_F(ThreatTest, KmrForAnImeiWithoutDeviceKeysIsNoDeviceKey) {
  add_subscriber(kImsi, store::BindingMode::kKmeRequired);
  allow(kImsi, kImei);  // bound, but no public keys registered
  const KmeSnapshot before = snapshot(kImsi, kImei);
  auto kma = kmr(kImsi, kImei);
  EXPECT_EQ(kma.result, s6a::kErrorNoDeviceKey);
  EXPECT_TRUE(std::holds_alternative<std::monostate>(kma.action));
  EXPECT_EQ(snapshot(kImsi, kImei), before);
}

TEST_F(ThreatTest, BindingRemovedBetweenKmrAndUlrIsABindingViolation) {
  const Device device = kme_subscriber();
  Procedure2Run run = run_procedure2(kImsi, device);
  expect_ok(store_->deny_binding(kImsi, kImei, "test"));
  expect_refused_unchanged(confirm2(kImsi, device, run), s6a::kErrorBindingViolation);
}

TEST_F(ThreatTest, HssRestartBetweenKmrAndUlrStillCompletesTheProcedure) {
  const Device device = kme_subscriber();
  Procedure2Run run = run_procedure2(kImsi, device);
  // "Restart": drop the Hss and the store handle; open a new handle on the same file with the
  // same master key and the same Cookie key ring.
  hss_.reset();
  store_.reset();
  store_ = take(store::open_store(dir_.file("hss.db"), master_key_.clone()));
  rebuild_hss();
  auto ula = ulr(confirm2(kImsi, device, run), kNow + 5);
  ASSERT_EQ(ula.result, s6a::kSuccess) << event_.reason;
  EXPECT_TRUE(take(store_->get_kme(kImsi, kImei))->kme == run.payload.kme);
}

TEST_F(ThreatTest, AnHssWithoutTheCookieKeyCannotOpenTheCookie) {
  const Device device = kme_subscriber();
  Procedure2Run run = run_procedure2(kImsi, device);
  crypto::CookieKeyRing other_ring;
  expect_ok(other_ring.add_key(8, filled(0x91, crypto::kCookieKeySize)));
  Hss other = take(Hss::create(*store_, other_ring, config_));
  auto ula = other.on_ulr(confirm2(kImsi, device, run), kNow);
  EXPECT_EQ(ula.result, s6a::kErrorKmeConfirmFailed);
  EXPECT_FALSE(snapshot(kImsi, kImei).has_value());
}

TEST_F(ThreatTest, OddInputNeverCrashesAndAlwaysHasAResult) {
  kme_subscriber();
  std::vector<s6a::UpdateLocationRequest> ulrs;
  ulrs.push_back({});
  auto r = ulr_for(kImsi, kImei);
  r.kme_confirm.emplace();
  ulrs.push_back(std::move(r));
  r = ulr_for(kImsi, std::string(500, '9'));
  ulrs.push_back(std::move(r));
  r = ulr_for(kImsi, kImei);
  r.kme_confirm.emplace();
  r.kme_confirm->procedure = s6a::KmeProcedure::kHiddenFromCnn;
  r.kme_confirm->kme_version = 0xffffffff;
  ulrs.push_back(std::move(r));
  for (const auto& req : ulrs) {
    const KmeSnapshot before = snapshot(kImsi, kImei);
    auto ula = ulr(req);
    EXPECT_FALSE(ula.result.ok()) << event_.reason;
    EXPECT_FALSE(event_.reason.empty());
    EXPECT_EQ(snapshot(kImsi, kImei), before);
  }
  EXPECT_FALSE(kmr(std::string(300, '1'), std::string(300, '2')).result.ok());
  s6a::AuthenticationInformationRequest air;
  EXPECT_EQ(hss_->on_air(air, kNow).result, s6a::kMissingAvp);
}

}  // namespace
}  // namespace kmebind::hss::testing
