#include "sim_runner.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <queue>
#include <random>

#include "net/event_loop.h"
#include "net/nas_client.h"
#include "net/pcap_writer.h"
#include "net/timer.h"
#include "sim_retry.h"
#include "ue/ue.h"

namespace kmebind::app {
namespace {

using Clock = std::chrono::steady_clock;

// Attaches started per loop callback when starting "all at once", so that frames arriving
// meanwhile are not held up behind tens of thousands of starts.
constexpr std::size_t kStartBatch = 256;

Clock::time_point from_ms(std::int64_t ms) {
  return Clock::time_point(std::chrono::milliseconds(ms));
}

// Where a UE with a pending outcome stands.
enum class Wait {
  kAttaching,  // attach running in the UE core (T3410, or T3411/T3402 between attempts)
  kBackoff,    // after #22: the sim's back-off (T3346 + jitter, or T3411/T3402) runs
  kLink,       // its connection is down; attaches again once it is back
};

struct Slot {
  Slot(std::size_t d, ue::Ue u, std::size_t c) : device(d), ue(std::move(u)), connection(c) {}
  std::size_t device;  // index in the device file
  ue::Ue ue;
  std::size_t connection;
  bool active = false;    // in the running phase with its outcome pending
  bool in_phase = false;  // in the running phase (outcome pending or not)
  bool affected = false;  // its link was lost during the phase
  Wait wait = Wait::kAttaching;
  std::uint32_t attempts = 0;  // §5.5.1.2.6 attempt counter for #22 without T3346
  std::size_t position = 0;    // index of its outcome in the running phase
  Clock::time_point started;
  std::optional<std::int64_t> armed;  // the UE (or back-off) deadline queued in the heap
  // hold_kme_response_ms: PDUs held back until hold_until.
  std::optional<Clock::time_point> hold_until;
  bool held_once = false;
  std::vector<Bytes> held;
};

struct HeapEntry {
  std::int64_t deadline_ms;
  std::size_t slot;
  bool operator>(const HeapEntry& o) const { return deadline_ms > o.deadline_ms; }
};

}  // namespace

std::string_view to_string(UeOutcome::Kind kind) {
  switch (kind) {
    case UeOutcome::Kind::kPending:
      return "pending";
    case UeOutcome::Kind::kAttached:
      return "attached";
    case UeOutcome::Kind::kRejected:
      return "rejected";
    case UeOutcome::Kind::kAuthenticationRejected:
      return "authentication-rejected";
    case UeOutcome::Kind::kTimeout:
      return "timeout";
    case UeOutcome::Kind::kLinkLost:
      return "link-lost";
  }
  return "pending";
}

struct SimRunner::Impl {
  SimConfig config;
  DeviceFile file;
  std::vector<Slot> slots;
  std::vector<std::optional<std::size_t>> slot_of_device;

  net::EventLoop loop;
  std::unique_ptr<net::Timer> timer;
  std::optional<Clock::time_point> timer_at;
  // One client per connection, so that a lost one can be re-established alone.
  std::vector<std::unique_ptr<net::NasClient>> clients;
  std::vector<std::uint64_t> generation;  // of clients[c]: callbacks of older ones are ignored
  std::unique_ptr<net::PcapWriter> pcap;
  std::vector<net::NasLinkEndpoints> links;
  std::vector<bool> link_down;
  std::vector<std::optional<Clock::time_point>> reconnect_at;  // a lost link's next attempt
  std::vector<std::uint32_t> reconnect_failures;
  std::mt19937_64 random{std::random_device{}()};
  bool connected = false;
  bool stopped = false;

  // The running phase (loop thread only).
  std::priority_queue<HeapEntry, std::vector<HeapEntry>, std::greater<>> heap;
  std::vector<std::size_t> phase_slots;
  std::vector<UeOutcome> outcomes;
  PhaseOptions options;
  std::size_t next_start = 0;
  Clock::time_point phase_start;
  Clock::time_point last_outcome;
  std::size_t pending = 0;
  std::size_t in_flight = 0;         // started, no outcome yet
  std::vector<std::size_t> holding;  // slots with held PDUs
  std::uint64_t connection_losses = 0, reconnects = 0;
  std::optional<Clock::time_point> first_link_loss;
  Clock::time_point last_recovered;

  // Completion and progress, read by the owner thread.
  std::mutex mutex;
  std::condition_variable cv;
  bool phase_done = false;
  std::atomic<std::size_t> started{0}, finished{0}, attached{0};
  std::atomic<std::size_t> congestion_rejects{0}, t3410_expiries{0};  // for the progress line

  // --- loop thread ---------------------------------------------------------------------------

  void send_uplink(Slot& s, const Bytes& pdu) {
    if (link_down[s.connection] || !clients[s.connection]) return;
    if (auto st =
            clients[s.connection]->send(0, static_cast<net::UeId>(&s - slots.data()) + 1, pdu);
        !st) {
      spdlog::warn("sim: cannot send a NAS PDU of device {}: {}", s.device, st.error().what());
      return;
    }
    if (pcap) {
      if (auto st =
              pcap->write_nas(pdu, true, std::chrono::system_clock::now(), links[s.connection]);
          !st) {
        spdlog::warn("sim: pcap: {}", st.error().what());
      }
    }
  }

  void finish(Slot& s, UeOutcome::Kind kind) {
    UeOutcome& o = outcomes[s.position];
    o.kind = kind;
    const auto now = Clock::now();
    o.latency_ms = std::chrono::duration<double, std::milli>(now - s.started).count();
    last_outcome = now;
    s.active = false;
    s.armed.reset();
    finished.fetch_add(1, std::memory_order_relaxed);
    if (kind == UeOutcome::Kind::kAttached) {
      attached.fetch_add(1, std::memory_order_relaxed);
      if (s.affected) last_recovered = now;
    }
    --pending;
    --in_flight;
    check_done();
  }

  void check_done() {
    if (pending != 0 || next_start < phase_slots.size()) return;
    std::lock_guard lock(mutex);
    phase_done = true;
    cv.notify_all();
  }

  void note(UeOutcome& o, const ue::UeEvent& e) {
    if (o.detail.size() < 200) {
      if (!o.detail.empty()) o.detail += "; ";
      o.detail += e.describe();
    }
  }

  void take_events(Slot& s, const ue::UeOutput& out) {
    if (!s.active) return;
    UeOutcome& o = outcomes[s.position];
    for (const ue::UeEvent& e : out.events) {
      if (!s.active) break;
      switch (e.kind) {
        case ue::UeEventKind::kKmeProvisioned:
          o.kme_procedure = e.procedure ? static_cast<std::uint8_t>(*e.procedure) : 0;
          o.kme_version = e.kme_version.value_or(0);
          break;
        case ue::UeEventKind::kDeviceAuthenticated:
          o.device_authenticated = true;
          o.kme_version = e.kme_version.value_or(0);
          break;
        case ue::UeEventKind::kAttached:
          finish(s, UeOutcome::Kind::kAttached);
          break;
        case ue::UeEventKind::kAttachStarted:
          ++o.attempts;
          break;
        case ue::UeEventKind::kAttachRejected:
          on_reject(s, o, e);
          break;
        case ue::UeEventKind::kAuthenticationRejected:
          finish(s, UeOutcome::Kind::kAuthenticationRejected);
          break;
        case ue::UeEventKind::kAttachAttemptFailed:
          // TS 24.301 §5.5.1.2.6 c): the UE core runs T3411 (or T3402) and attaches again.
          ++o.t3410_expiries;
          t3410_expiries.fetch_add(1, std::memory_order_relaxed);
          if (!config.retry.enabled) {
            note(o, e);
            finish(s, UeOutcome::Kind::kTimeout);
          }
          break;
        case ue::UeEventKind::kAuthenticationFailed:
        case ue::UeEventKind::kSecurityModeRejected:
        case ue::UeEventKind::kKmeProvisioningRejected:
        case ue::UeEventKind::kDeviceAuthenticationRejected:
        case ue::UeEventKind::kDetached:
        case ue::UeEventKind::kEmmStatusReceived:
        case ue::UeEventKind::kEmmStatusSent:
          note(o, e);
          break;
        default:
          break;
      }
    }
  }

  double uniform() { return std::uniform_real_distribution<double>(0.0, 1.0)(random); }

  // TS 24.301 §5.5.1.2.5 / §5.5.1.2.6 as sim_retry.h decides: back off, or a final outcome.
  void on_reject(Slot& s, UeOutcome& o, const ue::UeEvent& e) {
    const std::uint8_t cause = e.emm_cause ? static_cast<std::uint8_t>(*e.emm_cause) : 0;
    o.emm_cause = e.emm_cause ? std::optional<std::uint8_t>(cause) : std::nullopt;
    if (cause == 22) {
      ++o.congestion_rejects;
      congestion_rejects.fetch_add(1, std::memory_order_relaxed);
    }
    if (cause == 17) ++o.network_failure_rejects;
    const RetryDecision d =
        after_attach_reject(config.retry, cause, e.t3346_ms, s.attempts, uniform());
    if (!d.retry) {
      finish(s, UeOutcome::Kind::kRejected);
      return;
    }
    if (d.backoff_t3346) ++o.t3346_backoffs;
    s.attempts = d.attempts;
    s.wait = Wait::kBackoff;
    const std::int64_t at = net::steady_now_ms() + d.wait_ms;
    heap.push({at, static_cast<std::size_t>(&s - slots.data())});
    s.armed = at;
  }

  void take_output(std::size_t index, ue::UeOutput&& out) {
    Slot& s = slots[index];
    const bool hold = s.active && options.hold_kme_response_ms > 0 && !s.held_once &&
                      (s.hold_until.has_value() || out.has(ue::UeEventKind::kKmeProvisioned));
    if (hold) {
      if (!s.hold_until) {
        s.hold_until = Clock::now() + std::chrono::milliseconds(options.hold_kme_response_ms);
        holding.push_back(index);
        std::fprintf(
            stderr, "kmebind sim: holding the KME Provisioning Response of IMSI %s for %lld ms\n",
            s.ue.usim().imsi().c_str(), static_cast<long long>(options.hold_kme_response_ms));
        std::fflush(stderr);
      }
      for (Bytes& pdu : out.send) s.held.push_back(std::move(pdu));
    } else {
      for (const Bytes& pdu : out.send) send_uplink(s, pdu);
    }
    take_events(s, out);
    if (s.active && s.wait == Wait::kAttaching) {
      const auto deadline = s.ue.next_deadline();
      if (deadline && deadline != s.armed) heap.push({*deadline, index});
      s.armed = deadline;
    }
  }

  void on_frame(std::size_t connection, std::uint64_t gen, net::UeId id, ByteView pdu) {
    if (gen != generation[connection]) return;
    if (pcap) {
      if (auto st =
              pcap->write_nas(pdu, false, std::chrono::system_clock::now(), links[connection]);
          !st) {
        spdlog::warn("sim: pcap: {}", st.error().what());
      }
    }
    if (id == 0 || id > slots.size()) {
      spdlog::warn("sim: frame for unknown UE id {} on connection {} dropped", id, connection);
      return;
    }
    const std::size_t index = static_cast<std::size_t>(id - 1);
    take_output(index, slots[index].ue.on_nas(pdu, net::steady_now_ms()));
    rearm();
  }

  void on_disconnect(std::size_t connection, std::uint64_t gen, const Error& reason) {
    if (gen != generation[connection] || link_down[connection]) return;
    spdlog::warn("sim: connection {} to the CNN closed: {}", connection, reason.what());
    link_down[connection] = true;
    ++connection_losses;
    const auto now = Clock::now();
    if (config.retry.enabled) {
      if (!first_link_loss) first_link_loss = now;
      reconnect_failures[connection] = 0;
      reconnect_at[connection] =
          now + std::chrono::milliseconds(reconnect_delay(config.retry, 0, uniform()));
    }
    for (std::size_t i = 0; i < slots.size(); ++i) {
      Slot& s = slots[i];
      if (!s.in_phase || s.connection != connection) continue;
      UeOutcome& o = outcomes[s.position];
      if (!config.retry.enabled) {
        if (s.active) {
          o.detail = "connection closed: " + reason.message();
          finish(s, UeOutcome::Kind::kLinkLost);
        }
        continue;
      }
      if (!s.active && o.kind != UeOutcome::Kind::kAttached) continue;  // final failure stays
      if (!s.active) {
        // Attached, but the CNN that held its context is gone: attach again (pending again).
        o.kind = UeOutcome::Kind::kPending;
        s.active = true;
        ++pending;
        ++in_flight;
        finished.fetch_sub(1, std::memory_order_relaxed);
        attached.fetch_sub(1, std::memory_order_relaxed);
        s.wait = Wait::kLink;
      } else if (s.wait == Wait::kAttaching) {
        s.wait = Wait::kLink;
        s.armed.reset();
      }
      s.affected = true;
      ++o.link_losses;
    }
    rearm();
  }

  // The connections whose reconnect time has come (owner thread, through run_sync).
  std::vector<std::size_t> due_reconnects() const {
    std::vector<std::size_t> due;
    const auto now = Clock::now();
    for (std::size_t c = 0; c < reconnect_at.size(); ++c) {
      if (link_down[c] && reconnect_at[c] && *reconnect_at[c] <= now) due.push_back(c);
    }
    return due;
  }

  void reconnect_failed(std::size_t c, const Error& e) {
    spdlog::warn("sim: reconnect of connection {} failed: {}", c, e.what());
    ++reconnect_failures[c];
    reconnect_at[c] = Clock::now() + std::chrono::milliseconds(reconnect_delay(
                                         config.retry, reconnect_failures[c], uniform()));
  }

  // A re-established link: UEs waiting for it attach again.
  void link_back(std::size_t c, std::unique_ptr<net::NasClient> client) {
    std::unique_ptr<net::NasClient> old = std::move(clients[c]);
    clients[c] = std::move(client);
    links[c] = {clients[c]->local_endpoint(0), clients[c]->remote_endpoint(0)};
    link_down[c] = false;
    reconnect_at[c].reset();
    reconnect_failures[c] = 0;
    ++reconnects;
    spdlog::info("sim: connection {} to the CNN re-established", c);
    if (old) old->stop();
    for (std::size_t i = 0; i < slots.size(); ++i) {
      Slot& s = slots[i];
      if (s.active && s.connection == c && s.wait == Wait::kLink) attach_again(i);
    }
    rearm();
  }

  void attach_again(std::size_t index) {
    Slot& s = slots[index];
    s.wait = Wait::kAttaching;
    s.armed.reset();
    take_output(index, s.ue.start_attach(net::steady_now_ms()));
  }

  bool window_open() const {
    return options.max_in_flight == 0 || in_flight < options.max_in_flight;
  }

  Clock::time_point start_time(std::size_t k) const {
    if (options.rate <= 0) return phase_start;
    return phase_start + std::chrono::duration_cast<Clock::duration>(
                             std::chrono::duration<double>(static_cast<double>(k) / options.rate));
  }

  void start(std::size_t index) {
    Slot& s = slots[index];
    s.active = true;
    s.started = Clock::now();
    s.hold_until.reset();
    s.held_once = false;
    s.held.clear();
    s.wait = Wait::kAttaching;
    s.attempts = 0;
    started.fetch_add(1, std::memory_order_relaxed);
    ++in_flight;
    if (link_down[s.connection]) {
      if (config.retry.enabled) {
        s.wait = Wait::kLink;
        return;
      }
      outcomes[s.position].detail = "connection to the CNN closed";
      finish(s, UeOutcome::Kind::kLinkLost);
      return;
    }
    take_output(index, s.ue.start_attach(net::steady_now_ms()));
  }

  void on_timer() {
    timer_at.reset();
    const auto now = Clock::now();
    std::size_t batch = 0;
    while (next_start < phase_slots.size() && start_time(next_start) <= now &&
           batch < kStartBatch && window_open()) {
      start(phase_slots[next_start++]);
      ++batch;
    }
    if (next_start == phase_slots.size()) check_done();
    for (std::size_t i = 0; i < holding.size();) {
      Slot& s = slots[holding[i]];
      if (s.hold_until && *s.hold_until <= now) {
        for (const Bytes& pdu : s.held) send_uplink(s, pdu);
        s.held.clear();
        s.hold_until.reset();
        s.held_once = true;
        holding[i] = holding.back();
        holding.pop_back();
      } else {
        ++i;
      }
    }
    const std::int64_t now_ms = net::steady_now_ms();
    while (!heap.empty() && heap.top().deadline_ms <= now_ms) {
      const HeapEntry e = heap.top();
      heap.pop();
      Slot& s = slots[e.slot];
      if (!s.active || s.armed != e.deadline_ms) continue;  // stale entry
      s.armed.reset();
      if (s.wait == Wait::kBackoff) {
        if (link_down[s.connection]) {
          s.wait = Wait::kLink;
        } else {
          attach_again(e.slot);
        }
        continue;
      }
      take_output(e.slot, s.ue.on_timer(now_ms));
    }
    rearm();
  }

  void rearm() {
    std::optional<Clock::time_point> at;
    auto consider = [&](Clock::time_point t) {
      if (!at || t < *at) at = t;
    };
    if (next_start < phase_slots.size() && window_open()) consider(start_time(next_start));
    for (std::size_t i : holding) {
      if (slots[i].hold_until) consider(*slots[i].hold_until);
    }
    if (!heap.empty()) consider(from_ms(heap.top().deadline_ms));
    if (!at) return;
    if (timer_at && *timer_at <= *at) return;
    timer_at = *at;
    timer->arm_at(*at, [this] { on_timer(); });
  }

  void begin_phase(std::vector<std::size_t> indexes, const PhaseOptions& o) {
    options = o;
    phase_slots = std::move(indexes);
    outcomes.assign(phase_slots.size(), UeOutcome{});
    heap = {};
    holding.clear();
    next_start = 0;
    in_flight = 0;
    pending = phase_slots.size();
    connection_losses = 0;
    reconnects = 0;
    first_link_loss.reset();
    for (Slot& s : slots) s.in_phase = false;
    for (std::size_t k = 0; k < phase_slots.size(); ++k) {
      Slot& s = slots[phase_slots[k]];
      s.position = k;
      s.armed.reset();
      s.in_phase = true;
      s.affected = false;
    }
    phase_start = Clock::now();
    last_outcome = phase_start;
    timer_at.reset();
    check_done();
    rearm();
  }

  // Opens connection `c` anew (blocking: called on the owner's thread). Its callbacks carry the
  // next generation number, which link_back/connect make current.
  Result<std::unique_ptr<net::NasClient>> open_connection(std::size_t c) {
    net::NasClientOptions client_options;
    client_options.host = config.cnn_address;
    client_options.port = config.cnn_port;
    client_options.connections = 1;
    std::uint64_t gen = 0;
    loop.run_sync([&] { gen = ++generation[c]; });
    net::NasClientCallbacks callbacks;
    callbacks.on_frame = [this, c, gen](std::size_t, net::UeId id, ByteView pdu) {
      on_frame(c, gen, id, pdu);
    };
    callbacks.on_disconnect = [this, c, gen](std::size_t, const Error& e) {
      on_disconnect(c, gen, e);
    };
    auto client = net::NasClient::connect(loop, client_options, std::move(callbacks));
    if (!client) {
      return std::unexpected(client.error().with_context(
          "cannot reach the CNN at " + config.cnn_address + ":" + std::to_string(config.cnn_port)));
    }
    return client;
  }

  // Owner thread: re-establishes the lost links whose time has come.
  void reconnect_due() {
    std::vector<std::size_t> due;
    loop.run_sync([&] { due = due_reconnects(); });
    for (std::size_t c : due) {
      auto client = open_connection(c);
      loop.run_sync([&] {
        if (!client) {
          reconnect_failed(c, client.error());
        } else {
          link_back(c, std::move(*client));
        }
      });
    }
  }

  // Ends the phase early (timeout): what is still pending stays pending.
  void abandon_phase() {
    next_start = phase_slots.size();
    for (std::size_t index : phase_slots) {
      slots[index].active = false;
      slots[index].in_phase = false;
      slots[index].armed.reset();
    }
    for (std::size_t i : holding) slots[i].held.clear();
    holding.clear();
    heap = {};
    timer->cancel();
    timer_at.reset();
  }
};

SimRunner::SimRunner(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

SimRunner::~SimRunner() {
  stop();
}

Result<std::unique_ptr<SimRunner>> SimRunner::create(const SimConfig& config, DeviceFile file,
                                                     const std::vector<std::size_t>& devices) {
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  impl->slot_of_device.assign(file.devices.size(), std::nullopt);
  ue::UeConfig ue_config;
  ue_config.plmn = config.plmn;
  ue_config.apn = config.apn;
  ue_config.t3410_ms = config.t3410_ms;
  ue_config.t3411_ms = config.retry.t3411_ms;
  ue_config.t3402_ms = config.retry.t3402_ms;
  ue_config.max_attach_attempts = config.retry.max_attempts;
  if (auto st = ue_config.validate(); !st) return std::unexpected(st.error());
  impl->slots.reserve(devices.size());
  for (std::size_t d : devices) {
    if (d >= file.devices.size()) {
      return fail(Code::kInvalidArgument,
                  "device " + std::to_string(d) + " is not in the device file");
    }
    if (impl->slot_of_device[d]) {
      return fail(Code::kInvalidArgument, "device " + std::to_string(d) + " given twice");
    }
    const DeviceEntry& entry = file.devices[d];
    const ue::SqnArray sqn =
        entry.sqn ? ue::SqnArray(*entry.sqn, ue::kDefaultSqnDelta) : ue::SqnArray{};
    auto usim = ue::make_usim(entry.profile, sqn);
    if (!usim) return std::unexpected(usim.error().with_context("device " + std::to_string(d)));
    auto me = ue::make_mobile_equipment(entry.profile);
    if (!me) return std::unexpected(me.error().with_context("device " + std::to_string(d)));
    if (entry.kme) me->kmes().set_committed(entry.kme->version, entry.kme->kme.clone());
    auto ue = ue::Ue::create(std::move(*usim), std::move(*me), ue_config);
    if (!ue) return std::unexpected(ue.error().with_context("device " + std::to_string(d)));
    impl->slot_of_device[d] = impl->slots.size();
    impl->slots.emplace_back(d, std::move(*ue), impl->slots.size() % config.connections);
  }
  impl->file = std::move(file);
  return std::unique_ptr<SimRunner>(new SimRunner(std::move(impl)));
}

Status SimRunner::connect() {
  Impl& m = *impl_;
  if (m.connected) return {};
  if (m.stopped) return fail(Code::kNotAllowed, "the simulator was stopped");
  if (m.config.pcap_file) {
    auto pcap = net::PcapWriter::create(*m.config.pcap_file);
    if (!pcap) return std::unexpected(pcap.error());
    m.pcap = std::move(*pcap);
  }
  m.timer = std::make_unique<net::Timer>(m.loop);
  if (auto st = m.loop.start("sim"); !st) return st;
  const std::size_t n = m.config.connections;
  m.clients.resize(n);
  m.generation.assign(n, 0);
  m.links.assign(n, {});
  m.link_down.assign(n, false);
  m.reconnect_at.assign(n, std::nullopt);
  m.reconnect_failures.assign(n, 0);
  for (std::size_t c = 0; c < n; ++c) {
    auto client = m.open_connection(c);
    if (!client) {
      stop();
      return std::unexpected(client.error());
    }
    m.loop.run_sync([&] {
      m.clients[c] = std::move(*client);
      m.links[c] = {m.clients[c]->local_endpoint(0), m.clients[c]->remote_endpoint(0)};
    });
  }
  m.connected = true;
  return {};
}

Result<PhaseResult> SimRunner::run_phase(const std::vector<std::size_t>& devices,
                                         const PhaseOptions& options) {
  Impl& m = *impl_;
  if (!m.connected || m.stopped) return fail(Code::kUnavailable, "the simulator is not connected");
  std::vector<std::size_t> indexes;
  indexes.reserve(devices.size());
  std::vector<bool> seen(m.slots.size(), false);
  for (std::size_t d : devices) {
    if (d >= m.slot_of_device.size() || !m.slot_of_device[d]) {
      return fail(Code::kInvalidArgument, "device " + std::to_string(d) + " is not in this run");
    }
    const std::size_t i = *m.slot_of_device[d];
    if (seen[i])
      return fail(Code::kInvalidArgument, "device " + std::to_string(d) + " given twice");
    seen[i] = true;
    indexes.push_back(i);
  }
  {
    std::lock_guard lock(m.mutex);
    m.phase_done = false;
  }
  m.started = 0;
  m.finished = 0;
  m.attached = 0;
  m.congestion_rejects = 0;
  m.t3410_expiries = 0;
  m.loop.run_sync([&] { m.begin_phase(std::move(indexes), options); });

  const bool tty = ::isatty(2) != 0;
  const auto t0 = Clock::now();
  const auto deadline = t0 + options.timeout;
  auto next_print = t0 + std::chrono::seconds(1);
  bool printed = false;
  {
    std::unique_lock lock(m.mutex);
    while (!m.phase_done) {
      const auto wake = std::min(
          deadline, Clock::now() + std::chrono::milliseconds(m.config.retry.enabled ? 50 : 200));
      m.cv.wait_until(lock, wake, [&] { return m.phase_done; });
      if (m.phase_done) break;
      if (m.config.retry.enabled) {
        lock.unlock();
        m.reconnect_due();
        lock.lock();
        if (m.phase_done) break;
      }
      const auto now = Clock::now();
      if (options.progress && now >= next_print) {
        next_print += std::chrono::seconds(1);
        const std::size_t done = m.finished.load();
        const std::size_t att = m.attached.load();
        const double secs = std::chrono::duration<double>(now - t0).count();
        std::string retries;
        if (m.config.retry.enabled) {
          retries = ", " + std::to_string(m.congestion_rejects.load()) + " #22, " +
                    std::to_string(m.t3410_expiries.load()) + " T3410";
        }
        std::fprintf(
            stderr,
            "%skmebind sim: %s: %zu/%zu started, %zu done (%zu attached, %zu failed)%s, %.0f/s%s",
            tty ? "\r" : "", options.name.c_str(), m.started.load(), devices.size(), done, att,
            done - att, retries.c_str(), secs > 0 ? static_cast<double>(done) / secs : 0.0,
            tty ? "   " : "\n");
        std::fflush(stderr);
        printed = true;
      }
      if (now >= deadline || (options.cancel != nullptr && options.cancel->load())) break;
    }
  }
  if (printed && tty) std::fputc('\n', stderr);
  PhaseResult result;
  m.loop.run_sync([&] {
    if (m.pending > 0 || m.next_start < m.phase_slots.size()) m.abandon_phase();
    result.outcomes = m.outcomes;
    result.seconds = std::chrono::duration<double>(m.last_outcome - m.phase_start).count();
    result.connection_losses = m.connection_losses;
    result.reconnects = m.reconnects;
    if (m.first_link_loss) {
      bool all = true;
      for (std::size_t k = 0; k < m.phase_slots.size(); ++k) {
        const Slot& s = m.slots[m.phase_slots[k]];
        if (s.affected && m.outcomes[k].kind != UeOutcome::Kind::kAttached) all = false;
      }
      bool any = false;
      for (std::size_t i : m.phase_slots) any = any || m.slots[i].affected;
      if (all && any) {
        result.recovery_seconds =
            std::chrono::duration<double>(m.last_recovered - *m.first_link_loss).count();
      }
    }
  });
  return result;
}

void SimRunner::stop() {
  Impl& m = *impl_;
  if (m.stopped) return;
  m.stopped = true;
  if (m.loop.running()) {
    m.loop.run_sync([&] {
      if (m.timer) m.timer->cancel();
      for (auto& c : m.clients) {
        if (c) c->stop();
      }
    });
  }
  m.loop.stop();
  for (auto& c : m.clients) {
    if (c) c->stop();
  }
  m.clients.clear();
  m.timer.reset();
}

Status SimRunner::save_devices(const std::filesystem::path& path) {
  Impl& m = *impl_;
  for (const Slot& s : m.slots) {
    DeviceEntry& e = m.file.devices[s.device];
    if (const ue::StoredKme* kme = s.ue.mobile_equipment().kmes().committed(); kme != nullptr) {
      e.kme = ue::StoredKme{kme->version, kme->kme.clone()};
    }
    e.sqn = s.ue.usim().sqn_array().slots();
  }
  return write_device_file(path, m.file);
}

const DeviceFile& SimRunner::devices() const {
  return impl_->file;
}

std::uint64_t SimRunner::pcap_records() const {
  return impl_->pcap ? impl_->pcap->records() : 0;
}

}  // namespace kmebind::app
