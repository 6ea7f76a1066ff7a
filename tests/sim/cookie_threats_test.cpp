// Threats against procedure 2's confirm (DESIGN.md §6): a CNN that substitutes or replays a
// Cookie, a forged signature, an expired Cookie, an ECIES payload tampered with on the way, an
// HSS front-end without the Cookie key. Each is refused with its S6a result and EMM cause #6 —
// #17 for a version conflict or an expired Cookie, which say nothing against the device
// (docs/protocol.md §3) — and the store is left exactly as it was.
#include "sim_test_support.h"

namespace kmebind::sim::testing {
namespace {

class CookieThreatTest : public SimTest {
 protected:
  // The KME-Confirm of the last ULR of `imsi`.
  s6a::KmeConfirm last_confirm(std::string_view imsi) const {
    const S6aRecord* r = recorder_->last<s6a::UpdateLocationRequest>(imsi);
    if (!r || !r->req<s6a::UpdateLocationRequest>()->kme_confirm) {
      throw std::runtime_error("no KME-Confirm recorded");
    }
    return r->req<s6a::UpdateLocationRequest>()->kme_confirm->clone();
  }
  // Installs a request hook that rewrites the KME-Confirm of `imsi`'s ULRs.
  void on_ulr_of(std::string imsi, std::function<void(s6a::UpdateLocationRequest&)> change) {
    recorder_->on_request = [imsi = std::move(imsi), change = std::move(change)](cnn::S6aRequest& r) {
      auto* ulr = std::get_if<s6a::UpdateLocationRequest>(&r);
      if (ulr && ulr->imsi == imsi) change(*ulr);
      return true;
    };
  }
};

TEST_F(CookieThreatTest, CookieOfAnotherUeSubstitutedIntoTheUlrIsRefused) {
  const ue::UeProfile a = profile(1);
  const ue::UeProfile b = profile(2);
  const UeIndex ia = add_ue(a, only_procedure(2));
  const UeIndex ib = add_ue(b, only_procedure(2));
  ASSERT_TRUE(attach(ia).attached);
  const s6a::KmeConfirm confirm_a = last_confirm(a.imsi);
  const StoreSnapshot before = snapshot(*store_);

  // The CNN swaps the Cookie in B's ULR for A's (B's own signature stays).
  on_ulr_of(b.imsi, [&](s6a::UpdateLocationRequest& ulr) {
    ASSERT_TRUE(ulr.kme_confirm.has_value());
    ASSERT_NE(ulr.kme_confirm->cookie, confirm_a.cookie);
    ulr.kme_confirm->cookie = confirm_a.cookie;
  });
  const AttachOutcome o = attach(ib);
  expect_illegal_me(o, ib, b.imsi);
  EXPECT_EQ(result_of_last<s6a::UpdateLocationRequest>(b.imsi), s6a::kErrorKmeConfirmFailed);
  EXPECT_EQ(snapshot(*store_), before);
  EXPECT_EQ(device_kme(ib), nullptr);

  // A's whole confirm (Cookie and A's signature) in B's ULR is refused too.
  on_ulr_of(b.imsi, [&](s6a::UpdateLocationRequest& ulr) { ulr.kme_confirm = confirm_a.clone(); });
  const AttachOutcome o2 = attach(ib);
  expect_illegal_me(o2, ib, b.imsi);
  EXPECT_EQ(result_of_last<s6a::UpdateLocationRequest>(b.imsi), s6a::kErrorKmeConfirmFailed);
  EXPECT_EQ(snapshot(*store_), before);
}

TEST_F(CookieThreatTest, OldCookieAndSignatureReplayedAfterANewerKmeIsAVersionConflict) {
  const ue::UeProfile p = profile(1, /*profile_b=*/true);
  const UeIndex i = add_ue(p, only_procedure(2));
  ASSERT_TRUE(attach(i).attached);
  const s6a::KmeConfirm old_confirm = last_confirm(p.imsi);
  ASSERT_EQ(old_confirm.kme_version, 1u);
  ok(store_->request_kme_renewal(p.imsi, "test"));
  const AttachOutcome renewed = attach(i);
  ASSERT_TRUE(renewed.attached) << trace(renewed);
  ASSERT_EQ(stored_kme(p)->version, 2u);
  const StoreSnapshot before = snapshot(*store_);

  // Into the ULR of a later attach (device authentication, nothing to confirm).
  on_ulr_of(p.imsi, [&](s6a::UpdateLocationRequest& ulr) {
    ulr.device_proof.reset();
    ulr.kme_confirm = old_confirm.clone();
  });
  const AttachOutcome o = attach(i);
  expect_network_failure(o, i, p.imsi);
  EXPECT_EQ(result_of_last<s6a::UpdateLocationRequest>(p.imsi), s6a::kErrorKmeVersionConflict);
  EXPECT_EQ(snapshot(*store_), before);
  EXPECT_EQ(device_kme(i)->version, 2u);

  // In place of the confirm of a third KME (renewal again): still a conflict, version 2 stays.
  ok(store_->request_kme_renewal(p.imsi, "test"));
  const StoreSnapshot renewal_requested = snapshot(*store_);
  const AttachOutcome o2 = attach(i);
  expect_network_failure(o2, i, p.imsi);
  const auto* kma = recorder_->last<s6a::KmeRequest>(p.imsi)->ans<s6a::KmeAnswer>();
  ASSERT_NE(kma, nullptr);
  EXPECT_EQ(std::get<s6a::KmeProvisioning>(kma->action).kme_version, 3u);
  EXPECT_EQ(result_of_last<s6a::UpdateLocationRequest>(p.imsi), s6a::kErrorKmeVersionConflict);
  EXPECT_EQ(snapshot(*store_), renewal_requested);
  EXPECT_EQ(device_kme(i)->version, 2u) << "the device keeps the KME the HSS holds";
}

TEST_F(CookieThreatTest, ExpiredCookieIsRefusedAndTheNextAttachProvisionsAgain) {
  const ue::UeProfile p = profile(1);
  const UeIndex i = add_ue(p, only_procedure(2));
  const StoreSnapshot before = snapshot(*store_);
  // The ULR reaches the HSS 301 s after the Cookie was issued (default lifetime 300 s).
  on_ulr_of(p.imsi, [&](s6a::UpdateLocationRequest&) { net_->advance(301'000); });
  const AttachOutcome o = attach(i);
  expect_network_failure(o, i, p.imsi);
  EXPECT_EQ(result_of_last<s6a::UpdateLocationRequest>(p.imsi), s6a::kErrorCookieExpired);
  EXPECT_EQ(snapshot(*store_), before);
  EXPECT_EQ(device_kme(i), nullptr);

  recorder_->on_request = nullptr;
  const AttachOutcome again = attach(i);
  ASSERT_TRUE(again.attached) << trace(again);
  EXPECT_EQ(again.kme_version, 1u);
  EXPECT_EQ(device_kme(i)->kme, stored_kme(p)->kme);
}

TEST_F(CookieThreatTest, CookieWithinItsLifetimeIsAccepted) {
  // The boundary of the test above: 299 s later the same Cookie still confirms.
  const ue::UeProfile p = profile(1);
  const UeIndex i = add_ue(p, only_procedure(2));
  on_ulr_of(p.imsi, [&](s6a::UpdateLocationRequest&) { net_->advance(299'000); });
  const AttachOutcome o = attach(i);
  ASSERT_TRUE(o.attached) << trace(o);
  EXPECT_EQ(result_of_last<s6a::UpdateLocationRequest>(p.imsi), s6a::kSuccess);
}

TEST_F(CookieThreatTest, ForgedSignatureIsRefused) {
  for (const bool profile_b : {false, true}) {
    const ue::UeProfile p = profile(profile_b ? 2 : 1, profile_b);
    const UeIndex i = add_ue(p, only_procedure(2));
    const StoreSnapshot before = snapshot(*store_);
    on_ulr_of(p.imsi, [](s6a::UpdateLocationRequest& ulr) {
      ASSERT_TRUE(ulr.kme_confirm.has_value());
      ASSERT_FALSE(ulr.kme_confirm->signature.empty());
      ulr.kme_confirm->signature[10] ^= 0x01;
    });
    const AttachOutcome o = attach(i);
    expect_illegal_me(o, i, p.imsi);
    EXPECT_EQ(result_of_last<s6a::UpdateLocationRequest>(p.imsi), s6a::kErrorKmeConfirmFailed);
    EXPECT_EQ(snapshot(*store_), before);
  }
}

class TamperedPayloadTest : public CookieThreatTest, public ::testing::WithParamInterface<int> {};

TEST_P(TamperedPayloadTest, TamperedEciesOutputIsRejectedByTheDevice) {
  const ue::UeProfile p = profile(1, GetParam() == 2);
  const UeIndex i = add_ue(p, only_procedure(GetParam()));
  const StoreSnapshot before = snapshot(*store_);
  recorder_->on_answer = [](cnn::S6aAnswer& a) {
    auto* kma = std::get_if<s6a::KmeAnswer>(&a);
    if (!kma) return;
    auto* prov = std::get_if<s6a::KmeProvisioning>(&kma->action);
    if (!prov) return;
    prov->encrypted_payload[prov->encrypted_payload.size() / 2] ^= 0x80;
  };
  const AttachOutcome o = attach(i);
  expect_illegal_me(o, i, p.imsi);
  const NasRecord* reject = recorder_->last_nas<nas::KmeProvisioningReject>(*recorder_->ue_id_of(p.imsi));
  ASSERT_NE(reject, nullptr) << recorder_->dump();
  EXPECT_EQ(reject->as_kme<nas::KmeProvisioningReject>()->cause,
            nas::KmeProvisioningRejectCause::kDecryptionFailed);
  EXPECT_EQ(count_requests(p.imsi, kUlr), 0u);
  EXPECT_EQ(snapshot(*store_), before);
  EXPECT_EQ(device_kme(i), nullptr);
  EXPECT_EQ(net_->ue(i).mobile_equipment().kmes().pending(), nullptr);
}

INSTANTIATE_TEST_SUITE_P(Procedures, TamperedPayloadTest, ::testing::Values(1, 2),
                         [](const auto& p_info) { return "Procedure" + std::to_string(p_info.param); });

TEST_F(CookieThreatTest, HssWithoutTheCookieKeyRefusesTheConfirm) {
  // At ULR time another HSS answers: same store, but its ring lacks the key that sealed the
  // Cookie — (a) a different key under the same id, (b) only another id.
  crypto::CookieKeyRing same_id_other_key;
  ok(same_id_other_key.add_key(1, cookie_key(0x99)));
  crypto::CookieKeyRing other_id;
  ok(other_id.add_key(2, cookie_key(0x17)));
  std::uint64_t n = 1;
  for (const crypto::CookieKeyRing* ring : {&same_id_other_key, &other_id}) {
    const hss::Hss other = take(hss::Hss::create(*store_, *ring, hss_config()));
    const ue::UeProfile p = profile(n++);
    const UeIndex i = add_ue(p, only_procedure(2));
    const StoreSnapshot before = snapshot(*store_);
    on_ulr_of(p.imsi, [&](s6a::UpdateLocationRequest&) { net_->set_hss(other); });
    const AttachOutcome o = attach(i);
    net_->set_hss(*hss_);
    expect_illegal_me(o, i, p.imsi);
    EXPECT_EQ(result_of_last<s6a::UpdateLocationRequest>(p.imsi), s6a::kErrorKmeConfirmFailed);
    EXPECT_EQ(snapshot(*store_), before);
  }
}

TEST_F(CookieThreatTest, RotatedCookieKeyStillOpensCookiesInFlight) {
  // Key rotation: the HSS at ULR time seals with key 2 but still holds key 1 (not retired).
  crypto::CookieKeyRing rotated;
  ok(rotated.add_key(1, cookie_key(0x17)));
  ok(rotated.add_key(2, cookie_key(0x18)));
  ok(rotated.set_active(2));
  const hss::Hss after_rotation = take(hss::Hss::create(*store_, rotated, hss_config()));
  const ue::UeProfile p = profile(1);
  const UeIndex i = add_ue(p, only_procedure(2));
  on_ulr_of(p.imsi, [&](s6a::UpdateLocationRequest&) { net_->set_hss(after_rotation); });
  const AttachOutcome o = attach(i);
  net_->set_hss(*hss_);
  ASSERT_TRUE(o.attached) << trace(o);
  EXPECT_EQ(device_kme(i)->kme, stored_kme(p)->kme);

  // Once key 1 is retired, a Cookie sealed with it no longer opens.
  ok(rotated.retire(1));
  ok(store_->request_kme_renewal(p.imsi, "test"));
  const StoreSnapshot before = snapshot(*store_);
  const AttachOutcome o2 = attach(i);
  net_->set_hss(*hss_);
  expect_illegal_me(o2, i, p.imsi);
  EXPECT_EQ(result_of_last<s6a::UpdateLocationRequest>(p.imsi), s6a::kErrorKmeConfirmFailed);
  EXPECT_EQ(snapshot(*store_), before);
}

}  // namespace
}  // namespace kmebind::sim::testing
