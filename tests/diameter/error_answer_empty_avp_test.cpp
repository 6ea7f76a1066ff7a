// The server's error answer to a request whose offending AVP is empty (found by
// fuzz/diameter_s6a_fuzz.cpp: a ULR with a zero-length User-Name). freeDiameter copies the
// offending AVP into Failed-AVP as raw octets and cannot bufferize a copy with an empty value, so
// the answer never left and the peer waited for its timeout.
#include <gtest/gtest.h>

#include <cstring>

#include "codec_fixture.h"
#include "diameter/error_answer.h"

// libfdcore's (exported, undeclared) initialisation of the AVP handles fd_msg_rescode_set uses.
extern "C" int fd_msg_init(void);

namespace kmebind::diameter {
namespace {

using namespace testing;

TEST(S6aErrorAnswer, EmptyInvalidAvpStillGivesAnAnswerThatCanBeSent) {
  in_child([] {
    const S6aDictionary& d = dict();
    fd_g_config->cnf_diamid = strdup("hss.localdomain");
    fd_g_config->cnf_diamid_len = std::strlen("hss.localdomain");
    fd_g_config->cnf_diamrlm = strdup("localdomain");
    fd_g_config->cnf_diamrlm_len = std::strlen("localdomain");
    ASSERT_EQ(fd_msg_init(), 0);

    s6a::UpdateLocationRequest ulr;
    ulr.imsi = "001010123456789";
    ulr.visited_plmn_id = {0x00, 0xF1, 0x10};
    auto m = new_request(d.ulr);
    ASSERT_TRUE(append_request(d, ulr, m.get()));
    set_octets(find(m.get(), d.user_name), Bytes{});
    MsgPtr request = wire(m.get());
    ASSERT_NE(request, nullptr);
    auto decoded = decode_ulr(d, request.get());
    ASSERT_FALSE(decoded);
    EXPECT_EQ(decoded.error().result, s6a::kInvalidAvpValue);
    ASSERT_NE(decoded.error().failed_avp, nullptr);

    struct msg* answer = request.release();
    ASSERT_EQ(detail::answer_decode_error(d, &answer, decoded.error()), 0);
    MsgPtr owned(answer);
    std::uint8_t* buffer = nullptr;
    std::size_t len = 0;
    ASSERT_EQ(fd_msg_bufferize(answer, &buffer, &len), 0);
    std::free(buffer);
    MsgPtr parsed = wire(answer);
    ASSERT_NE(parsed, nullptr);
    detail::AvpReader r(parsed.get(), "");
    EXPECT_EQ(r.u32(d.result_code).value_or(0), 5004u);
    avp_code_t failed_code = 279;
    dict_object* failed_model = nullptr;
    ASSERT_EQ(fd_dict_search(d.dict, DICT_AVP, AVP_BY_CODE, &failed_code, &failed_model, ENOENT), 0);
    auto failed = r.one(AvpDef{failed_model, 279, 0, "Failed-AVP"});
    ASSERT_TRUE(failed);
    EXPECT_NE(find(*failed, d.user_name), nullptr);  // names the AVP that was refused
  });
}

}  // namespace
}  // namespace kmebind::diameter
