// KME renewal per IMSI/IMEI pair (SubscriberStore::request_kme_renewal; docs/admin.md "kme
// renew"): after a renewal of a subscriber with several devices holding KMEs, each device is
// re-provisioned at its own next KME-Request, whichever attaches first; the KME-Request decision,
// the procedure-1 confirm rule (docs/security.md §4.1) and the device-proof check all use the
// pair's own state, not the subscriber's.
#include "hss_test_support.h"

namespace kmebind::hss::testing {
namespace {

constexpr std::string_view kImei3 = "35693803564406";

class KmeRenewalPerPairTest : public HssBench {
 protected:
  // kImsi with two devices, kImei and kImei2, each holding KME version 1 (procedure 2).
  void two_devices_provisioned() {
    first_ = std::make_unique<Device>(kme_subscriber());
    second_ = std::make_unique<Device>(add_device(kImei2));
    allow(kImsi, kImei2);
    first_kme_ = provision2(kImsi, *first_);
    second_kme_ = provision2(kImsi, *second_);
    ASSERT_EQ(snapshot(kImsi, kImei)->first, 1u);
    ASSERT_EQ(snapshot(kImsi, kImei2)->first, 1u);
  }
  // What the HSS answers a KME-Request of `imei` with: "provision vN" or "challenge vN".
  std::string answer(std::string_view imei, LinkInfo link = {}, std::uint8_t supported = 0x03) {
    auto kma = kmr(kImsi, imei, kNow, link, supported);
    EXPECT_EQ(kma.result, s6a::kSuccess) << event_.reason;
    if (const auto* p = std::get_if<s6a::KmeProvisioning>(&kma.action)) {
      return "provision v" + std::to_string(p->kme_version);
    }
    if (const auto* c = std::get_if<s6a::DeviceChallenge>(&kma.action)) {
      return "challenge v" + std::to_string(c->kme_version);
    }
    return "neither";
  }
  // A procedure-1 KME-Confirm for `imei` carrying a KME the CNN chose (and no Cookie).
  static s6a::UpdateLocationRequest procedure1_confirm(std::string_view imei,
                                                       std::uint32_t version) {
    s6a::UpdateLocationRequest req = ulr_for(kImsi, imei);
    s6a::KmeConfirm c;
    c.procedure = s6a::KmeProcedure::kSharedWithCnn;
    c.kme_version = version;
    c.kme = filled(0x3c, 32);
    req.kme_confirm = std::move(c);
    return req;
  }

  std::unique_ptr<Device> first_, second_;
  Bytes first_kme_, second_kme_;
};

TEST_F(KmeRenewalPerPairTest, EveryDeviceOfTheSubscriberIsReprovisionedNotOnlyTheFirstToAttach) {
  two_devices_provisioned();
  expect_ok(store_->request_kme_renewal(kImsi, "admin"));

  // Device 1 attaches first: provisioned version 2.
  Procedure2Run run1 = run_procedure2(kImsi, *first_);
  EXPECT_EQ(run1.provisioning.kme_version, 2u);
  ASSERT_EQ(ulr(confirm2(kImsi, *first_, run1)).result, s6a::kSuccess) << event_.reason;
  EXPECT_EQ(snapshot(kImsi, kImei)->first, 2u);

  // Device 2 attaches next: ALSO provisioned (before the fix: challenged with its old KME).
  EXPECT_EQ(answer(kImei2), "provision v2");
  Procedure2Run run2 = run_procedure2(kImsi, *second_);
  ASSERT_EQ(ulr(confirm2(kImsi, *second_, run2)).result, s6a::kSuccess) << event_.reason;
  EXPECT_EQ(snapshot(kImsi, kImei2)->first, 2u);
  EXPECT_NE(snapshot(kImsi, kImei2)->second, second_kme_);

  // Both renewed: both are challenged with their new KME from now on.
  EXPECT_EQ(answer(kImei), "challenge v2");
  EXPECT_EQ(answer(kImei2), "challenge v2");
}

TEST_F(KmeRenewalPerPairTest, ADeviceAddedAfterTheRenewalIsChallengedOnceProvisioned) {
  two_devices_provisioned();
  expect_ok(store_->request_kme_renewal(kImsi, "admin"));
  const Device third = add_device(kImei3);
  allow(kImsi, kImei3);
  EXPECT_EQ(answer(kImei3), "provision v1");  // no KME yet: provisioned anyway
  provision2(kImsi, third);
  EXPECT_EQ(answer(kImei3), "challenge v1");  // its KME came after the renewal
  EXPECT_EQ(answer(kImei), "provision v2");   // the others still pending
  EXPECT_EQ(answer(kImei2), "provision v2");
}

// docs/security.md §4.1: a procedure-1 confirm is taken only for a pair whose KME-Request would
// provision — the pair's own renewal counts, another pair's does not.
TEST_F(KmeRenewalPerPairTest, Procedure1ConfirmIsTakenPerPairAfterARenewal) {
  config_.allow_procedure1 = true;
  rebuild_hss();
  two_devices_provisioned();
  expect_ok(store_->request_kme_renewal(kImsi, "admin"));
  provision2(kImsi, *first_);  // device 1 renewed to version 2
  ASSERT_EQ(snapshot(kImsi, kImei)->first, 2u);

  // Device 1's pair has no renewal pending any more, though device 2's has: refused, unchanged.
  const KmeSnapshot renewed = snapshot(kImsi, kImei);
  EXPECT_EQ(ulr(procedure1_confirm(kImei, 3), kNow, LinkInfo{true}).result,
            s6a::kErrorKmeConfirmFailed);
  EXPECT_EQ(snapshot(kImsi, kImei), renewed);

  // Device 2's renewal is pending: its KME-Request provisions version 2 and the procedure-1
  // confirm of that provisioning is taken (before the fix: refused, the subscriber's flag having
  // been cleared by device 1's KME).
  const s6a::UpdateLocationRequest issued = issued_procedure1_confirm(kImsi, kImei2);
  auto ula = ulr(issued, kNow, LinkInfo{true});
  ASSERT_EQ(ula.result, s6a::kSuccess) << event_.reason;
  EXPECT_EQ(ula.kme_version_stored, std::optional<std::uint32_t>(2));
  const ByteView kme = issued.kme_confirm->kme.view();
  EXPECT_EQ(snapshot(kImsi, kImei2),
            KmeSnapshot(std::make_pair(2u, Bytes(kme.begin(), kme.end()))));
}

// A challenge made with a KME whose renewal is pending no longer proves the device, also after
// another device of the subscriber was re-provisioned (before the fix: that cleared the flag and
// the old proof was taken again).
TEST_F(KmeRenewalPerPairTest, AnOldProofOfAPendingPairIsRefusedAfterAnotherPairWasRenewed) {
  two_devices_provisioned();
  auto kma = kmr(kImsi, kImei2);
  ASSERT_EQ(kma.result, s6a::kSuccess) << event_.reason;
  const s6a::DeviceChallenge old = std::get<s6a::DeviceChallenge>(kma.action);
  expect_ok(store_->request_kme_renewal(kImsi, "admin"));
  provision2(kImsi, *first_);

  s6a::UpdateLocationRequest req = ulr_for(kImsi, kImei2);
  req.device_proof =
      s6a::DeviceProof{old.kme_version, old.challenge_token,
                       take(crypto::compute_rsp(SecretBytes(ByteView(second_kme_)), old.nonce))};
  EXPECT_EQ(ulr(req).result, s6a::kErrorDeviceProofFailed);
  EXPECT_NE(event_.reason.find("renewal"), std::string::npos) << event_.reason;
}

// The HSS's own renewal mark for two provisionings that raced (docs/protocol.md §2 "Racing
// provisionings") is the confirmed pair's only, and only a procedure-2 confirm (Cookie and device
// signature) sets it. Before: any refused confirm of the stored version with another KME marked
// every pair of the subscriber, so an admitted CNN sent a procedure-1 one with a KME of its
// choosing and then had its own KME stored for any pair, a procedure-2 one too (docs/security.md
// §3.5).
TEST_F(KmeRenewalPerPairTest, AProcedure1ConfirmOfTheStoredVersionWithAnotherKmeMarksNothing) {
  config_.allow_procedure1 = true;
  rebuild_hss();
  kme_subscriber();
  const LinkInfo tls{true};
  // One CNN provisions and confirms version 1 by procedure 1.
  auto kma = kmr(kImsi, kImei, kNow, tls, 0x01);
  ASSERT_EQ(kma.result, s6a::kSuccess) << event_.reason;
  auto prov = std::get<s6a::KmeProvisioning>(std::move(kma.action));
  s6a::UpdateLocationRequest genuine = ulr_for(kImsi, kImei);
  genuine.kme_confirm = s6a::KmeConfirm{};
  genuine.kme_confirm->procedure = s6a::KmeProcedure::kSharedWithCnn;
  genuine.kme_confirm->kme_version = prov.kme_version;
  genuine.kme_confirm->kme = prov.kme.clone();
  genuine.kme_confirm->cookie = prov.cookie;
  ASSERT_EQ(ulr(genuine, kNow, tls).result, s6a::kSuccess) << event_.reason;
  const KmeSnapshot stored = snapshot(kImsi, kImei);
  ASSERT_EQ(stored->first, 1u);

  // Another admitted CNN, which never saw that KME, claims a racing provisioning of version 1 with
  // a KME of its own and no Cookie (it has none for that pair and version)...
  EXPECT_EQ(ulr(procedure1_confirm(kImei, 1), kNow, tls).result, s6a::kErrorKmeConfirmFailed)
      << event_.reason;
  auto audit = take(store_->list_audit(store::AuditQuery{std::nullopt, 0, 1000}));
  for (const auto& a : audit) EXPECT_NE(a.actor, "hss") << a.action << ": the refusal wrote";
  // ... and cannot then have its own KME stored as version 2.
  EXPECT_EQ(ulr(procedure1_confirm(kImei, 2), kNow, tls).result, s6a::kErrorKmeConfirmFailed)
      << event_.reason;
  EXPECT_EQ(snapshot(kImsi, kImei), stored);
  EXPECT_EQ(answer(kImei, tls, 0x01), "challenge v1");
}

TEST_F(KmeRenewalPerPairTest, ARaceOnOneDeviceLeavesTheSubscribersOtherDeviceAlone) {
  config_.allow_procedure1 = true;
  rebuild_hss();
  first_ = std::make_unique<Device>(kme_subscriber());
  second_ = std::make_unique<Device>(add_device(kImei2));
  allow(kImsi, kImei2);
  provision2(kImsi, *second_);
  const KmeSnapshot second_stored = snapshot(kImsi, kImei2);
  ASSERT_EQ(second_stored->first, 1u);

  // Device 1's two provisionings race; the earlier one's confirm comes last.
  Procedure2Run a = run_procedure2(kImsi, *first_);
  Procedure2Run b = run_procedure2(kImsi, *first_);
  ASSERT_EQ(ulr(confirm2(kImsi, *first_, b)).result, s6a::kSuccess) << event_.reason;
  EXPECT_EQ(ulr(confirm2(kImsi, *first_, a)).result, s6a::kErrorKmeVersionConflict);

  EXPECT_EQ(answer(kImei), "provision v2") << "the loser of the race is provisioned again";
  EXPECT_EQ(answer(kImei2), "challenge v1") << "the other device's KME is not touched";
  // Nor is the other device's pair open to a procedure-1 KME a CNN chose.
  EXPECT_EQ(ulr(procedure1_confirm(kImei2, 2), kNow, LinkInfo{true}).result,
            s6a::kErrorKmeConfirmFailed)
      << event_.reason;
  EXPECT_EQ(snapshot(kImsi, kImei2), second_stored);
}

}  // namespace
}  // namespace kmebind::hss::testing
