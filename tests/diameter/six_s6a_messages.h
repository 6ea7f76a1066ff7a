// Six S6a messages as kmebind's codec puts them on the wire, for the tshark interop tests: AIR
// (with resynchronisation), AIA (a vector, KME-Binding-Requirement), ULR (Terminal-Information,
// a procedure-2 KME-Confirm), ULA (MSISDN, KME-Stored-Version), KME-Request and a KME-Answer
// with a vendor result.
#pragma once

#include <vector>

#include "codec_fixture.h"

namespace kmebind::diameter::testing {

inline std::vector<Bytes> six_s6a_messages() {
  const S6aDictionary& d = dict();
  std::vector<Bytes> out;
  s6a::AuthenticationInformationRequest air;
  air.imsi = "001010123456789";
  air.visited_plmn_id = {0x00, 0xF1, 0x10};
  air.resync = s6a::ResyncInfo{pattern(16, 1), pattern(14, 2)};
  auto m = new_request(d.air);
  EXPECT_TRUE(append_request(d, air, m.get()));
  out.push_back(to_wire(m.get()));

  s6a::AuthenticationInformationAnswer aia;
  aia.vectors.push_back(s6a::EutranVector{pattern(16, 1), pattern(8, 2), pattern(16, 3),
                                          SecretBytes(pattern(32, 4))});
  aia.binding = s6a::BindingRequirement::kKmeRequired;
  m = new_answer(d.air);
  EXPECT_TRUE(append_answer(d, aia, m.get()));
  out.push_back(to_wire(m.get()));

  s6a::UpdateLocationRequest ulr;
  ulr.imsi = "001010123456789";
  ulr.visited_plmn_id = {0x00, 0xF1, 0x10};
  ulr.terminal = s6a::TerminalInformation{"35693803564380", "01"};
  s6a::KmeConfirm c;
  c.procedure = s6a::KmeProcedure::kHiddenFromCnn;
  c.kme_version = 2;
  c.cookie = pattern(93, 5);
  c.signature_algorithm = 1;
  c.signature = pattern(64, 6);
  ulr.kme_confirm = std::move(c);
  m = new_request(d.ulr);
  EXPECT_TRUE(append_request(d, ulr, m.get()));
  out.push_back(to_wire(m.get()));

  s6a::UpdateLocationAnswer ula;
  ula.msisdn = "4915123456789";
  ula.kme_version_stored = 2;
  m = new_answer(d.ulr);
  EXPECT_TRUE(append_answer(d, ula, m.get()));
  out.push_back(to_wire(m.get()));

  m = new_request(d.kmr);
  EXPECT_TRUE(append_request(d, s6a::KmeRequest{"001010123456789", "35693803564380", 3}, m.get()));
  out.push_back(to_wire(m.get()));

  s6a::KmeAnswer kma{s6a::kErrorBindingViolation, {}};
  m = new_answer(d.kmr);
  EXPECT_TRUE(append_answer(d, kma, m.get()));
  out.push_back(to_wire(m.get()));
  return out;
}

}  // namespace kmebind::diameter::testing
