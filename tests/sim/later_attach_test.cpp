// After provisioning (DESIGN.md §3 "afterwards"): a later attach authenticates the device with
// the stored KME (a challenge the HSS prepares statelessly), and `kme renew` (device sold,
// operator changed) makes the next attach provision version 2, which the following device
// authentication then uses.
#include "crypto/kme.h"
#include "sim_test_support.h"

namespace kmebind::sim::testing {
namespace {

class LaterAttachTest : public SimTest, public ::testing::WithParamInterface<int> {
 protected:
  // Checks a device-authentication attach of `p` against `version` and the stored KME.
  void expect_device_authenticated(const ue::UeProfile& p, UeIndex i, std::uint32_t version) {
    const StoreSnapshot before = snapshot(*store_);
    recorder_->clear();
    const AttachOutcome o = attach(i);
    ASSERT_TRUE(o.attached) << trace(o);
    EXPECT_TRUE(o.device_authenticated);
    EXPECT_EQ(o.kme_version, version);
    EXPECT_EQ(o.kme_procedure, 0) << "nothing provisioned";

    const Recorder& rec = *recorder_;
    const std::vector<std::string> expected = {
        "UL Attach request", "S6a AIR", "S6a AIA", "DL Authentication request",
        "UL Authentication response", "DL Security mode command", "UL Security mode complete",
        "S6a KME-Request", "S6a KME-Answer", "DL Device Authentication Request",
        "UL Device Authentication Response", "S6a ULR", "S6a ULA", "DL Attach accept",
        "UL Attach complete"};
    ASSERT_EQ(rec.timeline_of(p.imsi), expected) << rec.dump();

    const auto* kma = rec.last<s6a::KmeRequest>(p.imsi)->ans<s6a::KmeAnswer>();
    ASSERT_NE(kma, nullptr);
    const auto* challenge = std::get_if<s6a::DeviceChallenge>(&kma->action);
    ASSERT_NE(challenge, nullptr);
    EXPECT_EQ(challenge->kme_version, version);
    const auto stored = stored_kme(p);
    ASSERT_TRUE(stored.has_value());
    ASSERT_EQ(stored->version, version);
    const Bytes xrsp = take(crypto::compute_rsp(stored->kme, challenge->nonce));
    EXPECT_EQ(take(crypto::compute_hxrsp(challenge->nonce, xrsp)), challenge->hxrsp);
    EXPECT_NE(xrsp, challenge->hxrsp) << "the CNN never sees XRsp itself";

    const cnn::UeId ue = *rec.ue_id_of(p.imsi);
    const NasRecord* request = rec.last_nas<nas::DeviceAuthenticationRequest>(ue);
    ASSERT_NE(request, nullptr);
    const auto* r = request->as_kme<nas::DeviceAuthenticationRequest>();
    EXPECT_EQ(r->kme_version, version);
    EXPECT_EQ(Bytes(r->nonce.begin(), r->nonce.end()), challenge->nonce);
    const NasRecord* response = rec.last_nas<nas::DeviceAuthenticationResponse>(ue);
    ASSERT_NE(response, nullptr);
    const auto& rsp = response->as_kme<nas::DeviceAuthenticationResponse>()->rsp;
    EXPECT_EQ(Bytes(rsp.begin(), rsp.end()), xrsp);

    // The ULR confirms nothing new but carries the device's proof; the store is as before.
    const auto* ulr = rec.last<s6a::UpdateLocationRequest>(p.imsi)->req<s6a::UpdateLocationRequest>();
    EXPECT_FALSE(ulr->kme_confirm.has_value());
    ASSERT_TRUE(ulr->device_proof.has_value());
    EXPECT_EQ(ulr->device_proof->rsp, xrsp);
    EXPECT_EQ(ulr->device_proof->challenge_token, challenge->challenge_token);
    EXPECT_EQ(snapshot(*store_), before);
    EXPECT_EQ(device_kme(i)->version, version);
  }
};

TEST_P(LaterAttachTest, DeviceAuthenticationThenRenewalToVersion2ThenAuthenticationWithVersion2) {
  const int procedure = GetParam();
  const ue::UeProfile p = profile(1, procedure == 2);
  const UeIndex i = add_ue(p, only_procedure(procedure));
  const AttachOutcome first = attach(i);
  ASSERT_TRUE(first.attached) << trace(first);
  ASSERT_EQ(first.kme_version, 1u);
  const SecretBytes v1 = stored_kme(p)->kme.clone();

  expect_device_authenticated(p, i, 1);

  // Re-provisioning after `kme renew`.
  ok(store_->request_kme_renewal(p.imsi, "test"));
  recorder_->clear();
  const AttachOutcome renewed = attach(i);
  ASSERT_TRUE(renewed.attached) << trace(renewed);
  EXPECT_EQ(renewed.kme_procedure, procedure);
  EXPECT_EQ(renewed.kme_version, 2u);
  const auto* kma = recorder_->last<s6a::KmeRequest>(p.imsi)->ans<s6a::KmeAnswer>();
  ASSERT_NE(kma, nullptr);
  const auto* prov = std::get_if<s6a::KmeProvisioning>(&kma->action);
  ASSERT_NE(prov, nullptr) << "renewal asks for provisioning, not a challenge";
  EXPECT_EQ(prov->kme_version, 2u);
  const auto stored = stored_kme(p);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->version, 2u);
  EXPECT_FALSE(stored->kme == v1);
  const auto status = take(store_->list_kme_status(p.imsi, 10, std::nullopt));
  ASSERT_EQ(status.size(), 1u);
  EXPECT_FALSE(status[0].renewal_requested);
  const ue::StoredKme* held = device_kme(i);
  ASSERT_NE(held, nullptr);
  EXPECT_EQ(held->version, 2u);
  EXPECT_EQ(held->kme, stored->kme);
  EXPECT_EQ(net_->ue(i).mobile_equipment().kmes().find(1), nullptr) << "version 1 is dropped";

  expect_device_authenticated(p, i, 2);
}

TEST_P(LaterAttachTest, LaterAttachWithTheGutiIsAuthenticatedToo) {
  const int procedure = GetParam();
  const ue::UeProfile p = profile(2, procedure == 2);
  ok(provision_subscription(*store_, p, only_procedure(procedure), "test"));
  ue::UeConfig config = ue_config();
  config.use_guti = true;
  const UeIndex i = net_->add_ue(take(ue::make_ue(p, config)));
  ASSERT_TRUE(attach(i).attached);
  ASSERT_TRUE(net_->ue(i).guti().has_value());
  recorder_->clear();
  const AttachOutcome o = attach(i);
  ASSERT_TRUE(o.attached) << trace(o);
  EXPECT_TRUE(o.device_authenticated);
  EXPECT_EQ(o.kme_version, 1u);
  const NasRecord* record = recorder_->last_nas<nas::AttachRequest>(*recorder_->ue_id_of(p.imsi));
  ASSERT_NE(record, nullptr);
  const auto* request = record->as<nas::AttachRequest>();
  EXPECT_EQ(recorder_->timeline_of(p.imsi).front(), "UL Attach request");
  EXPECT_TRUE(std::holds_alternative<nas::Guti>(request->eps_mobile_identity.identity));
}

INSTANTIATE_TEST_SUITE_P(Procedures, LaterAttachTest, ::testing::Values(1, 2),
                         [](const auto& p_info) { return "Procedure" + std::to_string(p_info.param); });

}  // namespace
}  // namespace kmebind::sim::testing
