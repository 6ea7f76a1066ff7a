// NAS messages replayed, modified or malformed on the UE–CNN link during a KME attach
// (DESIGN.md §6; TS 24.301 §4.4.3.2, §4.4.4.3, §7). Per src/cnn/README.md the CNN discards such
// uplink PDUs silently once NAS security is up, and recovers through its retransmission timer
// (the KME guard, T3460's value and rule); the UE discards downlink PDUs that fail the integrity
// check. The attach still completes with exactly one KME stored.
#include "sim_test_support.h"

namespace kmebind::sim::testing {
namespace {

class NasThreatTest : public SimTest {
 protected:
  // Calls `act` with each protected uplink PDU (1-based count) before delivery.
  void on_protected_uplink(std::function<bool(int count, Bytes& pdu)> act) {
    recorder_->on_nas = [this, act = std::move(act)](cnn::UeId, Bytes& pdu, bool uplink) {
      if (!uplink) return true;
      auto h = nas::peek_header(pdu);
      if (!h || h->security_header_type == nas::SecurityHeaderType::kPlain) return true;
      return act(++protected_uplinks_, pdu);
    };
  }
  std::size_t count_label(std::string_view label) const {
    std::size_t n = 0;
    for (const auto& l : recorder_->timeline()) n += l == label;
    return n;
  }
  void expect_single_kme_version_1(const ue::UeProfile& p, UeIndex i) {
    EXPECT_EQ(count_requests(p.imsi, kUlr), 1u);
    const auto stored = stored_kme(p);
    ASSERT_TRUE(stored.has_value());
    EXPECT_EQ(stored->version, 1u);
    ASSERT_NE(device_kme(i), nullptr);
    EXPECT_EQ(device_kme(i)->kme, stored->kme);
    const auto audit = take(store_->list_audit(store::AuditQuery{.imsi = p.imsi}));
    std::size_t stores = 0;
    for (const auto& e : audit) stores += e.action == "kme-store";
    EXPECT_EQ(stores, 1u);
  }

  int protected_uplinks_ = 0;  // injected protected PDUs are counted too
};

TEST_F(NasThreatTest, ReplayedUplinkPdusAreDiscardedAndTheAttachCompletes) {
  const ue::UeProfile p = profile(1);
  const UeIndex i = add_ue(p, only_procedure(2));
  // Protected uplinks: 1 Security mode complete, 2 KME Provisioning Response, 3 Attach complete.
  Bytes security_mode_complete;
  on_protected_uplink([&](int n, Bytes& pdu) {
    if (n == 1) security_mode_complete = pdu;
    if (n == 2) {
      // Queued behind the original: the response twice, and the older Security mode complete.
      net_->inject_nas(i, pdu, true);
      net_->inject_nas(i, security_mode_complete, true);
    }
    return true;
  });
  const AttachOutcome o = attach(i);
  ASSERT_TRUE(o.attached) << trace(o);
  EXPECT_EQ(o.kme_version, 1u);
  const cnn::CnnStats stats = net_->cnn().stats();
  EXPECT_EQ(stats.nas_discarded, 2u);
  EXPECT_EQ(stats.retransmissions, 0u);
  // The recorder, holding the same keys, cannot accept the copies either (NAS COUNT).
  std::size_t unreadable = 0;
  for (const NasRecord& r : recorder_->nas()) unreadable += r.uplink && !r.message;
  EXPECT_EQ(unreadable, 2u) << recorder_->dump();
  expect_single_kme_version_1(p, i);
}

TEST_F(NasThreatTest, ReplayedDownlinkKmeCommandIsDiscardedByTheUe) {
  const ue::UeProfile p = profile(1);
  const UeIndex i = add_ue(p, only_procedure(2));
  Bytes command;
  bool replayed = false;
  recorder_->on_nas = [&](cnn::UeId, Bytes& pdu, bool uplink) {
    auto h = nas::peek_header(pdu);
    const bool is_protected = h && h->security_header_type != nas::SecurityHeaderType::kPlain;
    // The second protected downlink after the Security mode command is the KME command.
    if (!uplink && is_protected && h->security_header_type == nas::SecurityHeaderType::kIntegrityProtectedCiphered &&
        command.empty()) {
      command = pdu;
    } else if (uplink && !command.empty() && !replayed) {
      replayed = true;  // the UE's response: send the command again behind it
      net_->inject_nas(i, command, false);
    }
    return true;
  };
  const std::uint64_t discarded_before = net_->ue(i).counters().discarded;
  const AttachOutcome o = attach(i);
  ASSERT_TRUE(o.attached) << trace(o);
  ASSERT_TRUE(replayed);
  EXPECT_EQ(net_->ue(i).counters().discarded, discarded_before + 1);
  EXPECT_EQ(count_label("UL KME Provisioning Response"), 1u) << recorder_->dump();
  expect_single_kme_version_1(p, i);
}

TEST_F(NasThreatTest, ModifiedUplinkPduIsDiscardedAndTheKmeGuardRetransmissionRecovers) {
  const ue::UeProfile p = profile(1);
  const UeIndex i = add_ue(p, only_procedure(2));
  on_protected_uplink([&](int n, Bytes& pdu) {
    if (n == 2) pdu[pdu.size() - 1] ^= 0x01;  // one bit of the KME Provisioning Response
    return true;
  });
  const AttachOutcome o = attach(i);
  ASSERT_TRUE(o.attached) << trace(o);
  const cnn::CnnStats stats = net_->cnn().stats();
  EXPECT_EQ(stats.nas_discarded, 1u);
  EXPECT_EQ(stats.retransmissions, 1u);
  // The command went out twice, the second time one KME guard period later.
  std::vector<std::int64_t> commands;
  for (const NasRecord& r : recorder_->nas()) {
    if (r.as_kme<nas::KmeProvisioningCommand>()) commands.push_back(r.at_ms);
  }
  ASSERT_EQ(commands.size(), 2u) << recorder_->dump();
  EXPECT_GE(commands[1] - commands[0], cnn_config().kme_guard_ms);
  EXPECT_EQ(count_label("UL KME Provisioning Response"), 1u) << "the modified one was unreadable";
  expect_single_kme_version_1(p, i);
}

TEST_F(NasThreatTest, ModifiedDownlinkPduIsDiscardedByTheUeAndRetransmitted) {
  const ue::UeProfile p = profile(1);
  const UeIndex i = add_ue(p, only_procedure(1));
  bool modified = false;
  recorder_->on_nas = [&](cnn::UeId, Bytes& pdu, bool uplink) {
    auto h = nas::peek_header(pdu);
    // The first ciphered downlink is the KME Provisioning Command.
    if (!uplink && !modified && h && h->security_header_type == nas::SecurityHeaderType::kIntegrityProtectedCiphered) {
      modified = true;
      pdu[8] ^= 0x04;
    }
    return true;
  };
  const std::uint64_t discarded_before = net_->ue(i).counters().discarded;
  const AttachOutcome o = attach(i);
  ASSERT_TRUE(o.attached) << trace(o);
  EXPECT_EQ(net_->ue(i).counters().discarded, discarded_before + 1);
  EXPECT_EQ(net_->cnn().stats().retransmissions, 1u);
  expect_single_kme_version_1(p, i);
}

TEST_F(NasThreatTest, ModifiedUplinkEveryTimeEndsTheProcedureAfterTheFifthExpiry) {
  // Every KME Provisioning Response is modified: the CNN retransmits 4 times, and the 5th
  // expiry aborts the attach (src/cnn/README.md "Retransmission"); nothing is stored. The UE
  // gives up on T3410 (15 s) first and reports an aborted attempt.
  const ue::UeProfile p = profile(1);
  const UeIndex i = add_ue(p, only_procedure(2));
  const StoreSnapshot before = snapshot(*store_);
  on_protected_uplink([&](int n, Bytes& pdu) {
    if (n >= 2) pdu[pdu.size() - 1] ^= 0x01;
    return true;
  });
  const AttachOutcome o = attach(i);
  EXPECT_FALSE(o.attached) << trace(o);
  EXPECT_FALSE(o.reject_cause.has_value());
  EXPECT_EQ(count_requests(p.imsi, kUlr), 0u);
  EXPECT_EQ(snapshot(*store_), before);
  EXPECT_GE(net_->cnn().stats().nas_discarded, 1u);
  // Let the CNN's timers run out: it aborts after the 5th expiry and releases the UE.
  for (int k = 0; k < 10 && net_->cnn().next_deadline(); ++k) {
    net_->advance(std::max<std::int64_t>(0, *net_->cnn().next_deadline() - net_->now_ms()));
    net_->cnn().on_timer(net_->now_ms());
  }
  const cnn::CnnStats stats = net_->cnn().stats();
  EXPECT_EQ(stats.procedure_timeouts, 1u);
  EXPECT_EQ(stats.retransmissions, cnn_config().max_retransmissions);
  EXPECT_EQ(net_->cnn().ue_count(), 0u);
  EXPECT_EQ(snapshot(*store_), before);
}

TEST_F(NasThreatTest, MalformedUplinkPdusDuringTheAttachAreDiscarded) {
  const ue::UeProfile p = profile(1);
  const UeIndex i = add_ue(p, only_procedure(2));
  on_protected_uplink([&](int n, Bytes&) {
    if (n == 1) {
      // After the Security mode complete: garbage of several shapes.
      net_->inject_nas(i, Bytes{}, true);
      net_->inject_nas(i, Bytes{0x27}, true);                                   // truncated header
      net_->inject_nas(i, Bytes{0x27, 0, 0, 0, 0, 0x05}, true);                 // no message
      net_->inject_nas(i, Bytes{0x0f, 0x41}, true);                             // unknown PD
      net_->inject_nas(i, Bytes{0x07, 0x69, 0x81, 0x00}, true);                 // plain, truncated
      net_->inject_nas(i, Bytes(300, 0xa5), true);                              // noise
    }
    return true;
  });
  const AttachOutcome o = attach(i);
  ASSERT_TRUE(o.attached) << trace(o);
  EXPECT_EQ(net_->cnn().stats().nas_discarded, 6u);
  expect_single_kme_version_1(p, i);
}

}  // namespace
}  // namespace kmebind::sim::testing
