// The three protocol cores wired together in one process (DESIGN.md §2): UEs ⇄ CNN ⇄ HSS with no
// sockets. NAS PDUs and S6a messages are delivered through FIFO queues on a virtual clock; when
// nothing is in flight the clock jumps to the earliest timer deadline of the CNN or any UE (the
// ngtcp2 examples/sim.h approach). Used by `kmebind demo`, the end-to-end tests and the
// in-process benchmarks; every byte a UE and the CNN exchange is a real encoded NAS PDU, and the
// HSS runs on a real store.
//
// Thread safety: none; one thread drives one network.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cnn/cnn.h"
#include "crypto/cookie.h"
#include "hss/hss.h"
#include "store/subscriber_store.h"
#include "ue/ue.h"

namespace kmebind::sim {

using UeIndex = std::size_t;

// What happened to one UE during one run(): its terminal result and what the network reported.
struct AttachOutcome {
  bool attached = false;
  std::optional<std::uint8_t> reject_cause;  // EMM cause of Attach reject / Authentication reject
  bool authentication_rejected = false;
  std::uint8_t kme_procedure = 0;   // 1 or 2 when a KME was provisioned (CNN kKmeProvisioned)
  std::uint32_t kme_version = 0;    // provisioned or device-authenticated version
  bool device_authenticated = false;
  bool binding_violation = false;   // the CNN reported a binding violation or failed device check
  std::string detail;               // first CNN/UE failure detail, for error reports (no secrets)
};

// Observes every PDU that crosses the NAS link (for pcap writing and tests).
struct NasTap {
  std::function<void(cnn::UeId, ByteView pdu, bool uplink, std::int64_t now_ms)> on_pdu;
};

class InProcessNetwork {
 public:
  // Borrows the HSS core (and so its store and key ring); owns the CNN. `start_unix_s` is the wall
  // clock the virtual clock's 0 corresponds to (the HSS checks Cookie expiry against it).
  InProcessNetwork(const hss::Hss& hss, cnn::CnnConfig cnn_config, std::int64_t start_unix_s,
                   hss::LinkInfo link = {.confidential = true});

  // Adds a UE; the returned index names it in run() and ue().
  UeIndex add_ue(ue::Ue ue);
  ue::Ue& ue(UeIndex index) { return ues_[index].ue; }
  // The id the CNN knows the UE by (the NAS link's UE id).
  static cnn::UeId ue_id(UeIndex index) { return static_cast<cnn::UeId>(index) + 1; }
  std::size_t ue_count() const { return ues_.size(); }

  // Starts an attach on each of `ues` at the current virtual time and runs until every one of
  // them has ended (attached, rejected, or given up after T3410 expiries) and the messages in
  // flight have been delivered, or `max_steps` deliveries. Returns one outcome per UE, in order. A UE that did not end gets detail "stuck".
  std::vector<AttachOutcome> run_attach(const std::vector<UeIndex>& ues,
                                        std::size_t max_steps = 10'000'000);

  // Moves the virtual clock forward (e.g. to let a Cookie expire between two steps).
  void advance(std::int64_t ms) { now_ms_ += ms; }
  std::int64_t now_ms() const { return now_ms_; }
  std::int64_t now_unix_s() const { return start_unix_s_ + now_ms_ / 1000; }

  void set_tap(NasTap tap) { tap_ = std::move(tap); }
  // Sees every output of the CNN core before the network acts on it — NAS PDUs, S6a requests with
  // their UE id, and the events of every UE id, known to the network or not (property checks).
  using CnnOutputTap = std::function<void(const cnn::CnnOutput&)>;
  void set_cnn_output_tap(CnnOutputTap tap) { cnn_output_tap_ = std::move(tap); }

  // Fault injection for tests (an attacker on a link, a misbehaving CNN, an HSS restart):
  // Called for every NAS PDU before delivery; may modify it; returning false drops it.
  using NasHook = std::function<bool(cnn::UeId, Bytes& pdu, bool uplink)>;
  void set_nas_hook(NasHook hook) { nas_hook_ = std::move(hook); }
  // Called for every S6a request before the HSS sees it; may modify it (a CNN substituting a
  // Cookie); returning false drops it (the CNN then runs into its S6a answer timeout).
  using S6aRequestHook = std::function<bool(cnn::S6aRequest&)>;
  void set_s6a_request_hook(S6aRequestHook hook) { s6a_request_hook_ = std::move(hook); }
  // Called for every S6a answer before the CNN sees it; may modify it.
  using S6aAnswerHook = std::function<void(cnn::S6aAnswer&)>;
  void set_s6a_answer_hook(S6aAnswerHook hook) { s6a_answer_hook_ = std::move(hook); }
  // Replaces the HSS that answers from now on (a restart, or another front-end). `hss` is
  // borrowed and must outlive its use.
  void set_hss(const hss::Hss& hss) { hss_ = &hss; }
  // Queues a PDU on the NAS link as if `ue` (uplink) or the CNN (downlink) had sent it: replays.
  void inject_nas(UeIndex ue, Bytes pdu, bool uplink);

  cnn::Cnn& cnn() { return cnn_; }
  std::uint64_t nas_pdus() const { return nas_pdus_; }
  std::uint64_t nas_octets() const { return nas_octets_; }
  std::uint64_t s6a_round_trips() const { return s6a_round_trips_; }

 private:
  struct UeSlot {
    ue::Ue ue;
    bool running = false;
    AttachOutcome outcome;
  };
  struct Delivery {
    enum class Kind { kUplink, kDownlink, kS6a } kind;
    cnn::UeId ue = 0;
    Bytes pdu;
    cnn::TxnId txn = 0;
    std::optional<cnn::S6aRequest> request;
  };

  void take_ue_output(UeIndex index, ue::UeOutput&& out);
  void take_cnn_output(cnn::CnnOutput& out);
  void deliver(Delivery& d);
  cnn::S6aAnswer answer(const cnn::S6aRequest& request);
  std::optional<std::int64_t> next_deadline() const;
  void fire_timers();

  const hss::Hss* hss_;
  cnn::Cnn cnn_;
  hss::LinkInfo link_;
  std::int64_t start_unix_s_;
  std::int64_t now_ms_ = 0;
  std::vector<UeSlot> ues_;
  std::deque<Delivery> queue_;
  cnn::CnnOutput scratch_;
  NasTap tap_;
  CnnOutputTap cnn_output_tap_;
  NasHook nas_hook_;
  S6aRequestHook s6a_request_hook_;
  S6aAnswerHook s6a_answer_hook_;
  std::uint64_t nas_pdus_ = 0;
  std::uint64_t nas_octets_ = 0;
  std::uint64_t s6a_round_trips_ = 0;
};

}  // namespace kmebind::sim
