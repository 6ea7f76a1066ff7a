// InProcessNetwork::set_cnn_output_tap: the observer of everything the CNN core outputs, also for
// UE ids the network does not know (an attacker injecting uplink PDUs under another link id),
// whose downlink PDUs and events the network itself drops. fuzz/attach_fuzz.cpp checks its
// properties through it.
#include "sim_test_support.h"

namespace kmebind::sim::testing {
namespace {

class CnnOutputTapTest : public SimTest {};

TEST_F(CnnOutputTapTest, SeesTheS6aRequestsAndEventsOfAUeIdTheNetworkDoesNotKnow) {
  const ue::UeProfile p = profile(1);
  const UeIndex i = add_ue(p, only_procedure(2));
  // An Attach request of a subscriber the HSS does not know, sent under UE id 8 (no such UE).
  ue::Ue stranger = take(ue::make_ue(profile(2), ue_config()));
  ue::UeOutput start = stranger.start_attach(net_->now_ms());
  ASSERT_EQ(start.send.size(), 1u);
  constexpr UeIndex kUnknown = 7;
  net_->inject_nas(kUnknown, std::move(start.send.front()), true);

  std::vector<cnn::UeId> s6a_ues;
  std::vector<std::pair<cnn::UeId, cnn::CnnEventKind>> events;
  net_->set_cnn_output_tap([&](const cnn::CnnOutput& out) {
    for (const cnn::S6aSend& s : out.s6a) s6a_ues.push_back(s.ue);
    for (const cnn::CnnEvent& ev : out.events) events.emplace_back(ev.ue, ev.kind);
  });
  const AttachOutcome o = attach(i);
  ASSERT_TRUE(o.attached) << trace(o);
  EXPECT_EQ(o.kme_procedure, 2);

  const cnn::UeId unknown = InProcessNetwork::ue_id(kUnknown);
  EXPECT_NE(std::find(s6a_ues.begin(), s6a_ues.end(), unknown), s6a_ues.end());
  const auto has = [&](cnn::UeId ue, cnn::CnnEventKind kind) {
    return std::find(events.begin(), events.end(), std::make_pair(ue, kind)) != events.end();
  };
  EXPECT_TRUE(has(unknown, cnn::CnnEventKind::kAttachRejected)) << "HSS: user unknown";
  EXPECT_TRUE(has(InProcessNetwork::ue_id(i), cnn::CnnEventKind::kKmeProvisioned));
  EXPECT_TRUE(has(InProcessNetwork::ue_id(i), cnn::CnnEventKind::kAttached));
  // The network's own outcome of the genuine UE is as without the tap.
  EXPECT_EQ(o.kme_version, 1u);
  EXPECT_FALSE(o.binding_violation);
}

}  // namespace
}  // namespace kmebind::sim::testing
