// The receive guard (src/diameter/receive_guard.h) on messages as freeDiameter hands them to
// HOOK_MESSAGE_RECEIVED: split into AVPs (fd_msg_parse_buffer), not dictionary-parsed yet. Each
// test runs in a forked child, so an abort inside freeDiameter fails the test instead of the
// binary. The live daemons are tested in tests/system/malformed_{request,answer}_test.cpp.
#include "diameter/receive_guard.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "codec_fixture.h"
#include "system/raw_diameter_peer.h"

namespace kmebind::diameter {
namespace {

using namespace testing;
namespace w = kmebind::test::diameter_wire;

constexpr std::uint32_t kS6a = 16777251;
constexpr std::uint32_t k3gpp = 10415;

// An AIR (TS 29.272 §7.2.5) after `head` (its Session-Id, or what stands for it).
std::string air(const std::string& head, const std::string& tail = "") {
  return w::message(w::kCmdR | w::kCmdP, 318, kS6a,
                    head + w::avp(277, w::u32(1)) + w::avp(264, "mme.localdomain") +
                        w::avp(296, "localdomain") + w::avp(283, "localdomain") +
                        w::avp(1, "001010123456789") +
                        w::vavp(1407, std::string("\x00\xf1\x10", 3), k3gpp) +
                        w::vavp(1408, w::vavp(1410, w::u32(1), k3gpp), k3gpp) + tail,
                    7);
}

// Split into AVPs only, as on receipt (the buffer becomes the message's).
MsgPtr received(const std::string& octets) {
  auto* buffer = static_cast<std::uint8_t*>(std::malloc(octets.size()));
  std::memcpy(buffer, octets.data(), octets.size());
  struct msg* m = nullptr;
  if (fd_msg_parse_buffer(&buffer, octets.size(), &m) != 0) {
    std::free(buffer);
    return nullptr;
  }
  return MsgPtr(m);
}

std::vector<std::uint32_t> top_level_codes(struct msg* m) {
  std::vector<std::uint32_t> codes;
  void* child = nullptr;
  fd_msg_browse_internal(m, MSG_BRW_FIRST_CHILD, &child, nullptr);
  while (child != nullptr) {
    avp_hdr* h = nullptr;
    if (fd_msg_avp_hdr(static_cast<struct avp*>(child), &h) == 0) codes.push_back(h->avp_code);
    void* next = nullptr;
    fd_msg_browse_internal(child, MSG_BRW_NEXT, &next, nullptr);
    child = next;
  }
  return codes;
}

// freeDiameter's answer to the request (what its routing, dispatch and our server all call).
void expect_answer_can_be_made(MsgPtr& request) {
  struct msg* m = request.release();
  ASSERT_EQ(fd_msg_new_answer_from_req(dict().dict, &m, 0), 0);
  MsgPtr answer(m);
  struct session* s = nullptr;
  EXPECT_EQ(fd_msg_sess_get(dict().dict, answer.get(), &s, nullptr), 0);
}

TEST(ReceiveGuard, SessionIdWithVBitAndVendorZeroIsRemovedSoThatAnAnswerCanBeMade) {
  in_child([] {
    (void)dict();
    MsgPtr m = received(air(w::avp(263, "mme.localdomain;1;7", w::kAvpV | w::kAvpM, 0)));
    ASSERT_NE(m, nullptr);
    const detail::GuardResult r = detail::guard_received(m.get());
    EXPECT_EQ(r.session_ids, 1u);
    EXPECT_EQ(r.proxy_infos, 0u);
    EXPECT_EQ(top_level_codes(m.get()).front(), 277u);
    expect_answer_can_be_made(m);  // freeDiameter asserted here before the guard
  });
}

TEST(ReceiveGuard, SessionIdWithVBitAndNoValueIsRemoved) {
  in_child([] {
    (void)dict();
    MsgPtr m = received(air(w::avp(263, "", w::kAvpV | w::kAvpM, 0)));
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(detail::guard_received(m.get()).session_ids, 1u);
    expect_answer_can_be_made(m);
  });
}

TEST(ReceiveGuard, SessionIdWithNulOctetIsRemoved) {
  in_child([] {
    (void)dict();
    MsgPtr m = received(air(w::avp(263, std::string("mme.localdomain;1;\0x", 20))));
    ASSERT_NE(m, nullptr);
    const detail::GuardResult r = detail::guard_received(m.get());
    EXPECT_EQ(r.session_ids_with_nul, 1u);
    EXPECT_EQ(r.session_ids, 0u);
    struct session* s = nullptr;
    EXPECT_EQ(fd_msg_sess_get(dict().dict, m.get(), &s, nullptr), 0);  // EINVAL before
    EXPECT_EQ(s, nullptr);
  });
}

TEST(ReceiveGuard, ProxyInfoThatDoesNotParseIsRemovedSoThatAnAnswerCanBeMade) {
  in_child([] {
    (void)dict();
    const std::string bad_proxy_info =
        w::avp(284, w::avp(280, "proxy.localdomain") + w::avp(33, "st", w::kAvpM, 0, 99));
    MsgPtr m = received(air(w::avp(263, "mme.localdomain;1;7"), bad_proxy_info));
    ASSERT_NE(m, nullptr);
    const detail::GuardResult r = detail::guard_received(m.get());
    EXPECT_EQ(r.proxy_infos, 1u);
    EXPECT_EQ(r.session_ids, 0u);
    const auto codes = top_level_codes(m.get());
    EXPECT_EQ(std::count(codes.begin(), codes.end(), 284u), 0);
    expect_answer_can_be_made(m);
  });
}

TEST(ReceiveGuard, WellFormedMessageWithProxyInfoIsLeftAlone) {
  in_child([] {
    (void)dict();
    const std::string proxy_info =
        w::avp(284, w::avp(280, "proxy.localdomain") + w::avp(33, "state"));
    MsgPtr m = received(air(w::avp(263, "mme.localdomain;1;7"), proxy_info));
    ASSERT_NE(m, nullptr);
    const auto before = top_level_codes(m.get());
    const detail::GuardResult r = detail::guard_received(m.get());
    EXPECT_EQ(r.session_ids, 0u);
    EXPECT_EQ(r.session_ids_with_nul, 0u);
    EXPECT_EQ(r.proxy_infos, 0u);
    EXPECT_EQ(top_level_codes(m.get()), before);
    expect_answer_can_be_made(m);
  });
}

// Code 263 of vendor 10415 is another AVP than Session-Id: freeDiameter does not read it.
TEST(ReceiveGuard, SessionIdCodeOfAnotherVendorIsLeftAlone) {
  in_child([] {
    (void)dict();
    MsgPtr m =
        received(air(w::avp(263, "mme.localdomain;1;7") + w::vavp(263, "not a Session-Id", k3gpp)));
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(detail::guard_received(m.get()).session_ids, 0u);
    EXPECT_EQ(top_level_codes(m.get()).size(), 9u);
  });
}

// The totals behind kmebind_diameter_received_avps_removed_total{reason} (FdCore::
// receive_guard_stats): each removal counted once under its kind, a clean message not at all.
TEST(ReceiveGuard, RemovalsAreCountedPerKindInTheProcessTotals) {
  in_child([] {
    (void)dict();
    const ReceiveGuardStats before = detail::receive_guard_totals();
    const std::string bad_proxy_info =
        w::avp(284, w::avp(280, "proxy.localdomain") + w::avp(33, "st", w::kAvpM, 0, 99));
    for (int i = 0; i < 3; ++i) {
      MsgPtr m = received(air(w::avp(263, "x", w::kAvpV | w::kAvpM, 0), bad_proxy_info));
      ASSERT_NE(m, nullptr);
      (void)detail::guard_received(m.get());
    }
    MsgPtr nul = received(air(w::avp(263, std::string("mme.localdomain;1;\0x", 20))));
    ASSERT_NE(nul, nullptr);
    (void)detail::guard_received(nul.get());
    MsgPtr clean = received(air(w::avp(263, "mme.localdomain;1;7")));
    ASSERT_NE(clean, nullptr);
    (void)detail::guard_received(clean.get());
    const ReceiveGuardStats after = detail::receive_guard_totals();
    EXPECT_EQ(after.session_id_v_bit - before.session_id_v_bit, 3u);
    EXPECT_EQ(after.proxy_info - before.proxy_info, 3u);
    EXPECT_EQ(after.session_id_nul - before.session_id_nul, 1u);
  });
}

}  // namespace
}  // namespace kmebind::diameter
