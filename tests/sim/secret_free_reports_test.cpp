// "Each [threat] is refused with a clear cause ... and is logged without secrets" (DESIGN.md §6):
// what the cores report about a refusal — the first CNN or UE event detail the network keeps in
// the outcome, and the HSS's event reason for the same request — names the cause and holds no
// key material, Cookie or signature, in hex or raw.
#include <algorithm>
#include <cctype>

#include "sim_test_support.h"

namespace kmebind::sim::testing {
namespace {

class SecretFreeReportTest : public SimTest {
 protected:
  void add_secret(ByteView v) {
    if (v.empty()) return;
    std::string hex = to_hex(v);
    secrets_.push_back(hex);
    std::transform(hex.begin(), hex.end(), hex.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    secrets_.push_back(hex);
    secrets_.emplace_back(v.begin(), v.end());
  }
  void add_profile(const ue::UeProfile& p) {
    add_secret(p.k.view());
    add_secret(p.opc.view());
    add_secret(p.ecies.private_key.view());
    add_secret(p.signature.private_key.view());
  }
  // Every vector, KME, Cookie and signature the recorder saw on S6a.
  void add_recorded() {
    for (const S6aRecord& r : recorder_->s6a()) {
      if (const auto* aia = r.ans<s6a::AuthenticationInformationAnswer>()) {
        for (const auto& v : aia->vectors) add_secret(v.kasme.view());
      }
      if (const auto* kma = r.ans<s6a::KmeAnswer>()) {
        if (const auto* prov = std::get_if<s6a::KmeProvisioning>(&kma->action)) {
          add_secret(prov->kme.view());
          add_secret(prov->cookie);
        }
      }
      if (const auto* ulr = r.req<s6a::UpdateLocationRequest>(); ulr && ulr->kme_confirm) {
        add_secret(ulr->kme_confirm->kme.view());
        add_secret(ulr->kme_confirm->cookie);
        add_secret(ulr->kme_confirm->signature);
      }
    }
  }
  void expect_clean(const std::string& text, std::string_view what) {
    EXPECT_FALSE(text.empty()) << what << " names no cause";
    for (const auto& s : secrets_) {
      EXPECT_EQ(text.find(s), std::string::npos) << what << " leaks a secret: " << text;
    }
  }

  std::vector<std::string> secrets_;
};

TEST_F(SecretFreeReportTest, RefusalReasonsAndDetailsCarryNoSecret) {
  add_secret(master_key().view());
  add_secret(cookie_key().view());

  // Procedure 2, forged signature: refused at the ULR.
  const ue::UeProfile p2 = profile(1);
  add_profile(p2);
  const UeIndex i2 = add_ue(p2, only_procedure(2));
  recorder_->on_request = [](cnn::S6aRequest& r) {
    if (auto* ulr = std::get_if<s6a::UpdateLocationRequest>(&r); ulr && ulr->kme_confirm) {
      ulr->kme_confirm->signature[0] ^= 0x01;
    }
    return true;
  };
  const AttachOutcome o2 = attach(i2);
  ASSERT_EQ(o2.reject_cause, kIllegalMe) << trace(o2);
  if (const auto* pending = net_->ue(i2).mobile_equipment().kmes().pending()) add_secret(pending->kme.view());

  // Procedure 1 through an HSS front-end that does not allow it: the ULR carries the KME.
  hss::HssConfig strict_config = hss_config();
  strict_config.allow_procedure1 = false;
  const hss::Hss strict = take(hss::Hss::create(*store_, ring_, strict_config));
  const ue::UeProfile p1 = profile(2);
  add_profile(p1);
  const UeIndex i1 = add_ue(p1, only_procedure(1));
  recorder_->on_request = [&](cnn::S6aRequest& r) {
    if (std::holds_alternative<s6a::UpdateLocationRequest>(r)) net_->set_hss(strict);
    return true;
  };
  const AttachOutcome o1 = attach(i1);
  net_->set_hss(*hss_);
  ASSERT_EQ(o1.reject_cause, kIllegalMe) << trace(o1);
  EXPECT_EQ(result_of_last<s6a::UpdateLocationRequest>(p1.imsi), s6a::kErrorProcedureNotAllowed);

  // Tampered ECIES output: refused by the device.
  const ue::UeProfile p3 = profile(3, true);
  add_profile(p3);
  const UeIndex i3 = add_ue(p3, only_procedure(2));
  recorder_->on_request = nullptr;
  recorder_->on_answer = [](cnn::S6aAnswer& a) {
    if (auto* kma = std::get_if<s6a::KmeAnswer>(&a)) {
      std::get<s6a::KmeProvisioning>(kma->action).encrypted_payload[40] ^= 0x10;
    }
  };
  const AttachOutcome o3 = attach(i3);
  ASSERT_EQ(o3.reject_cause, kIllegalMe) << trace(o3);
  add_recorded();
  ASSERT_GT(secrets_.size(), 30u);

  expect_clean(o2.detail, "CNN/UE detail (forged signature)");
  expect_clean(o1.detail, "CNN/UE detail (procedure 1 refused)");
  expect_clean(o3.detail, "CNN/UE detail (tampered ECIES)");

  // The HSS's reasons for the very requests it refused.
  const auto* ulr2 = recorder_->last<s6a::UpdateLocationRequest>(p2.imsi)->req<s6a::UpdateLocationRequest>();
  hss::HssEvent event;
  EXPECT_EQ(hss_->on_ulr(*ulr2, kStartUnix, {.confidential = true}, event).result, s6a::kErrorKmeConfirmFailed);
  expect_clean(event.reason, "HSS reason (forged signature)");
  const auto* ulr1 = recorder_->last<s6a::UpdateLocationRequest>(p1.imsi)->req<s6a::UpdateLocationRequest>();
  event = {};
  EXPECT_EQ(strict.on_ulr(*ulr1, kStartUnix, {.confidential = true}, event).result, s6a::kErrorProcedureNotAllowed);
  expect_clean(event.reason, "HSS reason (procedure 1 refused)");
  event = {};
  EXPECT_EQ(hss_->on_ulr(*ulr1, kStartUnix, {.confidential = false}, event).result, s6a::kErrorProcedureNotAllowed);
  expect_clean(event.reason, "HSS reason (procedure 1 on a plain link)");
}

}  // namespace
}  // namespace kmebind::sim::testing
