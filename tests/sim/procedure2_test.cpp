// Procedure 2 end to end (TR 33.868 §5.4.4.2.3.3.2, Fig. 5.4.4.2.3.3.2-1): the KME travels
// from the HSS to the device without the CNN ever holding it. Each numbered step of the seed is
// checked on the NAS link (deciphered by the Recorder) and the S6a link, then the store and the
// device.
#include <algorithm>

#include "crypto/kme.h"
#include "crypto/signature.h"
#include "nas/kme_payload.h"
#include "sim_test_support.h"

namespace kmebind::sim::testing {
namespace {

class Procedure2Test : public SimTest, public ::testing::WithParamInterface<bool> {};

bool contains(ByteView haystack, ByteView needle) {
  return !needle.empty() &&
         std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) != haystack.end();
}

TEST_P(Procedure2Test, AttachFollowsTheSeedStepsAndStoresTheKmeTheDeviceHolds) {
  const ue::UeProfile p = profile(1, /*profile_b=*/GetParam());
  const UeIndex i = add_ue(p, only_procedure(2));
  const AttachOutcome o = attach(i);
  ASSERT_TRUE(o.attached) << trace(o);
  EXPECT_EQ(o.kme_procedure, 2);
  EXPECT_EQ(o.kme_version, 1u);

  const Recorder& rec = *recorder_;
  const std::vector<std::string> expected = {
      "UL Attach request",                                      // 1
      "S6a AIR", "S6a AIA",                                     // 2, 2a
      "DL Authentication request", "UL Authentication response",
      "DL Security mode command", "UL Security mode complete",  // 2 (IMEI)
      "S6a KME-Request", "S6a KME-Answer",                      // 3, 4, 5
      "DL KME Provisioning Command",                            // 6
      "UL KME Provisioning Response",                           // 7, 8
      "S6a ULR", "S6a ULA",                                     // 9, 10, 11
      "DL Attach accept", "UL Attach complete"};
  ASSERT_EQ(rec.timeline_of(p.imsi), expected) << rec.dump();
  const cnn::UeId ue = *rec.ue_id_of(p.imsi);
  const auto pdus = rec.nas_of(ue);
  ASSERT_EQ(pdus.size(), 9u);
  const ue::MobileEquipment& me = net_->ue(i).mobile_equipment();

  // Step 2a: the HSS tells the CNN that binding with a KME is required.
  const auto* aia = rec.last<s6a::AuthenticationInformationRequest>(p.imsi)
                        ->ans<s6a::AuthenticationInformationAnswer>();
  ASSERT_NE(aia, nullptr);
  EXPECT_EQ(aia->binding, s6a::BindingRequirement::kKmeRequired);
  const auto* smc_complete = pdus[4]->as<nas::SecurityModeComplete>();
  ASSERT_NE(smc_complete, nullptr) << pdus[4]->error;
  EXPECT_EQ(std::get<nas::Imeisv>(smc_complete->imeisv->identity).digits, me.imeisv());

  // Step 3: the KME-Request names the IMEI.
  const S6aRecord& kmr = *rec.last<s6a::KmeRequest>(p.imsi);
  EXPECT_EQ(kmr.req<s6a::KmeRequest>()->imei, p.imei14);

  // Steps 4, 5: encrypted (KME, Nonce), Cookie and XRsp — and no KME.
  const auto* kma = kmr.ans<s6a::KmeAnswer>();
  ASSERT_NE(kma, nullptr);
  ASSERT_EQ(kma->result, s6a::kSuccess);
  const auto* prov = std::get_if<s6a::KmeProvisioning>(&kma->action);
  ASSERT_NE(prov, nullptr);
  EXPECT_EQ(prov->procedure, s6a::KmeProcedure::kHiddenFromCnn);
  EXPECT_EQ(prov->kme_version, 1u);
  EXPECT_TRUE(prov->kme.empty());
  EXPECT_EQ(prov->cookie.size(), crypto::kCookieSize);
  ASSERT_EQ(prov->xrsp.size(), crypto::kRspSize);
  // The device opens the payload: its IMEI, the version, the KME and the HSS's Nonce;
  // XRsp = Rsp(KME, Nonce); the Cookie opens (HSS key ring) to the same KME and Nonce.
  const SecretBytes plaintext = take(me.ecies_decrypt(prov->encrypted_payload));
  const nas::KmePayload payload = take(nas::decode_kme_payload(plaintext.view()));
  EXPECT_EQ(payload.imei, me.imei());
  EXPECT_EQ(payload.kme_version, 1u);
  ASSERT_TRUE(payload.nonce.has_value());
  EXPECT_EQ(take(crypto::compute_rsp(payload.kme, *payload.nonce)), prov->xrsp);
  const crypto::CookieContent cookie =
      take(crypto::open_cookie(ring_, prov->cookie, p.imsi, p.imei14, kStartUnix, 300));
  EXPECT_EQ(cookie.kme, payload.kme);
  EXPECT_EQ(cookie.nonce, Bytes(payload.nonce->begin(), payload.nonce->end()));
  EXPECT_EQ(cookie.kme_version, 1u);

  // Step 6: the CNN forwards the encrypted payload, with no Nonce of its own.
  const auto* command = pdus[5]->as_kme<nas::KmeProvisioningCommand>();
  ASSERT_NE(command, nullptr) << pdus[5]->error;
  EXPECT_EQ(command->procedure, nas::KmeProcedure::kNotSharedWithCnn);
  EXPECT_EQ(command->ecies_scheme_output, prov->encrypted_payload);
  EXPECT_FALSE(command->nonce.has_value());

  // Steps 7, 8: Rsp and the signature over the transcript (label, IMSI, IMEI, Nonce, H(KME)).
  const auto* response = pdus[6]->as_kme<nas::KmeProvisioningResponse>();
  ASSERT_NE(response, nullptr) << pdus[6]->error;
  EXPECT_EQ(Bytes(response->rsp.begin(), response->rsp.end()), prov->xrsp);
  ASSERT_TRUE(response->signature.has_value());
  const Bytes transcript = crypto::kme_transcript(p.imsi, p.imei14, *payload.nonce, payload.kme);
  EXPECT_TRUE(crypto::verify(p.signature_algorithm, p.signature.public_key, transcript,
                             *response->signature));
  EXPECT_FALSE(crypto::verify(p.signature_algorithm, p.signature.public_key,
                              crypto::kme_transcript(p.imsi, p.imei14, *payload.nonce, prov->kme),
                              *response->signature))
      << "the signature covers the KME, not an empty one";

  // Steps 9, 10: the ULR carries Cookie and signature, no KME.
  const S6aRecord& ulr = *rec.last<s6a::UpdateLocationRequest>(p.imsi);
  const auto* u = ulr.req<s6a::UpdateLocationRequest>();
  ASSERT_TRUE(u->kme_confirm.has_value());
  EXPECT_EQ(u->kme_confirm->procedure, s6a::KmeProcedure::kHiddenFromCnn);
  EXPECT_EQ(u->kme_confirm->kme_version, 1u);
  EXPECT_TRUE(u->kme_confirm->kme.empty());
  EXPECT_EQ(u->kme_confirm->cookie, prov->cookie);
  EXPECT_EQ(u->kme_confirm->signature,
            Bytes(response->signature->begin(), response->signature->end()));
  EXPECT_EQ(u->kme_confirm->signature_algorithm, static_cast<std::uint8_t>(*response->signature_algorithm));
  EXPECT_EQ(u->terminal->imei, p.imei14);

  // Step 11: the HSS stored the KME of the Cookie (procedure 2), equal to the device's.
  EXPECT_EQ(ulr.ans<s6a::UpdateLocationAnswer>()->kme_version_stored, 1u);
  const auto stored = stored_kme(p);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->version, 1u);
  EXPECT_EQ(stored->procedure, store::kKmeProcedure2);
  EXPECT_EQ(stored->kme, payload.kme);
  const ue::StoredKme* held = device_kme(i);
  ASSERT_NE(held, nullptr);
  EXPECT_EQ(held->version, 1u);
  EXPECT_EQ(held->kme, stored->kme);
}

TEST_P(Procedure2Test, TheCnnNeverSeesTheKme) {
  const ue::UeProfile p = profile(2, GetParam());
  const UeIndex i = add_ue(p, only_procedure(2));
  ASSERT_TRUE(attach(i).attached);
  const auto stored = stored_kme(p);
  ASSERT_TRUE(stored.has_value());
  const ByteView kme = stored->kme.view();
  for (const S6aRecord& r : recorder_->s6a()) {
    if (const auto* kma = r.ans<s6a::KmeAnswer>()) {
      const auto* prov = std::get_if<s6a::KmeProvisioning>(&kma->action);
      ASSERT_NE(prov, nullptr);
      EXPECT_TRUE(prov->kme.empty()) << "the KMA to the CNN has an empty KME field";
      EXPECT_FALSE(contains(prov->encrypted_payload, kme));
      EXPECT_FALSE(contains(prov->cookie, kme));
      EXPECT_FALSE(contains(prov->xrsp, kme));
    }
    if (const auto* ulr = r.req<s6a::UpdateLocationRequest>()) {
      ASSERT_TRUE(ulr->kme_confirm.has_value());
      EXPECT_TRUE(ulr->kme_confirm->kme.empty());
      EXPECT_FALSE(contains(ulr->kme_confirm->cookie, kme));
      EXPECT_FALSE(contains(ulr->kme_confirm->signature, kme));
    }
  }
  // Nor in any NAS octet, on the wire or deciphered.
  for (const NasRecord& r : recorder_->nas()) {
    EXPECT_FALSE(contains(r.pdu, kme)) << r.label();
    EXPECT_FALSE(contains(r.plain, kme)) << r.label();
  }
  EXPECT_EQ(device_kme(i)->kme, stored->kme);
}

INSTANTIATE_TEST_SUITE_P(Profiles, Procedure2Test, ::testing::Values(false, true),
                         [](const auto& p_info) { return p_info.param ? "ProfileB" : "ProfileA"; });

}  // namespace
}  // namespace kmebind::sim::testing
