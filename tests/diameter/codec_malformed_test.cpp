// Decoders against hostile input: missing, repeated, mis-sized and out-of-range AVPs give the
// Result-Code a server answers with and name the AVP; truncated and corrupted octets never crash.
#include <random>

#include <gtest/gtest.h>

#include "codec_fixture.h"
#include "diameter/error_answer.h"
#include "diameter/kme_avps.h"

namespace kmebind::diameter {
namespace {

using namespace testing;

MsgPtr valid_air() {
  s6a::AuthenticationInformationRequest air;
  air.imsi = "001010123456789";
  air.visited_plmn_id = {0x00, 0xF1, 0x10};
  air.resync = s6a::ResyncInfo{pattern(16, 1), pattern(14, 2)};
  auto m = new_request(dict().air);
  EXPECT_TRUE(append_request(dict(), air, m.get()));
  return m;
}

MsgPtr valid_ulr(s6a::KmeProcedure procedure) {
  s6a::UpdateLocationRequest ulr;
  ulr.imsi = "001010123456789";
  ulr.visited_plmn_id = {0x00, 0xF1, 0x10};
  ulr.terminal = s6a::TerminalInformation{"35693803564380", "01"};
  s6a::KmeConfirm c;
  c.procedure = procedure;
  c.kme_version = 1;
  c.kme = SecretBytes(pattern(32, 1));
  c.cookie = pattern(93, 2);
  c.signature_algorithm = 1;
  c.signature = pattern(64, 3);
  ulr.kme_confirm = std::move(c);
  auto m = new_request(dict().ulr);
  EXPECT_TRUE(append_request(dict(), ulr, m.get()));
  return m;
}

MsgPtr valid_ulr_with_proof() {
  s6a::UpdateLocationRequest ulr;
  ulr.imsi = "001010123456789";
  ulr.visited_plmn_id = {0x00, 0xF1, 0x10};
  ulr.terminal = s6a::TerminalInformation{"35693803564380", "01"};
  ulr.device_proof = s6a::DeviceProof{2, pattern(61, 4), pattern(16, 5)};
  auto m = new_request(dict().ulr);
  EXPECT_TRUE(append_request(dict(), ulr, m.get()));
  return m;
}

MsgPtr valid_aia() {
  s6a::AuthenticationInformationAnswer aia;
  aia.vectors.push_back(
      s6a::EutranVector{pattern(16, 1), pattern(8, 2), pattern(16, 3), SecretBytes(pattern(32, 4))});
  auto m = new_answer(dict().air);
  EXPECT_TRUE(append_answer(dict(), aia, m.get()));
  return m;
}

// An AIA with KME material: procedure-2 provisioning for one IMEI.
MsgPtr valid_aia_with_prefetch() {
  s6a::KmeProvisioning p;
  p.procedure = s6a::KmeProcedure::kHiddenFromCnn;
  p.encrypted_payload = pattern(100, 1);
  p.cookie = pattern(93, 2);
  p.xrsp = pattern(16, 3);
  s6a::AuthenticationInformationAnswer aia;
  aia.vectors.push_back(s6a::EutranVector{pattern(16, 1), pattern(8, 2), pattern(16, 3),
                                          SecretBytes(pattern(32, 4))});
  aia.binding = s6a::BindingRequirement::kKmeRequired;
  aia.kme_prefetch =
      std::make_shared<s6a::KmePrefetch>(s6a::KmePrefetch{"35693803564380", std::move(p)});
  auto m = new_answer(dict().air);
  EXPECT_TRUE(append_answer(dict(), aia, m.get()));
  return m;
}

template <class Decoded>
void expect_error(const Decoded& got, s6a::ResultCode rc, const std::string& names) {
  ASSERT_FALSE(got) << "decoded although malformed; expected " << names;
  EXPECT_EQ(got.error().result, rc) << got.error().message;
  EXPECT_NE(got.error().message.find(names), std::string::npos) << got.error().message;
}

struct avp* vector_of(struct msg* m) {
  return find(find(m, dict().authentication_info), dict().eutran_vector);
}

TEST(S6aCodecMalformed, MissingMandatoryRequestAvpsAreNamed) {
  in_child([] {
    const S6aDictionary& d = dict();
    for (const AvpDef* def : {&d.user_name, &d.visited_plmn_id, &d.auth_session_state,
                              &d.requested_eutran_authentication_info}) {
      auto m = valid_air();
      drop(m.get(), *def);
      auto got = decode_air(d, wire(m.get()).get());
      expect_error(got, s6a::kMissingAvp, def->name);
      EXPECT_EQ(got.error().missing_model, def->model);
      EXPECT_EQ(got.error().failed_avp, nullptr);
    }
    auto m = valid_air();
    drop(find(m.get(), d.requested_eutran_authentication_info), d.number_of_requested_vectors);
    expect_error(decode_air(d, wire(m.get()).get()), s6a::kMissingAvp,
                 "Requested-EUTRAN-Authentication-Info/Number-Of-Requested-Vectors");
    for (const AvpDef* def : {&d.rat_type, &d.ulr_flags, &d.user_name}) {
      auto u = valid_ulr(s6a::KmeProcedure::kHiddenFromCnn);
      drop(u.get(), *def);
      expect_error(decode_ulr(d, wire(u.get()).get()), s6a::kMissingAvp, def->name);
    }
  });
}

TEST(S6aCodecMalformed, WrongLengthsAreInvalidAvpValues) {
  in_child([] {
    const S6aDictionary& d = dict();
    {
      auto m = valid_air();
      set_octets(find(m.get(), d.visited_plmn_id), pattern(2, 0));
      auto parsed = wire(m.get());
      auto got = decode_air(d, parsed.get());
      expect_error(got, s6a::kInvalidAvpValue, "Visited-PLMN-Id");
      EXPECT_NE(got.error().message.find("2 octets, expected 3"), std::string::npos);
      EXPECT_EQ(got.error().failed_avp, find(parsed.get(), d.visited_plmn_id));
    }
    {
      auto m = valid_air();
      set_octets(find(find(m.get(), d.requested_eutran_authentication_info), d.re_synchronization_info),
                 pattern(29, 0));
      expect_error(decode_air(d, wire(m.get()).get()), s6a::kInvalidAvpValue,
                   "Re-Synchronization-Info");
    }
    for (const AvpDef* def : {&d.rand, &d.autn, &d.kasme, &d.xres}) {
      for (std::size_t size : {std::size_t{0}, std::size_t{3}, std::size_t{15}, std::size_t{33}}) {
        auto m = valid_aia();
        set_octets(find(vector_of(m.get()), *def), pattern(size, 0));
        auto got = decode_aia(d, wire(m.get()).get());
        if (def == &d.xres && size >= 4 && size <= 16) {
          EXPECT_TRUE(got) << size;  // XRES may be 4..16 octets
          continue;
        }
        expect_error(got, s6a::kInvalidAvpValue, std::string("Authentication-Info/E-UTRAN-Vector/") + def->name);
      }
    }
    {
      auto u = valid_ulr(s6a::KmeProcedure::kSharedWithCnn);
      set_octets(find(find(u.get(), d.kme_confirm), d.kme), pattern(31, 0));
      expect_error(decode_ulr(d, wire(u.get()).get()), s6a::kInvalidAvpValue, "KME-Confirm/KME");
    }
  });
}

TEST(S6aCodecMalformed, IdentitiesMustBeDigitsOfTheRightLength) {
  in_child([] {
    const S6aDictionary& d = dict();
    for (const char* imsi : {"", "12345", "0010101234567890", "00101012345678a"}) {
      auto m = valid_air();
      set_octets(find(m.get(), d.user_name), as_bytes(imsi));
      expect_error(decode_air(d, wire(m.get()).get()), s6a::kInvalidAvpValue, "User-Name");
    }
    for (const char* imei : {"3569380356438", "3569380356438012", "3569380356438x"}) {
      auto u = valid_ulr(s6a::KmeProcedure::kHiddenFromCnn);
      set_octets(find(find(u.get(), d.terminal_information), d.imei), as_bytes(imei));
      expect_error(decode_ulr(d, wire(u.get()).get()), s6a::kInvalidAvpValue,
                   "Terminal-Information/IMEI");
    }
    auto u = valid_ulr(s6a::KmeProcedure::kHiddenFromCnn);
    set_octets(find(find(u.get(), d.terminal_information), d.software_version), as_bytes("1"));
    expect_error(decode_ulr(d, wire(u.get()).get()), s6a::kInvalidAvpValue, "Software-Version");
  });
}

TEST(S6aCodecMalformed, RepeatedSingleAvpIsRefused) {
  in_child([] {
    const S6aDictionary& d = dict();
    auto m = valid_air();
    ASSERT_TRUE(detail::add_string(m.get(), d.user_name, "001019999999999"));
    auto got = decode_air(d, wire(m.get()).get());
    expect_error(got, kAvpOccursTooManyTimes, "User-Name");
    EXPECT_NE(got.error().failed_avp, nullptr);

    auto a = valid_aia();
    ASSERT_TRUE(detail::add_u32(a.get(), d.result_code, 2001));
    expect_error(decode_aia(d, wire(a.get()).get()), kAvpOccursTooManyTimes, "Result-Code");
  });
}

TEST(S6aCodecMalformed, AnswersNeedExactlyOneKindOfResult) {
  in_child([] {
    const S6aDictionary& d = dict();
    auto a = valid_aia();
    drop(a.get(), d.result_code);
    expect_error(decode_aia(d, wire(a.get()).get()), s6a::kMissingAvp, "Result-Code");

    auto b = valid_aia();
    auto er = detail::add_group(b.get(), d.experimental_result);
    ASSERT_TRUE(er);
    ASSERT_TRUE(detail::add_u32(*er, d.vendor_id, 10415));
    ASSERT_TRUE(detail::add_u32(*er, d.experimental_result_code, 5001));
    expect_error(decode_aia(d, wire(b.get()).get()), s6a::kInvalidAvpValue, "Experimental-Result");

    auto c = new_answer(d.air);
    auto er2 = detail::add_group(c.get(), d.experimental_result);
    ASSERT_TRUE(er2);
    ASSERT_TRUE(detail::add_u32(*er2, d.experimental_result_code, 5001));
    expect_error(decode_aia(d, wire(c.get()).get()), s6a::kMissingAvp, "Experimental-Result/Vendor-Id");
  });
}

TEST(S6aCodecMalformed, KmeValuesOutOfRangeAreRefused) {
  in_child([] {
    const S6aDictionary& d = dict();
    {
      auto u = valid_ulr(s6a::KmeProcedure::kHiddenFromCnn);
      set_i32(find(find(u.get(), d.kme_confirm), d.kme_procedure), 3);
      expect_error(decode_ulr(d, wire(u.get()).get()), s6a::kInvalidAvpValue, "KME-Confirm/KME-Procedure");
    }
    {
      auto u = valid_ulr(s6a::KmeProcedure::kHiddenFromCnn);
      set_i32(find(find(u.get(), d.kme_confirm), d.kme_signature_algorithm), 0);
      expect_error(decode_ulr(d, wire(u.get()).get()), s6a::kInvalidAvpValue, "KME-Signature-Algorithm");
    }
    {
      auto u = valid_ulr(s6a::KmeProcedure::kHiddenFromCnn);
      drop(find(u.get(), d.kme_confirm), d.kme_cookie);
      expect_error(decode_ulr(d, wire(u.get()).get()), s6a::kMissingAvp, "KME-Confirm/KME-Cookie");
    }
    {
      auto u = valid_ulr_with_proof();
      set_octets(find(find(u.get(), d.kme_device_proof), d.kme_rsp), pattern(15, 0));
      expect_error(decode_ulr(d, wire(u.get()).get()), s6a::kInvalidAvpValue,
                   "KME-Device-Proof/KME-Rsp");
    }
    {
      auto u = valid_ulr_with_proof();
      drop(find(u.get(), d.kme_device_proof), d.kme_challenge_token);
      expect_error(decode_ulr(d, wire(u.get()).get()), s6a::kMissingAvp,
                   "KME-Device-Proof/KME-Challenge-Token");
    }
    {
      auto u = valid_ulr_with_proof();
      drop(find(u.get(), d.kme_device_proof), d.kme_version);
      expect_error(decode_ulr(d, wire(u.get()).get()), s6a::kMissingAvp,
                   "KME-Device-Proof/KME-Version");
    }
    {
      s6a::KmeAnswer kma{s6a::kSuccess,
                         s6a::DeviceChallenge{1, pattern(16, 1), pattern(16, 2), pattern(61, 3)}};
      auto m = new_answer(d.kmr);
      ASSERT_TRUE(append_answer(d, kma, m.get()));
      drop(find(m.get(), d.kme_device_challenge), d.kme_challenge_token);
      expect_error(decode_kma(d, wire(m.get()).get()), s6a::kMissingAvp,
                   "KME-Device-Challenge/KME-Challenge-Token");
    }
    {
      s6a::KmeRequest kmr{"001010123456789", "35693803564380", 3};
      auto m = new_request(d.kmr);
      ASSERT_TRUE(append_request(d, kmr, m.get()));
      set_u32(find(m.get(), d.kme_supported_procedures), 0x100);
      expect_error(decode_kmr(d, wire(m.get()).get()), s6a::kInvalidAvpValue, "KME-Supported-Procedures");
      auto n = new_request(d.kmr);
      ASSERT_TRUE(append_request(d, kmr, n.get()));
      drop(n.get(), d.terminal_information);
      expect_error(decode_kmr(d, wire(n.get()).get()), s6a::kMissingAvp, "Terminal-Information");
    }
    {
      s6a::KmeAnswer kma{s6a::kSuccess,
                         s6a::DeviceChallenge{1, pattern(16, 1), pattern(16, 2), pattern(61, 3)}};
      auto m = new_answer(d.kmr);
      ASSERT_TRUE(append_answer(d, kma, m.get()));
      s6a::KmeProvisioning p;
      p.encrypted_payload = pattern(10, 1);
      p.cookie = pattern(93, 2);
      p.xrsp = pattern(16, 3);
      ASSERT_TRUE(detail::add_kme_provisioning(m.get(), d, p));
      expect_error(decode_kma(d, wire(m.get()).get()), s6a::kInvalidAvpValue, "KME-Device-Challenge");
    }
    {
      s6a::AuthenticationInformationAnswer aia;
      aia.binding = s6a::BindingRequirement::kImeiCheck;
      auto m = new_answer(d.air);
      ASSERT_TRUE(append_answer(d, aia, m.get()));
      set_i32(find(m.get(), d.kme_binding_requirement), 7);
      expect_error(decode_aia(d, wire(m.get()).get()), s6a::kInvalidAvpValue, "KME-Binding-Requirement");
    }
    {
      auto a = valid_aia_with_prefetch();
      drop(find(a.get(), d.kme_prefetch), d.kme_provisioning);
      expect_error(decode_aia(d, wire(a.get()).get()), s6a::kMissingAvp,
                   "KME-Prefetch/KME-Provisioning");
    }
    {
      auto a = valid_aia_with_prefetch();
      ASSERT_TRUE(detail::add_kme_device_challenge(
          find(a.get(), d.kme_prefetch), d,
          s6a::DeviceChallenge{1, pattern(16, 1), pattern(16, 2), pattern(61, 3)}));
      expect_error(decode_aia(d, wire(a.get()).get()), s6a::kInvalidAvpValue,
                   "KME-Prefetch/KME-Device-Challenge");
    }
    {
      auto a = valid_aia_with_prefetch();
      drop(find(a.get(), d.kme_prefetch), d.terminal_information);
      expect_error(decode_aia(d, wire(a.get()).get()), s6a::kMissingAvp,
                   "KME-Prefetch/Terminal-Information");
    }
    {
      auto a = valid_aia_with_prefetch();
      set_octets(find(find(find(a.get(), d.kme_prefetch), d.terminal_information), d.imei),
                 Bytes{'1', '2', 'x'});
      expect_error(decode_aia(d, wire(a.get()).get()), s6a::kInvalidAvpValue,
                   "KME-Prefetch/Terminal-Information/IMEI");
    }
    {
      auto a = valid_aia_with_prefetch();
      set_octets(find(find(find(a.get(), d.kme_prefetch), d.kme_provisioning), d.kme_xrsp),
                 pattern(15, 0));
      expect_error(decode_aia(d, wire(a.get()).get()), s6a::kInvalidAvpValue,
                   "KME-Prefetch/KME-Provisioning/KME-XRsp");
    }
    {
      s6a::AuthenticationInformationRequest air;
      air.imsi = "001010123456789";
      air.visited_plmn_id = {0x00, 0xF1, 0x10};
      air.kme_prefetch_procedures = 3;
      auto m = new_request(d.air);
      ASSERT_TRUE(append_request(d, air, m.get()));
      set_u32(find(m.get(), d.kme_supported_procedures), 0x100);
      expect_error(decode_air(d, wire(m.get()).get()), s6a::kInvalidAvpValue,
                   "KME-Supported-Procedures");
    }
    {
      s6a::UpdateLocationAnswer ula;
      ula.msisdn = "4915123456789";
      auto m = new_answer(d.ulr);
      ASSERT_TRUE(append_answer(d, ula, m.get()));
      set_octets(find(find(m.get(), d.subscription_data), d.msisdn), Bytes{0x94, 0xAF});
      expect_error(decode_ula(d, wire(m.get()).get()), s6a::kInvalidAvpValue, "Subscription-Data/MSISDN");
    }
  });
}

// libfdcore's (exported, undeclared) initialisation of the AVP handles fd_msg_rescode_set uses.
extern "C" int fd_msg_init(void);

// What the server answers by itself: Result-Code, Error-Message naming the AVP, Failed-AVP.
TEST(S6aCodecMalformed, ErrorAnswerNamesTheAvpAndCarriesFailedAvp) {
  in_child([] {
    const S6aDictionary& d = dict();
    // fd_msg_rescode_set adds Origin-Host/Realm: give this core-less child an identity.
    fd_g_config->cnf_diamid = strdup("hss.localdomain");
    fd_g_config->cnf_diamid_len = std::strlen("hss.localdomain");
    fd_g_config->cnf_diamrlm = strdup("localdomain");
    fd_g_config->cnf_diamrlm_len = std::strlen("localdomain");
    ASSERT_EQ(fd_msg_init(), 0);  // what fd_core_start would do for fd_msg_rescode_set
    // Missing: Failed-AVP holds an empty example of the missing AVP.
    auto m = valid_air();
    drop(m.get(), d.user_name);
    MsgPtr request = wire(m.get());
    auto decoded = decode_air(d, request.get());
    ASSERT_FALSE(decoded);
    struct msg* answer = request.release();
    ASSERT_EQ(detail::answer_decode_error(d, &answer, decoded.error()), 0);
    MsgPtr owned(answer);
    MsgPtr parsed = wire(answer);
    detail::AvpReader r(parsed.get(), "");
    EXPECT_EQ(r.u32(d.result_code).value_or(0), 5005u);
    avp_code_t failed_code = 279, message_code = 281;
    dict_object* failed_model = nullptr;
    dict_object* message_model = nullptr;
    ASSERT_EQ(fd_dict_search(d.dict, DICT_AVP, AVP_BY_CODE, &failed_code, &failed_model, ENOENT), 0);
    ASSERT_EQ(fd_dict_search(d.dict, DICT_AVP, AVP_BY_CODE, &message_code, &message_model, ENOENT), 0);
    AvpDef failed_avp{failed_model, 279, 0, "Failed-AVP"};
    AvpDef error_message{message_model, 281, 0, "Error-Message"};
    auto text = r.octets(error_message, 1, 200);
    ASSERT_TRUE(text);
    EXPECT_EQ(detail::to_string(*text), "missing AVP User-Name");
    auto failed = r.one(failed_avp);
    ASSERT_TRUE(failed);
    EXPECT_NE(find(*failed, d.user_name), nullptr);

    // A missing group: Failed-AVP holds an empty group of that kind.
    auto g = valid_air();
    drop(g.get(), d.requested_eutran_authentication_info);
    MsgPtr request3 = wire(g.get());
    auto decoded3 = decode_air(d, request3.get());
    ASSERT_FALSE(decoded3);
    struct msg* answer3 = request3.release();
    ASSERT_EQ(detail::answer_decode_error(d, &answer3, decoded3.error()), 0);
    MsgPtr owned3(answer3);
    MsgPtr parsed3 = wire(answer3);
    ASSERT_NE(parsed3, nullptr);
    auto failed3 = detail::AvpReader(parsed3.get(), "").one(failed_avp);
    ASSERT_TRUE(failed3);
    EXPECT_NE(find(*failed3, d.requested_eutran_authentication_info), nullptr);

    // Invalid: Failed-AVP holds the offending AVP's header and length, its value zeroed by
    // freeDiameter (so a secret is never echoed).
    auto n = valid_air();
    set_octets(find(n.get(), d.visited_plmn_id), Bytes{0x00, 0xF1});
    MsgPtr request2 = wire(n.get());
    auto decoded2 = decode_air(d, request2.get());
    ASSERT_FALSE(decoded2);
    struct msg* answer2 = request2.release();
    ASSERT_EQ(detail::answer_decode_error(d, &answer2, decoded2.error()), 0);
    MsgPtr owned2(answer2);
    MsgPtr parsed2 = wire(answer2);
    detail::AvpReader r2(parsed2.get(), "");
    EXPECT_EQ(r2.u32(d.result_code).value_or(0), 5004u);
    auto failed2 = r2.one(failed_avp);
    ASSERT_TRUE(failed2);
    auto plmn = detail::AvpReader(*failed2, "").octets(d.visited_plmn_id, 0, 16);
    ASSERT_TRUE(plmn);
    EXPECT_EQ(Bytes(plmn->begin(), plmn->end()), (Bytes{0x00, 0x00}));
  });
}

// Every prefix of a valid message, with the header length patched to match, and seeded random
// corruption of octets: freeDiameter's parser and our decoders must fail cleanly, never crash.
void hammer(const Bytes& valid, std::uint32_t command, bool request) {
  const S6aDictionary& d = dict();
  auto decode_any = [&](struct msg* m) {
    if (command == kCmdAuthenticationInformation) {
      return request ? decode_air(d, m).has_value() : decode_aia(d, m).has_value();
    }
    if (command == kCmdUpdateLocation) {
      return request ? decode_ulr(d, m).has_value() : decode_ula(d, m).has_value();
    }
    return request ? decode_kmr(d, m).has_value() : decode_kma(d, m).has_value();
  };
  std::size_t decoded = 0;
  for (std::size_t len = 0; len < valid.size(); ++len) {
    Bytes cut(valid.begin(), valid.begin() + static_cast<std::ptrdiff_t>(len));
    if (len >= 4) {
      cut[1] = static_cast<std::uint8_t>(len >> 16);
      cut[2] = static_cast<std::uint8_t>(len >> 8);
      cut[3] = static_cast<std::uint8_t>(len);
    }
    if (MsgPtr m = from_wire(cut)) decoded += decode_any(m.get()) ? 1 : 0;
  }
  std::mt19937 rng(0x6b6d65);
  for (int round = 0; round < 3000; ++round) {
    Bytes bad = valid;
    int flips = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < flips; ++i) {
      bad[20 + rng() % (bad.size() - 20)] = static_cast<std::uint8_t>(rng());
    }
    if (MsgPtr m = from_wire(bad)) decoded += decode_any(m.get()) ? 1 : 0;
  }
  SUCCEED() << decoded << " mutated messages still decoded";
}

TEST(S6aCodecMalformed, TruncatedAndCorruptedOctetsNeverCrash) {
  in_child([] {
    const S6aDictionary& d = dict();
    hammer(to_wire(valid_air().get()), kCmdAuthenticationInformation, true);
    hammer(to_wire(valid_aia().get()), kCmdAuthenticationInformation, false);
    hammer(to_wire(valid_aia_with_prefetch().get()), kCmdAuthenticationInformation, false);
    hammer(to_wire(valid_ulr(s6a::KmeProcedure::kHiddenFromCnn).get()), kCmdUpdateLocation, true);
    hammer(to_wire(valid_ulr_with_proof().get()), kCmdUpdateLocation, true);
    s6a::KmeProvisioning p;
    p.procedure = s6a::KmeProcedure::kHiddenFromCnn;
    p.encrypted_payload = pattern(100, 1);
    p.cookie = pattern(93, 2);
    p.xrsp = pattern(16, 3);
    s6a::KmeAnswer kma{s6a::kSuccess, std::move(p)};
    auto m = new_answer(d.kmr);
    ASSERT_TRUE(append_answer(d, kma, m.get()));
    hammer(to_wire(m.get()), kDefaultKmeCommandCode, false);
  }, 60);
}

}  // namespace
}  // namespace kmebind::diameter
