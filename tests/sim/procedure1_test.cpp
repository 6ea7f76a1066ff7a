// Procedure 1 end to end (TR 33.868 §5.4.4.2.3.3.1, Fig. 5.4.4.2.3.3.1-1): one UE attaches
// through the in-process network; each numbered step of the seed is checked on what crossed the
// NAS link (deciphered by the Recorder) and the S6a link, then the store and the device.
#include "crypto/kme.h"
#include "nas/kme_payload.h"
#include "sim_test_support.h"

namespace kmebind::sim::testing {
namespace {

class Procedure1Test : public SimTest, public ::testing::WithParamInterface<bool> {};

TEST_P(Procedure1Test, AttachFollowsTheSeedStepsAndStoresTheKmeTheDeviceHolds) {
  const ue::UeProfile p = profile(1, /*profile_b=*/GetParam());
  const UeIndex i = add_ue(p, only_procedure(1));
  const AttachOutcome o = attach(i);
  ASSERT_TRUE(o.attached) << trace(o);
  EXPECT_EQ(o.kme_procedure, 1);
  EXPECT_EQ(o.kme_version, 1u);

  const Recorder& rec = *recorder_;
  // The whole exchange, in delivery order.
  const std::vector<std::string> expected = {
      "UL Attach request",                                      // 1
      "S6a AIR", "S6a AIA",                                     // 2
      "DL Authentication request", "UL Authentication response",
      "DL Security mode command", "UL Security mode complete",  // 2 (IMEI)
      "S6a KME-Request", "S6a KME-Answer",                      // 3, 4
      "DL KME Provisioning Command",                            // 5, 6
      "UL KME Provisioning Response",                           // 7, 8
      "S6a ULR", "S6a ULA",                                     // 9, 10, 11
      "DL Attach accept", "UL Attach complete"};
  ASSERT_EQ(rec.timeline_of(p.imsi), expected) << rec.dump();

  const cnn::UeId ue = *rec.ue_id_of(p.imsi);
  const auto pdus = rec.nas_of(ue);
  ASSERT_EQ(pdus.size(), 9u);
  const ue::MobileEquipment& me = net_->ue(i).mobile_equipment();

  // Step 1: a plain Attach request naming the IMSI.
  const auto* attach_request = pdus[0]->as<nas::AttachRequest>();
  ASSERT_NE(attach_request, nullptr);
  EXPECT_FALSE(pdus[0]->is_protected());
  EXPECT_EQ(std::get<nas::Imsi>(attach_request->eps_mobile_identity.identity).digits, p.imsi);

  // Step 2: AIR/AIA (the AIA already says the subscriber needs binding with KME), EPS-AKA with
  // the vector the HSS issued, Security mode command asking for the IMEISV, and the IMEISV back.
  const S6aRecord& air = *rec.last<s6a::AuthenticationInformationRequest>(p.imsi);
  EXPECT_EQ(air.req<s6a::AuthenticationInformationRequest>()->visited_plmn_id,
            take(crypto::plmn_to_sn_id(kPlmn)));
  const auto* aia = air.ans<s6a::AuthenticationInformationAnswer>();
  ASSERT_NE(aia, nullptr);
  ASSERT_EQ(aia->result, s6a::kSuccess);
  ASSERT_EQ(aia->vectors.size(), 1u);
  EXPECT_EQ(aia->binding, s6a::BindingRequirement::kKmeRequired);
  const auto* auth_request = pdus[1]->as<nas::AuthenticationRequest>();
  ASSERT_NE(auth_request, nullptr);
  EXPECT_EQ(Bytes(auth_request->rand.begin(), auth_request->rand.end()), aia->vectors[0].rand);
  EXPECT_EQ(Bytes(auth_request->autn.begin(), auth_request->autn.end()), aia->vectors[0].autn);
  const auto* auth_response = pdus[2]->as<nas::AuthenticationResponse>();
  ASSERT_NE(auth_response, nullptr);
  EXPECT_EQ(auth_response->res.value, aia->vectors[0].xres);
  const auto* smc = pdus[3]->as<nas::SecurityModeCommand>();
  ASSERT_NE(smc, nullptr) << pdus[3]->error;
  EXPECT_EQ(pdus[3]->header_type, nas::SecurityHeaderType::kIntegrityProtectedNewContext);
  EXPECT_EQ(smc->imeisv_request, nas::ImeisvRequest::kRequested);
  EXPECT_EQ(smc->selected_nas_security_algorithms.ciphering, nas::CipheringAlgorithm::kEea2);
  EXPECT_EQ(smc->selected_nas_security_algorithms.integrity, nas::IntegrityAlgorithm::kEia2);
  const auto* smc_complete = pdus[4]->as<nas::SecurityModeComplete>();
  ASSERT_NE(smc_complete, nullptr) << pdus[4]->error;
  EXPECT_EQ(pdus[4]->header_type, nas::SecurityHeaderType::kIntegrityProtectedCipheredNewContext);
  ASSERT_TRUE(smc_complete->imeisv.has_value());
  EXPECT_EQ(std::get<nas::Imeisv>(smc_complete->imeisv->identity).digits, me.imeisv());

  // Step 3: the KME-Request carries the IMEI the UE sent (14 digits, TAC ‖ SNR).
  const S6aRecord& kmr = *rec.last<s6a::KmeRequest>(p.imsi);
  EXPECT_EQ(kmr.req<s6a::KmeRequest>()->imei, p.imei14);
  EXPECT_EQ(kmr.req<s6a::KmeRequest>()->imsi, p.imsi);

  // Step 4: the KMA carries the encrypted KME AND the KME (procedure 1); the payload opens only
  // with the device's private key and names the device's IMEI and the issued version.
  const auto* kma = kmr.ans<s6a::KmeAnswer>();
  ASSERT_NE(kma, nullptr);
  ASSERT_EQ(kma->result, s6a::kSuccess);
  const auto* prov = std::get_if<s6a::KmeProvisioning>(&kma->action);
  ASSERT_NE(prov, nullptr);
  EXPECT_EQ(prov->procedure, s6a::KmeProcedure::kSharedWithCnn);
  EXPECT_EQ(prov->kme_version, 1u);
  EXPECT_EQ(prov->ecies_profile, GetParam() ? 2 : 1);
  ASSERT_EQ(prov->kme.size(), crypto::kKmeSize);
  EXPECT_EQ(prov->cookie.size(), crypto::kCookieSize);  // kmebind: returned with the confirm
  EXPECT_TRUE(prov->xrsp.empty());
  const SecretBytes plaintext = take(me.ecies_decrypt(prov->encrypted_payload));
  const nas::KmePayload payload = take(nas::decode_kme_payload(plaintext.view()));
  EXPECT_EQ(payload.imei, me.imei());
  EXPECT_EQ(payload.kme_version, 1u);
  EXPECT_EQ(payload.kme, prov->kme);
  EXPECT_FALSE(payload.nonce.has_value());

  // Steps 5, 6: the CNN's KME Provisioning Command (ciphered, type 2) forwards the encrypted KME
  // unchanged with a Nonce of its own.
  EXPECT_EQ(pdus[5]->header_type, nas::SecurityHeaderType::kIntegrityProtectedCiphered);
  const auto* command = pdus[5]->as_kme<nas::KmeProvisioningCommand>();
  ASSERT_NE(command, nullptr) << pdus[5]->error;
  EXPECT_EQ(command->procedure, nas::KmeProcedure::kSharedWithCnn);
  EXPECT_EQ(command->ecies_scheme_output, prov->encrypted_payload);
  EXPECT_EQ(command->kme_version, 1u);
  ASSERT_TRUE(command->nonce.has_value());
  EXPECT_NE(*command->nonce, nas::KmeNonce{});

  // Steps 7, 8: the UE's Rsp is Rsp(KME, Nonce), no signature in procedure 1.
  const auto* response = pdus[6]->as_kme<nas::KmeProvisioningResponse>();
  ASSERT_NE(response, nullptr) << pdus[6]->error;
  const Bytes expected_rsp = take(crypto::compute_rsp(prov->kme, *command->nonce));
  EXPECT_EQ(Bytes(response->rsp.begin(), response->rsp.end()), expected_rsp);
  EXPECT_FALSE(response->signature.has_value());

  // Steps 9, 10: the CNN checked Rsp and sends the location update with the KME of the KMA,
  // the IMEI and software version.
  const S6aRecord& ulr = *rec.last<s6a::UpdateLocationRequest>(p.imsi);
  const auto* u = ulr.req<s6a::UpdateLocationRequest>();
  ASSERT_TRUE(u->terminal.has_value());
  EXPECT_EQ(u->terminal->imei, p.imei14);
  EXPECT_EQ(u->terminal->software_version, p.software_version);
  ASSERT_TRUE(u->kme_confirm.has_value());
  EXPECT_EQ(u->kme_confirm->procedure, s6a::KmeProcedure::kSharedWithCnn);
  EXPECT_EQ(u->kme_confirm->kme_version, 1u);
  EXPECT_EQ(u->kme_confirm->kme, prov->kme);
  EXPECT_EQ(u->kme_confirm->cookie, prov->cookie);
  EXPECT_TRUE(u->kme_confirm->signature.empty());

  // Step 11: stored with version 1 and procedure 1, before the ULA; the device committed the same.
  const auto* ula = ulr.ans<s6a::UpdateLocationAnswer>();
  ASSERT_NE(ula, nullptr);
  EXPECT_EQ(ula->result, s6a::kSuccess);
  EXPECT_EQ(ula->kme_version_stored, 1u);
  const auto stored = stored_kme(p);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->version, 1u);
  EXPECT_EQ(stored->procedure, store::kKmeProcedure1);
  EXPECT_EQ(stored->kme, prov->kme);
  const ue::StoredKme* held = device_kme(i);
  ASSERT_NE(held, nullptr);
  EXPECT_EQ(held->version, 1u);
  EXPECT_EQ(held->kme, stored->kme);
  EXPECT_EQ(me.kmes().pending(), nullptr);

  // The attach ends normally.
  EXPECT_NE(pdus[7]->as<nas::AttachAccept>(), nullptr);
  EXPECT_NE(pdus[8]->as<nas::AttachComplete>(), nullptr);
  EXPECT_EQ(net_->ue(i).state(), ue::UeState::kRegistered);
}

TEST_P(Procedure1Test, EveryNasMessageAfterSecurityModeControlIsProtected) {
  const ue::UeProfile p = profile(2, GetParam());
  const UeIndex i = add_ue(p, only_procedure(1));
  ASSERT_TRUE(attach(i).attached);
  bool security = false;
  for (const NasRecord* r : recorder_->nas_of(*recorder_->ue_id_of(p.imsi))) {
    if (r->as<nas::SecurityModeCommand>()) security = true;
    if (security) {
      EXPECT_TRUE(r->is_protected()) << r->label();
    }
    EXPECT_TRUE(r->error.empty()) << r->label() << ": " << r->error;  // the recorder read every PDU
  }
  EXPECT_TRUE(security);
}

INSTANTIATE_TEST_SUITE_P(Profiles, Procedure1Test, ::testing::Values(false, true),
                         [](const auto& p_info) { return p_info.param ? "ProfileB" : "ProfileA"; });

}  // namespace
}  // namespace kmebind::sim::testing
