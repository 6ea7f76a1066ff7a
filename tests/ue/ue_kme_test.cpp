// The KME procedures on the UE (TR 33.868 §5.4.4.2.3.3; docs/protocol.md steps 6a, 6b, 8) driven
// through the EMM core: procedure 1 and 2 provisioning (Rsp checked against KME and Nonce, the
// signature verified over the transcript), device authentication, the device-side refusals
// (IMEI mismatch, tampered ECIES output, old version, wrong profile) and the pending/committed KME
// life cycle around Attach accept and Attach reject.
#include <gtest/gtest.h>

#include "crypto/signature.h"
#include "ue_fixture.h"

namespace kmebind::ue::testing {
namespace {

Bytes rsp_of(const SecretBytes& kme, const nas::KmeNonce& nonce) { return take(crypto::compute_rsp(kme, nonce)); }

class UeKmeTest : public ::testing::Test, public UeFixture {
 protected:
  // Sends the command and returns the UE's KME answer (and the whole output if asked).
  nas::KmeMessage provision(const nas::KmeProvisioningCommand& command, UeOutput* out_copy = nullptr) {
    UeOutput out = feed(net_.kme_transport(command));
    EXPECT_EQ(net_.header_type(only_pdu(out)), nas::SecurityHeaderType::kIntegrityProtectedCiphered);
    auto reply = net_.receive_kme(only_pdu(out));
    if (out_copy != nullptr) *out_copy = out;
    return reply;
  }
  nas::KmeProvisioningRejectCause rejected(const nas::KmeProvisioningCommand& command) {
    UeOutput out;
    auto reply = provision(command, &out);
    EXPECT_TRUE(out.has(UeEventKind::kKmeProvisioningRejected));
    return std::get<nas::KmeProvisioningReject>(reply).cause;
  }
  nas::DeviceAuthenticationResponse challenge(std::uint32_t version, const nas::KmeNonce& nonce) {
    UeOutput out = feed(net_.kme_transport(nas::DeviceAuthenticationRequest{nonce, version}));
    return std::get<nas::DeviceAuthenticationResponse>(net_.receive_kme(only_pdu(out)));
  }
  // A full attach that provisions `version` with procedure 1 and is accepted.
  SecretBytes attach_with_kme(std::uint32_t version) {
    attach_until_secure();
    auto p = net_.provisioning(nas::KmeProcedure::kSharedWithCnn, version);
    provision(p.command);
    accept();
    return p.kme.clone();
  }
  const StoredKme* committed() const { return ue_.mobile_equipment().kmes().committed(); }
  const StoredKme* pending() const { return ue_.mobile_equipment().kmes().pending(); }
};

TEST_F(UeKmeTest, Procedure1RspMatchesAndTheKmeIsCommittedOnAttachAccept) {
  attach_until_secure();
  auto p = net_.provisioning(nas::KmeProcedure::kSharedWithCnn, 1);
  UeOutput out;
  const auto response = std::get<nas::KmeProvisioningResponse>(provision(p.command, &out));
  EXPECT_EQ(Bytes(response.rsp.begin(), response.rsp.end()), rsp_of(p.kme, p.nonce));
  EXPECT_FALSE(response.signature) << "procedure 1 carries no signature";
  EXPECT_FALSE(response.signature_algorithm);
  const UeEvent* e = out.find(UeEventKind::kKmeProvisioned);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->procedure, nas::KmeProcedure::kSharedWithCnn);
  EXPECT_EQ(e->kme_version, 1u);
  ASSERT_NE(pending(), nullptr);
  EXPECT_EQ(committed(), nullptr) << "pending until Attach accept";

  UeOutput accepted = accept();
  EXPECT_EQ(accepted.find(UeEventKind::kAttached)->kme_version, 1u);
  ASSERT_NE(committed(), nullptr);
  EXPECT_EQ(committed()->version, 1u);
  EXPECT_TRUE(committed()->kme == p.kme);
  EXPECT_EQ(pending(), nullptr);
  EXPECT_EQ(ue_.counters().kme_provisioned, 1u);
}

struct DeviceKind {
  crypto::EciesProfile profile;
  crypto::SignatureAlgorithm algorithm;
  nas::SignatureAlgorithm wire_algorithm;
};

class UeKmeProcedure2Test : public ::testing::TestWithParam<DeviceKind> {};

TEST_P(UeKmeProcedure2Test, SignatureOverTheTranscriptVerifiesWithTheDevicePublicKey) {
  const DeviceKind kind = GetParam();
  UeFixture f(test_profile(kind.profile, kind.algorithm));
  f.attach_until_secure();
  auto p = f.net_.provisioning(nas::KmeProcedure::kNotSharedWithCnn, 3);
  ASSERT_FALSE(p.command.nonce) << "procedure 2: the Nonce is only inside the ECIES payload";
  UeOutput out = f.feed(f.net_.kme_transport(p.command));
  const auto response = std::get<nas::KmeProvisioningResponse>(f.net_.receive_kme(only_pdu(out)));
  EXPECT_EQ(Bytes(response.rsp.begin(), response.rsp.end()), rsp_of(p.kme, p.nonce));
  ASSERT_TRUE(response.signature && response.signature_algorithm);
  EXPECT_EQ(*response.signature_algorithm, kind.wire_algorithm);
  // What the HSS checks at ULR (src/hss/hss.h): the 14-digit IMEI in the transcript.
  const Bytes transcript = crypto::kme_transcript(kImsi, kImei14, p.nonce, p.kme);
  EXPECT_TRUE(crypto::verify(kind.algorithm, f.profile_.signature.public_key, transcript, *response.signature));
  const Bytes with_check_digit = crypto::kme_transcript(kImsi, kImei15, p.nonce, p.kme);
  EXPECT_FALSE(crypto::verify(kind.algorithm, f.profile_.signature.public_key, with_check_digit, *response.signature));
  const Bytes other_kme = crypto::kme_transcript(kImsi, kImei14, p.nonce, take(crypto::random_secret(32)));
  EXPECT_FALSE(crypto::verify(kind.algorithm, f.profile_.signature.public_key, other_kme, *response.signature));
  f.accept();
  ASSERT_NE(f.ue_.mobile_equipment().kmes().committed(), nullptr);
  EXPECT_EQ(f.ue_.mobile_equipment().kmes().committed()->version, 3u);
}

INSTANTIATE_TEST_SUITE_P(
    Devices, UeKmeProcedure2Test,
    ::testing::Values(DeviceKind{crypto::EciesProfile::kA, crypto::SignatureAlgorithm::kEd25519,
                                 nas::SignatureAlgorithm::kEd25519},
                      DeviceKind{crypto::EciesProfile::kB, crypto::SignatureAlgorithm::kEcdsaP256Sha256,
                                 nas::SignatureAlgorithm::kEcdsaP256}));

TEST_F(UeKmeTest, DeviceAuthenticationAnswersWithTheStoredKmeOrRejectsAnUnknownVersion) {
  const SecretBytes kme = attach_with_kme(1);
  attach_until_secure();  // a later attach: the network challenges the stored KME
  nas::KmeNonce nonce{};
  nonce[0] = 0x5a;
  UeOutput out = feed(net_.kme_transport(nas::DeviceAuthenticationRequest{nonce, 1}));
  const auto response = std::get<nas::DeviceAuthenticationResponse>(net_.receive_kme(only_pdu(out)));
  EXPECT_EQ(Bytes(response.rsp.begin(), response.rsp.end()), rsp_of(kme, nonce));
  EXPECT_EQ(out.find(UeEventKind::kDeviceAuthenticated)->kme_version, 1u);

  UeOutput unknown = feed(net_.kme_transport(nas::DeviceAuthenticationRequest{nonce, 2}));
  EXPECT_EQ(std::get<nas::DeviceAuthenticationReject>(net_.receive_kme(only_pdu(unknown))).cause,
            nas::DeviceAuthenticationRejectCause::kNoKme);
  EXPECT_TRUE(unknown.has(UeEventKind::kDeviceAuthenticationRejected));
  accept();
  EXPECT_EQ(committed()->version, 1u);
}

TEST_F(UeKmeTest, DeviceAuthenticationAlsoWorksWhenRegistered) {
  const SecretBytes kme = attach_with_kme(1);
  nas::KmeNonce nonce{};
  const auto response = challenge(1, nonce);
  EXPECT_EQ(Bytes(response.rsp.begin(), response.rsp.end()), rsp_of(kme, nonce));
}

TEST_F(UeKmeTest, RenewalReplacesTheCommittedKmeOnlyAfterTheCommit) {
  const SecretBytes old_kme = attach_with_kme(1);
  attach_until_secure();
  auto p = net_.provisioning(nas::KmeProcedure::kNotSharedWithCnn, 2);
  provision(p.command);
  EXPECT_EQ(committed()->version, 1u) << "the old KME stays until the commit";
  EXPECT_EQ(pending()->version, 2u);
  nas::KmeNonce nonce{};
  const auto response = challenge(1, nonce);
  EXPECT_EQ(Bytes(response.rsp.begin(), response.rsp.end()), rsp_of(old_kme, nonce));
  // (a challenge of the committed version drops the pending one: the network holds version 1)
  EXPECT_EQ(pending(), nullptr);
  provision(net_.provisioning(nas::KmeProcedure::kNotSharedWithCnn, 2).command);
  accept();
  EXPECT_EQ(committed()->version, 2u);
  EXPECT_EQ(pending(), nullptr);
}

TEST_F(UeKmeTest, PayloadForAnotherImeiIsRefusedWithCause2) {
  attach_until_secure();
  auto p = net_.provisioning(nas::KmeProcedure::kNotSharedWithCnn, 1, "356938035643809");
  EXPECT_EQ(rejected(p.command), nas::KmeProvisioningRejectCause::kImeiMismatch);
  EXPECT_EQ(pending(), nullptr);
  accept();
  EXPECT_EQ(committed(), nullptr);
}

TEST_F(UeKmeTest, TamperedEciesOutputIsRefusedWithCause1) {
  attach_until_secure();
  auto p = net_.provisioning(nas::KmeProcedure::kSharedWithCnn, 1);
  for (std::size_t i : {std::size_t{0}, std::size_t{40}, p.command.ecies_scheme_output.size() - 1}) {
    nas::KmeProvisioningCommand tampered = p.command;
    tampered.ecies_scheme_output[i] ^= 0x04;
    EXPECT_EQ(rejected(tampered), nas::KmeProvisioningRejectCause::kDecryptionFailed) << "octet " << i;
  }
  nas::KmeProvisioningCommand truncated = p.command;
  truncated.ecies_scheme_output.resize(20);
  EXPECT_EQ(rejected(truncated), nas::KmeProvisioningRejectCause::kDecryptionFailed);
  EXPECT_EQ(pending(), nullptr);
}

TEST_F(UeKmeTest, PayloadForAnotherDeviceKeyIsRefusedWithCause1) {
  attach_until_secure();
  UeProfile other = test_profile();
  TestNetwork other_net(other);
  EXPECT_EQ(rejected(other_net.provisioning(nas::KmeProcedure::kSharedWithCnn, 1).command),
            nas::KmeProvisioningRejectCause::kDecryptionFailed);
}

TEST_F(UeKmeTest, CommandDisagreeingWithItsPayloadIsRefusedWithCause4) {
  attach_until_secure();
  auto p = net_.provisioning(nas::KmeProcedure::kSharedWithCnn, 5);
  nas::KmeProvisioningCommand other_version = p.command;
  other_version.kme_version = 6;
  EXPECT_EQ(rejected(other_version), nas::KmeProvisioningRejectCause::kMalformed);
  // Procedure 2 payload announced as procedure 1 (with a Nonce so the container decodes).
  auto p2 = net_.provisioning(nas::KmeProcedure::kNotSharedWithCnn, 5);
  nas::KmeProvisioningCommand relabelled = p2.command;
  relabelled.procedure = nas::KmeProcedure::kSharedWithCnn;
  relabelled.nonce = p2.nonce;
  EXPECT_EQ(rejected(relabelled), nas::KmeProvisioningRejectCause::kMalformed);
  EXPECT_EQ(pending(), nullptr);
}

TEST_F(UeKmeTest, OldVersionIsRefusedSoACommandCannotBeReplayedToRollTheKmeBack) {
  attach_with_kme(2);
  attach_until_secure();
  auto replayed = net_.provisioning(nas::KmeProcedure::kSharedWithCnn, 2);
  EXPECT_EQ(rejected(replayed.command), nas::KmeProvisioningRejectCause::kVersionNotNewer);
  auto older = net_.provisioning(nas::KmeProcedure::kSharedWithCnn, 1);
  auto reply = provision(older.command);
  const auto& reject = std::get<nas::KmeProvisioningReject>(reply);
  EXPECT_EQ(reject.cause, nas::KmeProvisioningRejectCause::kVersionNotNewer);
  EXPECT_EQ(reject.committed_kme_version, std::optional<std::uint32_t>(2));  // for the operator
  EXPECT_EQ(committed()->version, 2u);
  EXPECT_EQ(pending(), nullptr);
}

TEST_F(UeKmeTest, OtherProfileOrUnknownProcedureIsRefusedWithCause3) {
  attach_until_secure();
  auto p = net_.provisioning(nas::KmeProcedure::kSharedWithCnn, 1);
  nas::KmeProvisioningCommand profile_b = p.command;
  profile_b.ecies_profile = nas::EciesProfile::kProfileB;  // the device has a profile A key
  EXPECT_EQ(rejected(profile_b), nas::KmeProvisioningRejectCause::kUnsupportedProfileOrProcedure);
  nas::KmeProvisioningCommand unknown_profile = p.command;
  unknown_profile.ecies_profile = static_cast<nas::EciesProfile>(9);
  EXPECT_EQ(rejected(unknown_profile), nas::KmeProvisioningRejectCause::kUnsupportedProfileOrProcedure);
}

TEST_F(UeKmeTest, UndecodableContainersAreRejectedByTheirMessageType) {
  attach_until_secure();
  auto send_raw = [this](Bytes container) {
    nas::DownlinkGenericNasTransport t;
    t.generic_message_container = nas::Octets{std::move(container)};
    return feed(net_.protect(t));
  };
  UeOutput command = send_raw(Bytes{0x01, 0x01, 0x01, 0x00, 0x01, 0x01});  // procedure only
  EXPECT_EQ(std::get<nas::KmeProvisioningReject>(net_.receive_kme(only_pdu(command))).cause,
            nas::KmeProvisioningRejectCause::kMalformed);
  UeOutput request = send_raw(Bytes{0x04, 0x01});  // no Nonce, no version
  EXPECT_EQ(std::get<nas::DeviceAuthenticationReject>(net_.receive_kme(only_pdu(request))).cause,
            nas::DeviceAuthenticationRejectCause::kOther);
  UeOutput uplink_type = send_raw(Bytes{0x05, 0x01});
  EXPECT_TRUE(uplink_type.send.empty());
  EXPECT_TRUE(uplink_type.has(UeEventKind::kDiscarded));
}

TEST_F(UeKmeTest, OtherContainerTypesAreDiscarded) {
  attach_until_secure();
  auto p = net_.provisioning(nas::KmeProcedure::kSharedWithCnn, 1);
  nas::DownlinkGenericNasTransport t;
  t.generic_message_container_type = nas::GenericMessageContainerType::kLpp;
  t.generic_message_container = nas::Octets{take(nas::encode_kme(p.command))};
  UeOutput out = feed(net_.protect(t));
  EXPECT_TRUE(out.send.empty());
  EXPECT_EQ(pending(), nullptr);
}

TEST_F(UeKmeTest, PlainKmeCommandIsDiscardedEvenBeforeSecurity) {
  start();
  auto p = net_.provisioning(nas::KmeProcedure::kSharedWithCnn, 1);
  nas::DownlinkGenericNasTransport t;
  t.generic_message_container = nas::Octets{take(nas::encode_kme(p.command))};
  UeOutput out = feed(net_.send(t));
  EXPECT_TRUE(out.send.empty());
  EXPECT_TRUE(out.has(UeEventKind::kDiscarded));
  EXPECT_EQ(pending(), nullptr);
}

TEST_F(UeKmeTest, ProvisioningOutsideAnAttachIsDiscarded) {
  attach_with_kme(1);
  UeOutput out = feed(net_.kme_transport(net_.provisioning(nas::KmeProcedure::kSharedWithCnn, 2).command));
  EXPECT_TRUE(out.send.empty());
  EXPECT_TRUE(out.has(UeEventKind::kDiscarded));
  EXPECT_EQ(pending(), nullptr);
}

TEST_F(UeKmeTest, PendingKmeIsNotCommittedWhenTheAttachIsRejected) {
  const SecretBytes old_kme = attach_with_kme(1);
  attach_until_secure();
  provision(net_.provisioning(nas::KmeProcedure::kNotSharedWithCnn, 2).command);
  nas::AttachReject reject;
  reject.emm_cause = nas::EmmCause::kIllegalMe;  // e.g. the HSS refused the confirm
  UeOutput out = feed(net_.protect(reject));
  ASSERT_TRUE(out.has(UeEventKind::kAttachRejected));
  EXPECT_EQ(committed()->version, 1u);
  EXPECT_TRUE(committed()->kme == old_kme);
  // The next attach without any KME procedure commits nothing either.
  attach_until_secure();
  UeOutput accepted = accept();
  EXPECT_FALSE(accepted.find(UeEventKind::kAttached)->kme_version);
  EXPECT_EQ(committed()->version, 1u);
}

TEST_F(UeKmeTest, PendingKmeOfALostAttachAcceptIsCommittedWhenTheNetworkChallengesIt) {
  attach_until_secure();
  auto p = net_.provisioning(nas::KmeProcedure::kNotSharedWithCnn, 1);
  provision(p.command);
  // The HSS stored version 1 but the Attach accept never arrived: T3410 aborts the attempt.
  ue_.on_timer(*ue_.next_deadline());
  EXPECT_EQ(committed(), nullptr);
  UeOutput retry = ue_.on_timer(*ue_.next_deadline());  // T3411: next attempt
  pti_ = pti_of(as<nas::AttachRequest>(net_.receive(only_pdu(retry))));
  authenticate();
  secure();
  nas::KmeNonce nonce{};
  nonce[15] = 1;
  const auto response = challenge(1, nonce);
  EXPECT_EQ(Bytes(response.rsp.begin(), response.rsp.end()), rsp_of(p.kme, nonce));
  UeOutput accepted = accept();
  EXPECT_EQ(accepted.find(UeEventKind::kAttached)->kme_version, 1u);
  EXPECT_EQ(committed()->version, 1u);
}

TEST_F(UeKmeTest, EventsAndDescriptionsCarryNoSecret) {
  attach_until_secure();
  auto p = net_.provisioning(nas::KmeProcedure::kSharedWithCnn, 1);
  UeOutput out;
  provision(p.command, &out);
  UeOutput accepted = accept();
  for (const UeOutput* o : {&out, &accepted}) {
    for (const UeEvent& e : o->events) {
      const std::string text = e.describe();
      EXPECT_EQ(text.find(p.kme.reveal_hex()), std::string::npos);
      EXPECT_EQ(text.find(to_hex(rsp_of(p.kme, p.nonce))), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace kmebind::ue::testing
