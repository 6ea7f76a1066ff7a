// Every S6a message through encode → wire octets → freeDiameter parse → decode, and the coding
// details a peer relies on (E bit, Experimental-Result, TBCD MSISDN, flags, codes).
#include <gtest/gtest.h>

#include "codec_fixture.h"

namespace kmebind::diameter {
namespace {

using namespace testing;

s6a::AuthenticationInformationRequest sample_air() {
  s6a::AuthenticationInformationRequest air;
  air.imsi = "001010123456789";
  air.visited_plmn_id = {0x00, 0xF1, 0x10};
  air.number_of_vectors = 2;
  air.resync = s6a::ResyncInfo{pattern(16, 1), pattern(14, 0x40)};
  return air;
}

s6a::EutranVector sample_vector(std::uint8_t seed) {
  return s6a::EutranVector{pattern(16, seed), pattern(8, seed + 1), pattern(16, seed + 2),
                           SecretBytes(pattern(32, seed + 3))};
}

s6a::UpdateLocationRequest sample_ulr() {
  s6a::UpdateLocationRequest ulr;
  ulr.imsi = "001010123456789";
  ulr.visited_plmn_id = {0x00, 0xF1, 0x10};
  ulr.terminal = s6a::TerminalInformation{"35693803564380", "01"};
  s6a::KmeConfirm c;
  c.procedure = s6a::KmeProcedure::kHiddenFromCnn;
  c.kme_version = 3;
  c.cookie = pattern(93, 7);
  c.signature_algorithm = 2;
  c.signature = pattern(71, 9);
  ulr.kme_confirm = std::move(c);
  return ulr;
}

void expect_same(const s6a::EutranVector& a, const s6a::EutranVector& b) {
  EXPECT_EQ(a.rand, b.rand);
  EXPECT_EQ(a.xres, b.xres);
  EXPECT_EQ(a.autn, b.autn);
  EXPECT_TRUE(a.kasme == b.kasme);
}

TEST(S6aCodec, AirRoundTripWithResynchronization) {
  in_child([] {
    auto m = new_request(dict().air);
    ASSERT_TRUE(append_request(dict(), sample_air(), m.get()));
    auto got = decode_air(dict(), wire(m.get()).get());
    ASSERT_TRUE(got) << got.error().message;
    EXPECT_EQ(got->imsi, "001010123456789");
    EXPECT_EQ(got->visited_plmn_id, (Bytes{0x00, 0xF1, 0x10}));
    EXPECT_EQ(got->number_of_vectors, 2u);
    ASSERT_TRUE(got->resync);
    EXPECT_EQ(got->resync->rand, pattern(16, 1));
    EXPECT_EQ(got->resync->auts, pattern(14, 0x40));
  });
}

TEST(S6aCodec, AirWithoutResynchronization) {
  in_child([] {
    auto air = sample_air();
    air.resync.reset();
    air.number_of_vectors = 1;
    auto m = new_request(dict().air);
    ASSERT_TRUE(append_request(dict(), air, m.get()));
    auto got = decode_air(dict(), wire(m.get()).get());
    ASSERT_TRUE(got) << got.error().message;
    EXPECT_FALSE(got->resync);
    EXPECT_EQ(got->number_of_vectors, 1u);
  });
}

TEST(S6aCodec, AirEncoderRefusesResyncOfWrongSizes) {
  in_child([] {
    auto air = sample_air();
    air.resync->auts.pop_back();
    auto m = new_request(dict().air);
    auto st = append_request(dict(), air, m.get());
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().code(), Code::kInvalidArgument);
  });
}

TEST(S6aCodec, AirHeaderIsS6aProxiableRequest) {
  in_child([] {
    auto m = new_request(dict().air);
    ASSERT_TRUE(append_request(dict(), sample_air(), m.get()));
    Bytes octets = to_wire(m.get());
    ASSERT_GE(octets.size(), 20u);
    EXPECT_EQ(octets[0], 1);                          // version
    EXPECT_EQ(octets[4], 0xC0);                       // R, P
    EXPECT_EQ((octets[5] << 16) | (octets[6] << 8) | octets[7], 318);
    EXPECT_EQ((std::uint32_t(octets[8]) << 24) | (octets[9] << 16) | (octets[10] << 8) | octets[11],
              16777251u);
  });
}

TEST(S6aCodec, AiaRoundTripWithVectorsAndBindingRequirement) {
  in_child([] {
    s6a::AuthenticationInformationAnswer aia;
    aia.vectors.push_back(sample_vector(1));
    aia.vectors.push_back(sample_vector(50));
    aia.binding = s6a::BindingRequirement::kKmeRequired;
    auto m = new_answer(dict().air);
    ASSERT_TRUE(append_answer(dict(), aia, m.get()));
    auto got = decode_aia(dict(), wire(m.get()).get());
    ASSERT_TRUE(got) << got.error().message;
    EXPECT_EQ(got->result, s6a::kSuccess);
    ASSERT_EQ(got->vectors.size(), 2u);
    expect_same(got->vectors[0], aia.vectors[0]);
    expect_same(got->vectors[1], aia.vectors[1]);
    EXPECT_EQ(got->binding, s6a::BindingRequirement::kKmeRequired);
  });
}

TEST(S6aCodec, AiaWithoutBindingAvpMeansNone) {
  in_child([] {
    s6a::AuthenticationInformationAnswer aia;
    aia.vectors.push_back(sample_vector(1));
    auto m = new_answer(dict().air);
    ASSERT_TRUE(append_answer(dict(), aia, m.get()));
    EXPECT_EQ(find(m.get(), dict().kme_binding_requirement), nullptr);  // standard AIA
    auto got = decode_aia(dict(), wire(m.get()).get());
    ASSERT_TRUE(got);
    EXPECT_EQ(got->binding, s6a::BindingRequirement::kNone);
  });
}

TEST(S6aCodec, AirCarriesKmePrefetchProceduresOnlyWhenAsked) {
  in_child([] {
    s6a::AuthenticationInformationRequest air = sample_air();
    auto plain = new_request(dict().air);
    ASSERT_TRUE(append_request(dict(), air, plain.get()));
    EXPECT_EQ(find(plain.get(), dict().kme_supported_procedures), nullptr);  // standard AIR
    auto got = decode_air(dict(), wire(plain.get()).get());
    ASSERT_TRUE(got) << got.error().message;
    EXPECT_EQ(got->kme_prefetch_procedures, 0);

    air.kme_prefetch_procedures = 0x02;
    auto asked = new_request(dict().air);
    ASSERT_TRUE(append_request(dict(), air, asked.get()));
    got = decode_air(dict(), wire(asked.get()).get());
    ASSERT_TRUE(got) << got.error().message;
    EXPECT_EQ(got->kme_prefetch_procedures, 0x02);
  });
}

TEST(S6aCodec, AiaRoundTripWithKmePrefetchOfEachKind) {
  in_child([] {
    s6a::KmeProvisioning p;
    p.procedure = s6a::KmeProcedure::kHiddenFromCnn;
    p.ecies_profile = 1;
    p.kme_version = 3;
    p.encrypted_payload = pattern(140, 3);
    p.cookie = pattern(93, 4);
    p.xrsp = pattern(16, 5);
    s6a::AuthenticationInformationAnswer aia;
    aia.vectors.push_back(sample_vector(1));
    aia.binding = s6a::BindingRequirement::kKmeRequired;
    aia.kme_prefetch =
        std::make_shared<s6a::KmePrefetch>(s6a::KmePrefetch{"35693803564380", std::move(p)});
    auto m = new_answer(dict().air);
    ASSERT_TRUE(append_answer(dict(), aia, m.get()));
    auto got = decode_aia(dict(), wire(m.get()).get());
    ASSERT_TRUE(got) << got.error().message;
    ASSERT_EQ(got->vectors.size(), 1u);
    EXPECT_EQ(got->binding, s6a::BindingRequirement::kKmeRequired);
    ASSERT_NE(got->kme_prefetch, nullptr);
    EXPECT_EQ(got->kme_prefetch->imei, "35693803564380");
    const auto* q = std::get_if<s6a::KmeProvisioning>(&got->kme_prefetch->action);
    ASSERT_NE(q, nullptr);
    EXPECT_EQ(q->kme_version, 3u);
    EXPECT_EQ(q->encrypted_payload, pattern(140, 3));
    EXPECT_EQ(q->cookie, pattern(93, 4));
    EXPECT_EQ(q->xrsp, pattern(16, 5));

    aia.kme_prefetch = std::make_shared<s6a::KmePrefetch>(s6a::KmePrefetch{
        "35693803564380", s6a::DeviceChallenge{4, pattern(16, 1), pattern(16, 2), pattern(61, 3)}});
    auto c = new_answer(dict().air);
    ASSERT_TRUE(append_answer(dict(), aia, c.get()));
    got = decode_aia(dict(), wire(c.get()).get());
    ASSERT_TRUE(got) << got.error().message;
    ASSERT_NE(got->kme_prefetch, nullptr);
    const auto* ch = std::get_if<s6a::DeviceChallenge>(&got->kme_prefetch->action);
    ASSERT_NE(ch, nullptr);
    EXPECT_EQ(ch->kme_version, 4u);
    EXPECT_EQ(ch->challenge_token, pattern(61, 3));

    aia.kme_prefetch.reset();
    auto none = new_answer(dict().air);
    ASSERT_TRUE(append_answer(dict(), aia, none.get()));
    EXPECT_EQ(find(none.get(), dict().kme_prefetch), nullptr);
    got = decode_aia(dict(), wire(none.get()).get());
    ASSERT_TRUE(got);
    EXPECT_EQ(got->kme_prefetch, nullptr);
  });
}

TEST(S6aCodec, VendorResultTravelsAsExperimentalResult) {
  in_child([] {
    for (s6a::ResultCode rc : {s6a::kErrorUserUnknown, s6a::kErrorBindingViolation,
                               s6a::kErrorKmeVersionConflict}) {
      s6a::AuthenticationInformationAnswer aia;
      aia.result = rc;
      auto m = new_answer(dict().air);
      ASSERT_TRUE(append_answer(dict(), aia, m.get()));
      EXPECT_EQ(find(m.get(), dict().result_code), nullptr);
      EXPECT_NE(find(m.get(), dict().experimental_result), nullptr);
      auto got = decode_aia(dict(), wire(m.get()).get());
      ASSERT_TRUE(got);
      EXPECT_EQ(got->result, rc);
    }
  });
}

TEST(S6aCodec, ProtocolErrorSetsEBitAndCarriesOnlyTheResult) {
  in_child([] {
    s6a::KmeAnswer kma;
    kma.result = s6a::kTooBusy;
    kma.action = s6a::DeviceChallenge{1, pattern(16, 1), pattern(16, 2), pattern(61, 3)};
    auto m = new_answer(dict().kmr);
    ASSERT_TRUE(append_answer(dict(), kma, m.get()));
    EXPECT_TRUE(detail::has_error_bit(m.get()));
    EXPECT_EQ(find(m.get(), dict().kme_device_challenge), nullptr);
    EXPECT_EQ(find(m.get(), dict().auth_session_state), nullptr);
    auto got = decode_kma(dict(), wire(m.get()).get());
    ASSERT_TRUE(got);
    EXPECT_EQ(got->result, s6a::kTooBusy);
    EXPECT_TRUE(std::holds_alternative<std::monostate>(got->action));
  });
}

TEST(S6aCodec, UlrRoundTripWithTerminalInformationAndProcedure2Confirm) {
  in_child([] {
    auto m = new_request(dict().ulr);
    ASSERT_TRUE(append_request(dict(), sample_ulr(), m.get()));
    auto got = decode_ulr(dict(), wire(m.get()).get());
    ASSERT_TRUE(got) << got.error().message;
    EXPECT_EQ(got->imsi, "001010123456789");
    EXPECT_EQ(got->rat_type, 1004u);
    EXPECT_EQ(got->ulr_flags, 0x22u);
    ASSERT_TRUE(got->terminal);
    EXPECT_EQ(got->terminal->imei, "35693803564380");
    EXPECT_EQ(got->terminal->software_version, "01");
    ASSERT_TRUE(got->kme_confirm);
    EXPECT_EQ(got->kme_confirm->procedure, s6a::KmeProcedure::kHiddenFromCnn);
    EXPECT_EQ(got->kme_confirm->kme_version, 3u);
    EXPECT_EQ(got->kme_confirm->cookie, pattern(93, 7));
    EXPECT_EQ(got->kme_confirm->signature_algorithm, 2);
    EXPECT_EQ(got->kme_confirm->signature, pattern(71, 9));
    EXPECT_TRUE(got->kme_confirm->kme.empty());
  });
}

TEST(S6aCodec, UlrRoundTripWithDeviceProof) {
  in_child([] {
    auto ulr = sample_ulr();
    ulr.kme_confirm.reset();
    ulr.device_proof = s6a::DeviceProof{5, pattern(61, 0x30), pattern(16, 0x40)};
    auto m = new_request(dict().ulr);
    ASSERT_TRUE(append_request(dict(), ulr, m.get()));
    EXPECT_EQ(find(m.get(), dict().kme_confirm), nullptr);
    auto got = decode_ulr(dict(), wire(m.get()).get());
    ASSERT_TRUE(got) << got.error().message;
    EXPECT_FALSE(got->kme_confirm);
    ASSERT_TRUE(got->device_proof);
    EXPECT_EQ(got->device_proof->kme_version, 5u);
    EXPECT_EQ(got->device_proof->challenge_token, pattern(61, 0x30));
    EXPECT_EQ(got->device_proof->rsp, pattern(16, 0x40));
  });
}

TEST(S6aCodec, UlrRoundTripWithProcedure1ConfirmCarriesKmeAndItsCookie) {
  in_child([] {
    auto ulr = sample_ulr();
    ulr.kme_confirm->procedure = s6a::KmeProcedure::kSharedWithCnn;
    ulr.kme_confirm->kme = SecretBytes(pattern(32, 0xA0));
    ulr.kme_confirm->cookie = pattern(93, 0x61);
    auto m = new_request(dict().ulr);
    ASSERT_TRUE(append_request(dict(), ulr, m.get()));
    EXPECT_NE(find(find(m.get(), dict().kme_confirm), dict().kme_cookie), nullptr);
    auto got = decode_ulr(dict(), wire(m.get()).get());
    ASSERT_TRUE(got) << got.error().message;
    ASSERT_TRUE(got->kme_confirm);
    EXPECT_TRUE(got->kme_confirm->kme == SecretBytes(pattern(32, 0xA0)));
    EXPECT_EQ(got->kme_confirm->cookie, pattern(93, 0x61));
    EXPECT_TRUE(got->kme_confirm->signature.empty());
  });
}

// The Cookie of a procedure-1 confirm is optional on the wire (the HSS refuses a confirm without
// one: docs/protocol.md §2): without it, no Cookie AVP, and the decoder takes the group.
TEST(S6aCodec, UlrRoundTripWithProcedure1ConfirmWithoutCookie) {
  in_child([] {
    auto ulr = sample_ulr();
    ulr.kme_confirm->procedure = s6a::KmeProcedure::kSharedWithCnn;
    ulr.kme_confirm->kme = SecretBytes(pattern(32, 0xA0));
    ulr.kme_confirm->cookie.clear();
    auto m = new_request(dict().ulr);
    ASSERT_TRUE(append_request(dict(), ulr, m.get()));
    EXPECT_EQ(find(find(m.get(), dict().kme_confirm), dict().kme_cookie), nullptr);
    auto got = decode_ulr(dict(), wire(m.get()).get());
    ASSERT_TRUE(got) << got.error().message;
    ASSERT_TRUE(got->kme_confirm);
    EXPECT_TRUE(got->kme_confirm->cookie.empty());
  });
}

TEST(S6aCodec, MinimalUlrWithoutOptionalGroups) {
  in_child([] {
    auto ulr = sample_ulr();
    ulr.terminal.reset();
    ulr.kme_confirm.reset();
    auto m = new_request(dict().ulr);
    ASSERT_TRUE(append_request(dict(), ulr, m.get()));
    auto got = decode_ulr(dict(), wire(m.get()).get());
    ASSERT_TRUE(got) << got.error().message;
    EXPECT_FALSE(got->terminal);
    EXPECT_FALSE(got->kme_confirm);
  });
}

TEST(S6aCodec, UlaRoundTripWithSubscriptionDataAndStoredVersion) {
  in_child([] {
    s6a::UpdateLocationAnswer ula;
    ula.msisdn = "4915123456789";
    ula.kme_version_stored = 3;
    auto m = new_answer(dict().ulr);
    ASSERT_TRUE(append_answer(dict(), ula, m.get()));
    struct avp* sub = find(m.get(), dict().subscription_data);
    ASSERT_NE(sub, nullptr);
    EXPECT_NE(find(sub, dict().subscriber_status), nullptr);
    EXPECT_NE(find(sub, dict().network_access_mode), nullptr);
    auto got = decode_ula(dict(), wire(m.get()).get());
    ASSERT_TRUE(got) << got.error().message;
    EXPECT_EQ(got->result, s6a::kSuccess);
    EXPECT_EQ(got->ula_flags, 1u);
    EXPECT_EQ(got->msisdn, "4915123456789");
    EXPECT_EQ(got->kme_version_stored, 3u);
  });
}

TEST(S6aCodec, UlaRefusalCarriesNoSubscriptionData) {
  in_child([] {
    s6a::UpdateLocationAnswer ula;
    ula.result = s6a::kErrorBindingViolation;
    ula.msisdn = "4915123456789";
    auto m = new_answer(dict().ulr);
    ASSERT_TRUE(append_answer(dict(), ula, m.get()));
    EXPECT_EQ(find(m.get(), dict().subscription_data), nullptr);
    auto got = decode_ula(dict(), wire(m.get()).get());
    ASSERT_TRUE(got);
    EXPECT_EQ(got->result, s6a::kErrorBindingViolation);
    EXPECT_TRUE(got->msisdn.empty());
    EXPECT_FALSE(got->kme_version_stored);
  });
}

TEST(S6aCodec, KmrRoundTrip) {
  in_child([] {
    s6a::KmeRequest kmr{"001010123456789", "35693803564380", 0x02};
    auto m = new_request(dict().kmr);
    ASSERT_TRUE(append_request(dict(), kmr, m.get()));
    Bytes octets = to_wire(m.get());
    EXPECT_EQ((octets[5] << 16) | (octets[6] << 8) | octets[7], 16777214);
    auto got = decode_kmr(dict(), wire(m.get()).get());
    ASSERT_TRUE(got) << got.error().message;
    EXPECT_EQ(got->imsi, kmr.imsi);
    EXPECT_EQ(got->imei, kmr.imei);
    EXPECT_EQ(got->supported_procedures, 0x02);
  });
}

TEST(S6aCodec, KmaRoundTripProvisioningProcedure1) {
  in_child([] {
    s6a::KmeProvisioning p;
    p.procedure = s6a::KmeProcedure::kSharedWithCnn;
    p.ecies_profile = 2;
    p.kme_version = 1;
    p.encrypted_payload = pattern(120, 3);
    p.kme = SecretBytes(pattern(32, 0x55));
    p.cookie = pattern(93, 0x62);  // procedure 1's Cookie (docs/protocol.md §2)
    s6a::KmeAnswer kma{s6a::kSuccess, std::move(p)};
    auto m = new_answer(dict().kmr);
    ASSERT_TRUE(append_answer(dict(), kma, m.get()));
    auto got = decode_kma(dict(), wire(m.get()).get());
    ASSERT_TRUE(got) << got.error().message;
    const auto* q = std::get_if<s6a::KmeProvisioning>(&got->action);
    ASSERT_NE(q, nullptr);
    EXPECT_EQ(q->procedure, s6a::KmeProcedure::kSharedWithCnn);
    EXPECT_EQ(q->ecies_profile, 2);
    EXPECT_EQ(q->kme_version, 1u);
    EXPECT_EQ(q->encrypted_payload, pattern(120, 3));
    EXPECT_TRUE(q->kme == SecretBytes(pattern(32, 0x55)));
    EXPECT_EQ(q->cookie, pattern(93, 0x62));
    EXPECT_TRUE(q->xrsp.empty());
  });
}

TEST(S6aCodec, KmaRoundTripProvisioningProcedure2HasNoKme) {
  in_child([] {
    s6a::KmeProvisioning p;
    p.procedure = s6a::KmeProcedure::kHiddenFromCnn;
    p.ecies_profile = 1;
    p.kme_version = 7;
    p.encrypted_payload = pattern(140, 3);
    p.cookie = pattern(93, 4);
    p.xrsp = pattern(16, 5);
    s6a::KmeAnswer kma{s6a::kSuccess, std::move(p)};
    auto m = new_answer(dict().kmr);
    ASSERT_TRUE(append_answer(dict(), kma, m.get()));
    EXPECT_EQ(find(find(m.get(), dict().kme_provisioning), dict().kme), nullptr);
    auto got = decode_kma(dict(), wire(m.get()).get());
    ASSERT_TRUE(got) << got.error().message;
    const auto* q = std::get_if<s6a::KmeProvisioning>(&got->action);
    ASSERT_NE(q, nullptr);
    EXPECT_EQ(q->cookie, pattern(93, 4));
    EXPECT_EQ(q->xrsp, pattern(16, 5));
    EXPECT_TRUE(q->kme.empty());
  });
}

TEST(S6aCodec, KmaRoundTripDeviceChallengeAndResultOnly) {
  in_child([] {
    s6a::KmeAnswer kma{s6a::kSuccess,
                       s6a::DeviceChallenge{4, pattern(16, 1), pattern(16, 2), pattern(61, 3)}};
    auto m = new_answer(dict().kmr);
    ASSERT_TRUE(append_answer(dict(), kma, m.get()));
    auto got = decode_kma(dict(), wire(m.get()).get());
    ASSERT_TRUE(got) << got.error().message;
    const auto* c = std::get_if<s6a::DeviceChallenge>(&got->action);
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->kme_version, 4u);
    EXPECT_EQ(c->nonce, pattern(16, 1));
    EXPECT_EQ(c->hxrsp, pattern(16, 2));
    EXPECT_EQ(c->challenge_token, pattern(61, 3));

    s6a::KmeAnswer refusal{s6a::kErrorNoDeviceKey, {}};
    auto r = new_answer(dict().kmr);
    ASSERT_TRUE(append_answer(dict(), refusal, r.get()));
    auto got2 = decode_kma(dict(), wire(r.get()).get());
    ASSERT_TRUE(got2);
    EXPECT_EQ(got2->result, s6a::kErrorNoDeviceKey);
    EXPECT_TRUE(std::holds_alternative<std::monostate>(got2->action));
  });
}

TEST(S6aCodec, AvpFlagsFollowTheSpecsAndKmeAvpsAreNotMandatory) {
  in_child([] {
    const S6aDictionary& d = dict();
    for (const AvpDef* def : {&d.kme, &d.kme_confirm, &d.kme_binding_requirement,
                              &d.kme_stored_version, &d.kme_device_proof, &d.kme_challenge_token,
                              &d.kme_rsp, &d.kme_hxrsp, &d.kme_prefetch, &d.rat_type}) {
      dict_avp_data data{};
      ASSERT_EQ(fd_dict_getval(def->model, &data), 0);
      EXPECT_EQ(data.avp_vendor, def == &d.rat_type ? 10415u : 32473u) << def->name;
      EXPECT_EQ(data.avp_flag_val, AVP_FLAG_VENDOR) << def->name;  // M must not
    }
    for (const AvpDef* def : {&d.rand, &d.kasme, &d.visited_plmn_id, &d.msisdn, &d.eutran_vector}) {
      dict_avp_data data{};
      ASSERT_EQ(fd_dict_getval(def->model, &data), 0);
      EXPECT_EQ(data.avp_vendor, 10415u) << def->name;
      EXPECT_EQ(data.avp_flag_val, AVP_FLAG_VENDOR | AVP_FLAG_MANDATORY) << def->name;
    }
  });
}

TEST(S6aCodec, DictionaryDefinitionIsIdempotentAndCodeIsConfigurable) {
  in_child([] {
    const S6aDictionary& first = dict();
    auto again = define_s6a_dictionary(first.dict);
    ASSERT_TRUE(again) << again.error().what();
    EXPECT_EQ(again->rand.model, first.rand.model);
    EXPECT_FALSE(define_s6a_dictionary(first.dict, DictionaryOptions{318}));
  });
  in_child([] {
    fd_g_debug_lvl = FD_LOG_FATAL;
    ASSERT_EQ(fd_core_initialize(), 0);
    auto d = define_s6a_dictionary(fd_g_config->cnf_dict, DictionaryOptions{16777215});
    ASSERT_TRUE(d) << d.error().what();
    EXPECT_EQ(d->kme_command_code, 16777215u);
    auto m = new_request(d->kmr);
    Bytes octets = to_wire(m.get());
    EXPECT_EQ((octets[5] << 16) | (octets[6] << 8) | octets[7], 16777215);
  });
}

TEST(S6aCodec, WipeZeroesKasmeAndKmeInPlace) {
  in_child([] {
    s6a::AuthenticationInformationAnswer aia;
    aia.vectors.push_back(sample_vector(1));
    auto m = new_answer(dict().air);
    ASSERT_TRUE(append_answer(dict(), aia, m.get()));
    auto parsed = wire(m.get());
    wipe_secret_avps(dict(), parsed.get());
    struct avp* v = find(find(parsed.get(), dict().authentication_info), dict().eutran_vector);
    avp_hdr* h = nullptr;
    ASSERT_EQ(fd_msg_avp_hdr(find(v, dict().kasme), &h), 0);
    EXPECT_EQ(Bytes(h->avp_value->os.data, h->avp_value->os.data + h->avp_value->os.len), Bytes(32, 0));
    ASSERT_EQ(fd_msg_avp_hdr(find(v, dict().rand), &h), 0);
    EXPECT_EQ(Bytes(h->avp_value->os.data, h->avp_value->os.data + 16), pattern(16, 1));
  });
}

TEST(Tbcd, MsisdnCodingFollowsTs29329) {
  auto odd = encode_tbcd_msisdn("4915123456789");
  ASSERT_TRUE(odd);
  EXPECT_EQ(to_hex(*odd), "945121436587f9");  // 49 15 12 34 56 78 9F, nibbles swapped
  auto even = encode_tbcd_msisdn("12");
  ASSERT_TRUE(even);
  EXPECT_EQ(to_hex(*even), "21");
  EXPECT_EQ(decode_tbcd_msisdn(*odd).value_or(""), "4915123456789");
  EXPECT_EQ(decode_tbcd_msisdn(*even).value_or(""), "12");
}

TEST(Tbcd, RejectsNonDigitsFillersInsideAndEmptyValues) {
  EXPECT_FALSE(encode_tbcd_msisdn(""));
  EXPECT_FALSE(encode_tbcd_msisdn("12a4"));
  EXPECT_FALSE(encode_tbcd_msisdn("1234567890123456"));
  EXPECT_FALSE(decode_tbcd_msisdn(Bytes{}));
  EXPECT_FALSE(decode_tbcd_msisdn(Bytes{0xFF}));        // filler only
  EXPECT_FALSE(decode_tbcd_msisdn(Bytes{0x1F, 0x32}));  // filler before the end
  EXPECT_FALSE(decode_tbcd_msisdn(Bytes{0xA1}));        // nibble above 9
  EXPECT_FALSE(decode_tbcd_msisdn(Bytes(9, 0x11)));     // 18 digits
}

}  // namespace
}  // namespace kmebind::diameter
