// A UE under test with its hand-built network (ue_test_network.h), and the steps of an attach
// as the network drives them. Each step checks what the UE answered.
#pragma once

#include <gtest/gtest.h>

#include "ue_test_network.h"

namespace kmebind::ue::testing {

class UeFixture {
 public:
  explicit UeFixture(UeProfile profile = test_profile(), UeConfig config = test_config())
      : profile_(std::move(profile)), net_(profile_), ue_(take(make_ue(profile_, std::move(config)))) {}

  // Attach request as the network decodes it.
  nas::AttachRequest start() {
    UeOutput out = ue_.start_attach(now_);
    EXPECT_TRUE(out.has(UeEventKind::kAttachStarted));
    EXPECT_EQ(net_.header_type(only_pdu(out)), nas::SecurityHeaderType::kPlain);
    auto request = as<nas::AttachRequest>(net_.receive(only_pdu(out)));
    pti_ = pti_of(request);
    return request;
  }

  // EPS AKA with the next vector; the network keeps the KASME for the Security mode command.
  void authenticate() {
    auto v = net_.next_vector();
    UeOutput out = feed(net_.authentication_request(v, ksi_));
    ASSERT_TRUE(out.has(UeEventKind::kAuthenticated));
    const auto& response = as<nas::AuthenticationResponse>(net_.receive(only_pdu(out)));
    EXPECT_EQ(response.res.value, v.xres);
    net_.take_context(v.kasme);
  }

  // Security mode command with the UE's own capabilities; returns the Security mode complete.
  nas::SecurityModeComplete secure(bool imeisv_request = true) {
    UeOutput out = feed(net_.security_mode_command(replayed_capabilities(), imeisv_request, ksi_));
    EXPECT_TRUE(out.has(UeEventKind::kSecurityModeCompleted));
    EXPECT_EQ(net_.header_type(only_pdu(out)), nas::SecurityHeaderType::kIntegrityProtectedCipheredNewContext);
    return as<nas::SecurityModeComplete>(net_.receive(only_pdu(out)));
  }

  nas::UeSecurityCapability replayed_capabilities() const {
    return nas::UeSecurityCapability::replay_of(ue_.ue_network_capability());
  }

  // Attach accept (protected) → Attach complete.
  UeOutput accept() {
    UeOutput out = feed(net_.protect(net_.attach_accept(pti_)));
    EXPECT_EQ(net_.header_type(only_pdu(out)), nas::SecurityHeaderType::kIntegrityProtectedCiphered);
    const auto& complete = as<nas::AttachComplete>(net_.receive(only_pdu(out)));
    auto esm = take(nas::decode_nas(complete.esm_message_container.value, nas::Direction::kUplink));
    EXPECT_EQ(as<nas::ActivateDefaultEpsBearerContextAccept>(esm).eps_bearer_identity, 5);
    return out;
  }

  // Start, authenticate and secure.
  void attach_until_secure() {
    start();
    authenticate();
    secure();
  }

  UeOutput feed(ByteView pdu) { return ue_.on_nas(pdu, now_); }

  UeProfile profile_;
  TestNetwork net_;
  Ue ue_;
  std::int64_t now_ = 1'000'000;
  std::uint8_t pti_ = 0;
  std::uint8_t ksi_ = 1;
};

}  // namespace kmebind::ue::testing
