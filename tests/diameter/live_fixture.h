// Test support for live Diameter tests: configurations on 127.0.0.1, an HSS-like handler that
// answers from its own worker thread (never from freeDiameter's), and a server process body.
// Each side runs in its own forked child (fork_harness.h).
#pragma once

#include <unistd.h>

#include <cstdlib>

#include <condition_variable>
#include <cstring>
#include <deque>
#include <fstream>
#include <sstream>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

#include "diameter/fd_core.h"
#include "diameter/fd_include.h"
#include "diameter/s6a_client.h"
#include "diameter/s6a_server.h"
#include "fork_harness.h"
#include "test_pki.h"

namespace kmebind::diameter::testing {

using namespace std::chrono_literals;

// IMSIs that make the handler misbehave on purpose.
inline constexpr const char* kImsi = "001010000000001";
inline constexpr const char* kImsiDropReply = "001010000000003";
inline constexpr const char* kImsiNeverReply = "001010000000004";
inline constexpr const char* kImsiUnknown = "001010000000005";
inline constexpr const char* kImsiBusy = "001010000000006";

inline std::filesystem::path runtime_dir() {
  return TestPki::get().dir() / ("run-" + std::to_string(getpid()));
}

// KMEBIND_DIAMETER_TEST_LOGS=1 shows freeDiameter's and our debug logs.
inline bool verbose() { return std::getenv("KMEBIND_DIAMETER_TEST_LOGS") != nullptr; }
inline void quiet_logs() {
  spdlog::set_level(verbose() ? spdlog::level::debug : spdlog::level::warn);
}

// An HSS node. `tls_name` names a TestPki identity ("hss", "hss2", ...) or is empty for clear TCP.
inline DiameterConfig server_config(const std::string& identity, std::uint16_t port,
                                    const std::string& tls_name,
                                    std::vector<std::string> allowed = {kMmeId}) {
  DiameterConfig c;
  c.identity = identity;
  c.realm = kRealm;
  c.listen_port = port;
  if (tls_name.empty()) {
    c.clear_tcp = true;
  } else {
    c.tls = TestPki::get().files(tls_name);
  }
  c.allowed_peers = std::move(allowed);
  c.runtime_dir = runtime_dir();
  c.fd_log_level = verbose() ? 1 : 5;  // freeDiameter's errors reach the test output
  c.dispatch_threads = 2;
  return c;
}

// A serving node connecting to `peers`; `tls_name` as above.
inline DiameterConfig client_config(std::vector<PeerConfig> peers, const std::string& tls_name,
                                    const std::string& identity = kMmeId) {
  DiameterConfig c;
  c.identity = identity;
  c.realm = kRealm;
  if (tls_name.empty()) {
    c.clear_tcp = true;
  } else {
    c.tls = TestPki::get().files(tls_name);
  }
  c.peers = std::move(peers);
  c.runtime_dir = runtime_dir();
  c.fd_log_level = verbose() ? 1 : 5;  // freeDiameter's errors reach the test output
  c.dispatch_threads = 2;
  c.request_timeout = 3s;
  return c;
}

inline Bytes octets(std::size_t n, std::uint8_t start) {
  Bytes out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(start + i);
  return out;
}

// Answers like a small HSS, on a worker thread: vectors for AIR, procedure 1 material over TLS
// and procedure 2 material over clear TCP for KME-Request, a ULA echoing the confirmed version.
enum class HssMode { kNormal, kBusy, kBlackHole };  // kBusy: TOO_BUSY; kBlackHole: never replies

class WorkerHss : public S6aHandler {
 public:
  explicit WorkerHss(HssMode mode = HssMode::kNormal) : mode_(mode), worker_([this] { run(); }) {}
  ~WorkerHss() override { stop(); }

  void stop() {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      stopping_ = true;
    }
    cv_.notify_all();
    if (worker_.joinable()) worker_.join();
    held_.clear();
  }

  void on_air(const LinkInfo& link, s6a::AuthenticationInformationRequest&& air,
              AirReply reply) override {
    note(link);
    std::string imsi = air.imsi;
    if (imsi == kImsiDropReply) return;  // the reply is destroyed uncalled
    if (imsi == kImsiNeverReply || mode_ == HssMode::kBlackHole) {
      std::lock_guard lock(mutex_);
      held_.push_back(reply);
      return;
    }
    post([this, air = std::move(air), reply]() mutable {
      s6a::AuthenticationInformationAnswer aia;
      if (mode_ == HssMode::kBusy || air.imsi == kImsiBusy) {
        aia.result = s6a::kTooBusy;
      } else if (air.imsi == kImsiUnknown) {
        aia.result = s6a::kErrorUserUnknown;
      } else {
        for (std::uint32_t i = 0; i < air.number_of_vectors; ++i) {
          auto seed = static_cast<std::uint8_t>(i * 16);
          aia.vectors.push_back(s6a::EutranVector{octets(16, seed), octets(8, seed),
                                                  octets(16, seed + 1),
                                                  SecretBytes(octets(32, seed + 2))});
        }
        aia.binding = s6a::BindingRequirement::kKmeRequired;
      }
      reply(std::move(aia));
    });
  }

  void on_ulr(const LinkInfo& link, s6a::UpdateLocationRequest&& ulr, UlrReply reply) override {
    note(link);
    post([ulr = std::move(ulr), reply]() mutable {
      s6a::UpdateLocationAnswer ula;
      ula.msisdn = "4915123456789";
      if (ulr.kme_confirm) ula.kme_version_stored = ulr.kme_confirm->kme_version;
      reply(std::move(ula));
    });
  }

  void on_kme_request(const LinkInfo& link, s6a::KmeRequest&& kmr, KmeReply reply) override {
    note(link);
    post([kmr = std::move(kmr), link, reply]() mutable {
      s6a::KmeProvisioning p;
      p.kme_version = 1;
      p.encrypted_payload = octets(100, static_cast<std::uint8_t>(kmr.imei.size()));
      if (link.confidential) {
        p.procedure = s6a::KmeProcedure::kSharedWithCnn;
        p.kme = SecretBytes(octets(32, 0x70));
      } else {
        p.procedure = s6a::KmeProcedure::kHiddenFromCnn;
        p.cookie = octets(93, 0x10);
        p.xrsp = octets(16, 0x20);
      }
      reply(s6a::KmeAnswer{s6a::kSuccess, std::move(p)});
    });
  }

  std::vector<LinkInfo> links() const {
    std::lock_guard lock(mutex_);
    return links_;
  }

 private:
  void note(const LinkInfo& link) {
    std::lock_guard lock(mutex_);
    links_.push_back(link);
  }
  void post(std::move_only_function<void()> job) {
    {
      std::lock_guard lock(mutex_);
      jobs_.push_back(std::move(job));
    }
    cv_.notify_one();
  }
  void run() {
    std::unique_lock lock(mutex_);
    while (true) {
      cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;
      auto job = std::move(jobs_.front());
      jobs_.pop_front();
      lock.unlock();
      std::this_thread::sleep_for(5ms);  // the answer leaves well after the dispatch returned
      job();
      lock.lock();
    }
  }

  HssMode mode_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::move_only_function<void()>> jobs_;
  std::vector<AirReply> held_;
  std::vector<LinkInfo> links_;
  bool stopping_ = false;
  std::thread worker_;
};

// Body of a server child: start, say 'R' on `ready`, serve until SIGTERM (or 25 s), run
// `check` on the still-running node, stop.
inline void serve(const DiameterConfig& config, ReadyPipe& ready,
                  const std::function<void(FdCore&, S6aServer&, WorkerHss&)>& check = {},
                  HssMode mode = HssMode::kNormal, const std::function<void()>& before_start = {}) {
  quiet_logs();
  auto core = FdCore::create(config);
  ASSERT_TRUE(core) << core.error().what();
  WorkerHss hss(mode);
  auto server = S6aServer::create(**core, hss);
  ASSERT_TRUE(server) << server.error().what();
  if (before_start) before_start();
  ASSERT_TRUE((*core)->start());
  ready.notify('R');
  FdCore::wait_for_termination_signal(25s);
  if (check) check(**core, **server, hss);
  hss.stop();
  (*core)->stop();
}

// IPv4 addresses this process listens on at TCP `port` (from /proc/self/net/tcp; st 0A = LISTEN).
inline std::vector<std::string> listening_addresses(std::uint16_t port) {
  std::vector<std::string> out;
  std::ifstream tcp("/proc/self/net/tcp");
  std::string line;
  std::getline(tcp, line);  // header
  while (std::getline(tcp, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state;
    fields >> slot >> local >> remote >> state;
    if (state != "0A" || local.size() != 13) continue;
    if (std::stoul(local.substr(9), nullptr, 16) != port) continue;
    std::uint32_t a = static_cast<std::uint32_t>(std::stoul(local.substr(0, 8), nullptr, 16));
    out.push_back(std::to_string(a & 0xFF) + "." + std::to_string((a >> 8) & 0xFF) + "." +
                  std::to_string((a >> 16) & 0xFF) + "." + std::to_string(a >> 24));
  }
  return out;
}

// Makes this node claim `identity` in its CER/CEA although its certificate names another: what a
// modified peer could do (freeDiameter itself refuses to start with a certificate that does not
// name its configured identity, so the override happens after the configuration is parsed).
// REQUIRES: a core was created in this process and not yet started.
inline void claim_identity(const char* identity) {
  fd_g_config->cnf_diamid = strdup(identity);
  fd_g_config->cnf_diamid_len = std::strlen(identity);
}

// The client side: a started core with an S6aClient.
struct ClientNode {
  std::unique_ptr<FdCore> core;
  std::unique_ptr<S6aClient> client;
};

inline ClientNode start_client(const DiameterConfig& config,
                               const std::function<void()>& before_start = {}) {
  quiet_logs();
  ClientNode node;
  auto core = FdCore::create(config);
  EXPECT_TRUE(core) << core.error().what();
  if (!core) return node;
  auto client = S6aClient::create(**core);
  EXPECT_TRUE(client);
  if (!client) return node;
  if (before_start) before_start();
  EXPECT_TRUE((*core)->start());
  node.core = std::move(*core);
  node.client = std::move(*client);
  return node;
}

// Waits until a link attempt of this node failed (freeDiameter makes its first attempt after a
// random 0-2 s), so that a refusal is observed rather than assumed.
inline bool wait_for_connect_failure(const FdCore& core, std::chrono::milliseconds timeout = 8s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (core.peer_stats().connect_failures == 0) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

// Sends and waits for the callback (which must come within `wait`).
template <class Answer, class Request>
Result<Answer> call(S6aClient& client, Request request, std::chrono::milliseconds wait = 10s) {
  auto promise = std::make_shared<std::promise<Result<Answer>>>();
  auto future = promise->get_future();
  client.send(std::move(request), [promise](Result<Answer> a) { promise->set_value(std::move(a)); });
  if (future.wait_for(wait) != std::future_status::ready) {
    return fail(Code::kInternal, "test: no callback");
  }
  return future.get();
}

inline s6a::AuthenticationInformationRequest air_for(const char* imsi, std::uint32_t vectors = 1) {
  s6a::AuthenticationInformationRequest air;
  air.imsi = imsi;
  air.visited_plmn_id = {0x00, 0xF1, 0x10};
  air.number_of_vectors = vectors;
  return air;
}

}  // namespace kmebind::diameter::testing
