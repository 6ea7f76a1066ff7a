// A benchmark-only copy of sim::InProcessNetwork's delivery loop (src/sim/in_process_network.h)
// that also meters each core: the thread CPU time spent inside the UE core, the CNN core and
// each HSS operation, and the NAS octets of the KME exchange. One attach at a time, no timers:
// an attach that needs a retransmission or a timeout is reported as stuck (a benchmark run has
// no loss). Every PDU is the real encoded NAS PDU the cores produced; the HSS runs on its real
// store.
//
// CPU is read with clock_gettime(CLOCK_THREAD_CPUTIME_ID) around each core call (≈ 0.2-0.5 µs
// per read, two reads per call, ~20 calls per attach: < 2 % of an attach).
//
// Not thread-safe; the UE is borrowed for the call.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include "cnn/cnn.h"
#include "hss/hss.h"
#include "ue/ue.h"

namespace kmebind::bench {

// Thread CPU time in nanoseconds.
std::int64_t thread_cpu_ns();

// What one attach cost and carried.
struct AttachMeter {
  bool attached = false;
  std::uint8_t kme_procedure = 0;  // 1 or 2 when the CNN reported a provisioned KME
  bool device_authenticated = false;
  std::string failure;  // empty on success

  std::int64_t ue_ns = 0;   // every Ue::start_attach / on_nas call
  std::int64_t cnn_ns = 0;  // every Cnn::on_nas / on_s6a_answer call
  std::int64_t hss_air_ns = 0;
  std::int64_t hss_kmr_ns = 0;
  std::int64_t hss_ulr_ns = 0;
  std::int64_t hss_ns() const { return hss_air_ns + hss_kmr_ns + hss_ulr_ns; }

  // The UE's handling of the KME Provisioning Command: the Ue::on_nas call whose output carries
  // the kKmeProvisioned event (NAS unprotect, ECIES decrypt, Rsp, signature, NAS protect).
  std::int64_t ue_kme_ns = 0;
  // NAS PDUs of the KME exchange as they cross the link (security header, MAC, ciphered
  // Generic NAS transport with the KME container): the Downlink PDU carrying the KME
  // Provisioning Command and the Uplink PDU carrying the KME Provisioning Response.
  std::size_t kme_downlink_octets = 0;
  std::size_t kme_uplink_octets = 0;
  std::size_t nas_octets = 0;  // every NAS PDU of the attach, both directions
  std::size_t nas_pdus = 0;
};

class MeteredNetwork {
 public:
  MeteredNetwork(const hss::Hss& hss, cnn::CnnConfig config, std::int64_t now_unix_s,
                 hss::LinkInfo link = {.confidential = true});

  // Runs one attach of `ue` as link id `id` until nothing is in flight.
  AttachMeter attach(ue::Ue& ue, cnn::UeId id);

  cnn::Cnn& cnn() { return cnn_; }
  std::int64_t now_unix_s() const { return now_unix_s_; }

 private:
  struct Delivery {
    enum class Kind { kUplink, kDownlink, kS6a } kind;
    Bytes pdu;
    cnn::TxnId txn = 0;
    std::optional<cnn::S6aRequest> request;
  };
  void take_ue(ue::UeOutput&& out, AttachMeter& m, bool& ended);
  void take_cnn(AttachMeter& m);
  cnn::S6aAnswer answer(const cnn::S6aRequest& request, AttachMeter& m);

  const hss::Hss* hss_;
  cnn::Cnn cnn_;
  hss::LinkInfo link_;
  std::int64_t now_unix_s_;
  std::int64_t now_ms_ = 0;
  std::deque<Delivery> queue_;
  cnn::CnnOutput scratch_;
};

}  // namespace kmebind::bench
