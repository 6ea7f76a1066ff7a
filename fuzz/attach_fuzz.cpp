// libFuzzer harness: a man in the middle on the radio link during whole attaches (TS 24.301
// §5.5.1 with the KME procedures of TR 33.868 §5.4.4.2.3.3; docs/fuzzing.md). Five devices
// (attach_fuzz_world.h: procedure 1, procedure 2, a device challenge, a renewal to KME version 2,
// an IMEI not allowed) attach at once through sim::InProcessNetwork — real Ue, Cnn and Hss cores
// on a real SQLite store, on a virtual clock — and the three the first attaches provision attach
// once more (the later attach challenges the new KME). The input is the attacker's script:
// records `gap op args…`, each acting on the NAS PDU delivered `gap` deliveries after the
// previous record's (the first counts from the first delivery; gap 0 acts on the same PDU again,
// or on the next one after a drop), in delivery order, uplink and downlink alike; every other PDU
// passes, and so does everything once the script runs out. A short input can so act on any PDU
// of the run.
//
//   op % 12  0 overwrite an octet (pos, value)   1 drop   2 flip bits (pos, mask)
//            3 truncate (len)   4 extend (n, octets)   5 replace with octets of the input (len,
//            octets)   6 replace with an earlier PDU (i)   7 send a duplicate too
//            8 replay an earlier PDU too (i, target)   9 advance the clock (which: 0.5 s … 1 h;
//            T3410, T3460, Cookie and challenge lifetimes)   10 inject a PDU of the input too
//            (target, len, octets)   11 delay (re-queue behind everything queued)
//   target % 7: device 0-4, an unknown UE id (8) or UE id 0; bit 7 flips the replay direction
//   (for 10: set = uplink).
//
// Properties (abort on violation): no crash, leak or UB; the run ends within a step bound; the CNN
// reports kKmeProvisioned / kDeviceAuthenticated / kAttached for a UE id only when its last ULR
// named the IMSI/IMEI pair of a device allowed that pair, whose ME holds exactly the KME version
// and value the HSS stores (checked when the event is emitted); after the run every KME a device
// committed is one the HSS committed for its pair (as read after each ULA), and the device
// whose pair is not allowed holds none; when no record acted (every PDU passed), the genuine
// devices attach with their procedures (those provisioned then prove their new KME version), and
// the last one is rejected with #6 (the harness's own sanity check; for the first attaches it
// applies to every input whose records all lie past them, the empty one first).
//
// The HSS draws RAND, KMEs and nonces from OpenSSL's DRBG, so PDU octets differ between runs of
// one input; the attacker's choices do not depend on them (positions are taken modulo the size).
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "attach_fuzz_world.h"

using namespace kmebind;
using namespace kmebind::fuzz::attach;

namespace {

constexpr std::size_t kMaxSteps = 20'000;  // deliveries; a run that needs more is a livelock
constexpr std::size_t kMaxHistory = 256;
constexpr std::uint8_t kIllegalMe = 6;  // TS 24.301 §9.9.3.9
const std::vector<sim::UeIndex> kEveryDevice = {kProcedure1, kProcedure2, kChallenged, kRenewal,
                                                kNotAllowed};
const std::vector<sim::UeIndex> kProvisioned = {kProcedure1, kProcedure2, kRenewal};
// Clock jumps: past T3410 (15 s), T3460 / KME guard (6 s), the challenge (60 s) and Cookie
// (300 s) lifetimes, T3402 (12 min).
constexpr std::int64_t kAdvanceMs[] = {1'000,   6'000,   15'000,    61'000,
                                       301'000, 720'000, 3'600'000, 500};

// The input, read front to back; exhausted means zeros.
class Script {
 public:
  explicit Script(ByteView data) : data_(data) {}
  std::uint8_t byte() { return pos_ < data_.size() ? data_[pos_++] : 0; }
  bool exhausted() const { return pos_ >= data_.size(); }
  Bytes take(std::size_t n) {
    n = std::min(n, data_.size() - pos_);
    Bytes out(data_.begin() + static_cast<std::ptrdiff_t>(pos_),
              data_.begin() + static_cast<std::ptrdiff_t>(pos_ + n));
    pos_ += n;
    return out;
  }

 private:
  ByteView data_;
  std::size_t pos_ = 0;
};

struct UlrSeen {
  std::string imsi;
  std::string imei;  // empty without Terminal-Information
  bool kme_confirm = false;
  bool device_proof = false;
  bool kme_event = false;  // the CNN reported a KME outcome (checked) since this ULR
};

class Run {
 public:
  explicit Run(ByteView input) : script_(input) {
    next_at_ = script_.exhausted() ? kNever : script_.byte();
    for (std::size_t d = 0; d < kDeviceCount; ++d) record_hss_kme(static_cast<Device>(d));
    sim::InProcessNetwork& net = *world_.net;
    net.set_nas_hook(
        [this](cnn::UeId ue, Bytes& pdu, bool uplink) { return on_pdu(ue, pdu, uplink); });
    net.set_cnn_output_tap([this](const cnn::CnnOutput& out) { on_cnn_output(out); });
    net.set_s6a_answer_hook([this](cnn::S6aAnswer& a) {
      ++steps_;
      // The HSS stores a KME only when it answers a ULR (TR 33.868 §5.4.4.2.3.3 step 11).
      if (!std::holds_alternative<s6a::UpdateLocationAnswer>(a)) return;
      for (std::size_t d = 0; d < kDeviceCount; ++d) record_hss_kme(static_cast<Device>(d));
    });
  }

  // The first attach of every device, then a later one (DESIGN.md §3 "afterwards") of the
  // devices the first provisioned, in which the KME it left behind — committed, or only pending
  // when an Attach accept was lost — is challenged (the later attach of the other two would
  // repeat their first). The script runs on across both.
  void run() {
    const auto first = attach(kEveryDevice);
    if (all_pass_) check_first_attaches(first);
    provisioned_ = {};
    authenticated_ = {};
    attached_ = {};
    const auto later = attach(kProvisioned);
    if (all_pass_) check_later_attaches(later);
  }

 private:
  // ---- the attacker -------------------------------------------------------------------------
  bool on_pdu(cnn::UeId ue, Bytes& pdu, bool uplink) {
    const std::size_t n = deliveries_++;
    ++steps_;
    if (history_.size() < kMaxHistory) history_.push_back({ue, uplink, pdu});
    if (trace()) {
      std::fprintf(stderr, "attach_fuzz: #%zu t=%lld ms UE %llu %s %zu octets %s\n", n,
                   static_cast<long long>(world_.net->now_ms()),
                   static_cast<unsigned long long>(ue), uplink ? "UL" : "DL", pdu.size(),
                   to_hex(ByteView(pdu).first(std::min<std::size_t>(pdu.size(), 8))).c_str());
    }
    while (next_at_ <= n && !script_.exhausted()) {
      all_pass_ = false;
      const std::uint8_t op = script_.byte() % 12;
      if (trace()) std::fprintf(stderr, "attach_fuzz:   action %u\n", op);
      const bool keep = act(op, ue, pdu, uplink);
      next_at_ = script_.exhausted() ? kNever : n + script_.byte();
      if (!keep) return false;
    }
    return true;
  }

  // One action on the PDU in delivery; false drops it.
  bool act(std::uint8_t op, cnn::UeId ue, Bytes& pdu, bool uplink) {
    switch (op) {
      case 0:
      case 2:
        if (!pdu.empty()) {
          const std::uint8_t pos = script_.byte();
          const std::uint8_t value = script_.byte();
          std::uint8_t& octet = pdu[pos % pdu.size()];
          octet = op == 0 ? value : static_cast<std::uint8_t>(octet ^ (value == 0 ? 0x01 : value));
        }
        return true;
      case 1:
        return false;
      case 3:
        if (!pdu.empty()) pdu.resize(script_.byte() % pdu.size());
        return true;
      case 4: {
        const Bytes more = script_.take(1 + script_.byte() % 64);
        pdu.insert(pdu.end(), more.begin(), more.end());
        return true;
      }
      case 5:
        pdu = script_.take(script_.byte());
        return true;
      case 6:
        pdu = earlier().pdu;
        return true;
      case 7:
        world_.net->inject_nas(index_of(ue), pdu, uplink);
        return true;
      case 8: {
        const Seen& e = earlier();
        const std::uint8_t target = script_.byte();
        world_.net->inject_nas(target_index(target), e.pdu, e.uplink != ((target & 0x80) != 0));
        return true;
      }
      case 9:
        world_.net->advance(kAdvanceMs[script_.byte() % std::size(kAdvanceMs)]);
        return true;
      case 10: {
        const std::uint8_t target = script_.byte();
        world_.net->inject_nas(target_index(target), script_.take(script_.byte()),
                               (target & 0x80) != 0);
        return true;
      }
      default:  // 11: delay behind everything queued now
        world_.net->inject_nas(index_of(ue), pdu, uplink);
        return false;
    }
  }

  // KMEBIND_ATTACH_FUZZ_TRACE=1 prints every delivery and its action (to replay one input).
  static bool trace() {
    static const bool on = std::getenv("KMEBIND_ATTACH_FUZZ_TRACE") != nullptr;
    return on;
  }

  struct Seen {
    cnn::UeId ue;
    bool uplink;
    Bytes pdu;
  };
  const Seen& earlier() { return history_[script_.byte() % history_.size()]; }
  static sim::UeIndex index_of(cnn::UeId ue) { return static_cast<sim::UeIndex>(ue - 1); }
  static sim::UeIndex target_index(std::uint8_t target) {
    switch (target % 7) {
      case 5:
        return 7;  // UE id 8: no such UE
      case 6:
        return static_cast<sim::UeIndex>(-1);  // UE id 0
      default:
        return target % 7;
    }
  }

  // ---- what the CNN concludes, checked when it says so ---------------------------------------
  void on_cnn_output(const cnn::CnnOutput& out) {
    for (const cnn::S6aSend& s : out.s6a) {
      if (const auto* ulr = std::get_if<s6a::UpdateLocationRequest>(&s.request)) {
        last_ulr_[s.ue] = UlrSeen{ulr->imsi, ulr->terminal ? ulr->terminal->imei : std::string(),
                                  ulr->kme_confirm.has_value(), ulr->device_proof.has_value()};
      }
    }
    for (const cnn::CnnEvent& ev : out.events) {
      switch (ev.kind) {
        case cnn::CnnEventKind::kKmeProvisioned:
          check_kme_event(ev, true);
          break;
        case cnn::CnnEventKind::kDeviceAuthenticated:
          check_kme_event(ev, false);
          break;
        case cnn::CnnEventKind::kAttached:
          check_attached(ev);
          break;
        default:
          break;
      }
    }
  }

  // The device whose IMSI/IMEI pair the CNN's last ULR for `ue` named; aborts when there is none
  // or it is the device whose pair is not allowed.
  Device device_of_last_ulr(cnn::UeId ue, const UlrSeen*& ulr) {
    auto it = last_ulr_.find(ue);
    KMEBIND_FUZZ_CHECK(it != last_ulr_.end() && "KME/attach event for a UE id with no ULR");
    ulr = &it->second;
    for (std::size_t d = 0; d < kDeviceCount; ++d) {
      const ue::UeProfile& p = Fixture::get().profile(static_cast<Device>(d));
      if (p.imsi == ulr->imsi && p.imei14 == ulr->imei) {
        KMEBIND_FUZZ_CHECK(d != kNotAllowed && "network accepted the pair that is not allowed");
        return static_cast<Device>(d);
      }
    }
    fuzz::fail("network accepted an IMSI/IMEI pair that is no device's", __FILE__, __LINE__);
  }

  void check_kme_event(const cnn::CnnEvent& ev, bool provisioned) {
    const UlrSeen* ulr = nullptr;
    const Device d = device_of_last_ulr(ev.ue, ulr);
    KMEBIND_FUZZ_CHECK(provisioned ? ulr->kme_confirm : ulr->device_proof);
    last_ulr_[ev.ue].kme_event = true;
    const auto stored = world_.hss_kme(d);
    KMEBIND_FUZZ_CHECK(stored.has_value() && stored->version == ev.kme_version);
    if (provisioned) KMEBIND_FUZZ_CHECK(stored->procedure == ev.kme_procedure);
    const SecretBytes* held = world_.net->ue(d).mobile_equipment().kmes().find(ev.kme_version);
    KMEBIND_FUZZ_CHECK(held != nullptr &&
                       "the device does not hold the KME version the CNN reports");
    KMEBIND_FUZZ_CHECK(*held == stored->kme && "the device holds another KME than the HSS");
    (provisioned ? provisioned_ : authenticated_)[d] = ev.kme_version;
  }

  void check_attached(const cnn::CnnEvent& ev) {
    const UlrSeen* ulr = nullptr;
    const Device d = device_of_last_ulr(ev.ue, ulr);
    KMEBIND_FUZZ_CHECK((ulr->kme_confirm || ulr->device_proof) && "attached without a KME proof");
    // The ULA of that ULR succeeded: the CNN reported its KME outcome (checked in
    // check_kme_event) after that ULR and before attaching. Not "in this phase": an Attach
    // Complete the attacker held back may finish the first attach during the later one.
    KMEBIND_FUZZ_CHECK(ulr->kme_event && "attached without a KME outcome since the last ULR");
    attached_[d] = true;
  }

  // ---- the devices against the HSS, after the run ----------------------------------------------
  void record_hss_kme(Device d) {
    auto kme = world_.hss_kme(d);
    if (!kme) return;
    for (const auto& [version, value] : hss_history_[d]) {
      if (version == kme->version && value == kme->kme) return;
    }
    hss_history_[d].emplace_back(kme->version, std::move(kme->kme));
  }

  void check_devices() {
    for (std::size_t d = 0; d < kDeviceCount; ++d) {
      const ue::KmeStore& kmes = world_.net->ue(d).mobile_equipment().kmes();
      if (d == kNotAllowed) {
        KMEBIND_FUZZ_CHECK(kmes.committed() == nullptr && kmes.pending() == nullptr);
        KMEBIND_FUZZ_CHECK(hss_history_[d].empty());
        continue;
      }
      const ue::StoredKme* c = kmes.committed();
      if (!c) continue;
      bool committed_by_hss = false;
      for (const auto& [version, value] : hss_history_[d]) {
        committed_by_hss = committed_by_hss || (version == c->version && value == c->kme);
      }
      KMEBIND_FUZZ_CHECK(committed_by_hss && "a device committed a KME the HSS never committed");
    }
  }

  // Attaches `devices` at once; the outcomes by device (those not attached stay empty).
  std::array<sim::AttachOutcome, kDeviceCount> attach(const std::vector<sim::UeIndex>& devices) {
    steps_ = 0;
    const auto outcomes = world_.net->run_attach(devices, kMaxSteps);
    std::array<sim::AttachOutcome, kDeviceCount> by_device;
    for (std::size_t i = 0; i < devices.size(); ++i) {
      const sim::AttachOutcome& o = by_device[devices[i]] = outcomes[i];
      if (trace()) {
        std::fprintf(stderr,
                     "attach_fuzz: device %zu attached=%d cause=%d kme_procedure=%u "
                     "kme_version=%u device_authenticated=%d %s\n",
                     devices[i], o.attached, o.reject_cause ? *o.reject_cause : -1, o.kme_procedure,
                     o.kme_version, o.device_authenticated, o.detail.c_str());
      }
    }
    KMEBIND_FUZZ_CHECK(steps_ < kMaxSteps && "the attaches did not end: livelock");
    check_devices();
    return by_device;
  }

  // The KME version each genuine device holds after an undisturbed first attach.
  static std::uint32_t expected_version(std::size_t d) { return d == kRenewal ? 2 : 1; }

  void check_first_attaches(const std::array<sim::AttachOutcome, kDeviceCount>& o) {
    KMEBIND_FUZZ_CHECK(o[kProcedure1].attached && o[kProcedure1].kme_procedure == 1 &&
                       o[kProcedure1].kme_version == 1 && provisioned_[kProcedure1] == 1);
    KMEBIND_FUZZ_CHECK(o[kProcedure2].attached && o[kProcedure2].kme_procedure == 2 &&
                       o[kProcedure2].kme_version == 1 && provisioned_[kProcedure2] == 1);
    KMEBIND_FUZZ_CHECK(o[kChallenged].attached && o[kChallenged].device_authenticated &&
                       o[kChallenged].kme_version == kChallengedVersion &&
                       authenticated_[kChallenged] == kChallengedVersion);
    // Both procedures allowed: the HSS chooses procedure 2 (hss/procedure_policy.h).
    KMEBIND_FUZZ_CHECK(o[kRenewal].attached && o[kRenewal].kme_procedure == 2 &&
                       o[kRenewal].kme_version == 2 && provisioned_[kRenewal] == 2);
    KMEBIND_FUZZ_CHECK(!o[kNotAllowed].attached && o[kNotAllowed].reject_cause == kIllegalMe);
    for (std::size_t d = 0; d < kNotAllowed; ++d) {
      KMEBIND_FUZZ_CHECK(attached_[d]);
      const ue::StoredKme* c = world_.net->ue(d).mobile_equipment().kmes().committed();
      KMEBIND_FUZZ_CHECK(c != nullptr && c->version == expected_version(d));
    }
  }

  // Every device provisioned by the first attach proves that KME version; nothing is provisioned.
  void check_later_attaches(const std::array<sim::AttachOutcome, kDeviceCount>& o) {
    for (sim::UeIndex d : kProvisioned) {
      KMEBIND_FUZZ_CHECK(o[d].attached && o[d].device_authenticated &&
                         o[d].kme_version == expected_version(d) && o[d].kme_procedure == 0);
      KMEBIND_FUZZ_CHECK(authenticated_[d] == expected_version(d) && provisioned_[d] == 0 &&
                         attached_[d]);
    }
  }

  World world_;
  Script script_;
  std::size_t steps_ = 0;
  std::size_t deliveries_ = 0;  // NAS PDUs delivered so far
  std::size_t next_at_ = 0;     // the delivery the next record acts on
  static constexpr std::size_t kNever = static_cast<std::size_t>(-1);
  bool all_pass_ = true;
  std::vector<Seen> history_;
  std::map<cnn::UeId, UlrSeen> last_ulr_;
  std::array<std::uint32_t, kDeviceCount> provisioned_{};  // KME version per device, this phase
  std::array<std::uint32_t, kDeviceCount> authenticated_{};
  std::array<bool, kDeviceCount> attached_{};
  std::vector<std::pair<std::uint32_t, SecretBytes>> hss_history_[kDeviceCount];
};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)Fixture::get();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Run run(fuzz::view(data, size));
  run.run();
  return 0;
}
