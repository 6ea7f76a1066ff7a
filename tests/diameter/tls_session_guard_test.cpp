// TLS links closing by DPR/DPA (diameter/tls_session_guard.h, docs/daemons.md "TLS close race"):
// freeDiameter 1.2.1 writes on one GnuTLS session from two threads when a TLS link closes, which
// crashed either end now and then (heap-use-after-free under ASan, "double free or corruption"
// without). The guard serialises those writes; these tests check that freeDiameter's calls reach
// it and close many TLS links, from either end and mid-traffic, with every process exiting 0.
#include "diameter/tls_session_guard.h"

#include <gtest/gtest.h>
#include <pthread.h>

#include <atomic>
#include <ctime>
#include <thread>

#include "live_fixture.h"

namespace kmebind::diameter {
namespace {

using namespace testing;

PeerConfig tls_peer(const char* identity, std::uint16_t port) {
  return PeerConfig{identity, "127.0.0.1", port, true};
}

// A client node (identity `pki_name`) that opens a TLS link, sends `requests` AIRs and stops.
void exchange_and_stop(std::uint16_t port, const char* pki_name, const char* identity,
                       int requests) {
  ClientNode node = start_client(client_config({tls_peer(kHssId, port)}, pki_name, identity));
  ASSERT_TRUE(node.client);
  ASSERT_TRUE(node.core->wait_for_peers(1, 8s));
  for (int i = 0; i < requests; ++i) {
    auto aia = call<s6a::AuthenticationInformationAnswer>(*node.client, air_for(kImsi));
    ASSERT_TRUE(aia) << aia.error().what();
  }
  node.core->stop();
}

// freeDiameter stops a peer's receiver and sender threads with pthread_cancel and joins them
// (fd_thr_term). A thread waiting for a session's lock behind a write that does not end (a peer
// that stopped reading) must still be cancellable there, or the daemon's stop hangs.
TEST(TlsSessionGuard, ThreadWaitingForASessionLockCanBeCancelled) {
  int session = 0;  // any address names a session
  std::atomic<bool> release{false};
  std::atomic<bool> holding{false};
  std::thread holder([&] {
    detail::with_session_lock(&session, [&] {
      holding = true;
      while (!release) std::this_thread::sleep_for(1ms);
    });
  });
  while (!holding) std::this_thread::sleep_for(1ms);
  struct Waiter {
    int* session;
    std::atomic<bool> ran{false};
  } waiter{&session};
  pthread_t t{};
  ASSERT_EQ(pthread_create(
                &t, nullptr,
                [](void* arg) -> void* {
                  auto* w = static_cast<Waiter*>(arg);
                  detail::with_session_lock(w->session, [w] { w->ran = true; });
                  return nullptr;
                },
                &waiter),
            0);
  std::this_thread::sleep_for(50ms);  // the waiter is queued behind the holder
  ASSERT_EQ(pthread_cancel(t), 0);
  timespec deadline{};
  clock_gettime(CLOCK_REALTIME, &deadline);
  deadline.tv_sec += 2;
  void* result = nullptr;
  const int joined = pthread_timedjoin_np(t, &result, &deadline);
  release = true;  // lets a waiter that was not cancelled finish, so the test ends either way
  holder.join();
  if (joined != 0) pthread_join(t, &result);
  EXPECT_EQ(joined, 0) << "the waiting thread did not act on pthread_cancel within 2 s";
  EXPECT_EQ(result, PTHREAD_CANCELED);
  EXPECT_FALSE(waiter.ran);
  // The lock is free again: the session is usable after the cancelled wait.
  bool again = false;
  detail::with_session_lock(&session, [&] { again = true; });
  EXPECT_TRUE(again);
}

TEST(TlsSessionGuard, FreeDiameterWritesAndClosesTlsSessionsThroughTheGuard) {
  ASSERT_TRUE(TestPki::get().ok());
  std::uint16_t port = free_loopback_port();
  ReadyPipe ready;
  Child server = Child::spawn([&] { serve(server_config(kHssId, port, "hss"), ready); });
  ASSERT_EQ(ready.wait(10s), 'R');
  Child client = Child::spawn([&] {
    EXPECT_TRUE(detail::tls_session_guard_active());
    const detail::TlsGuardStats before = detail::tls_session_guard_stats();
    exchange_and_stop(port, "mme", kMmeId, 3);
    const detail::TlsGuardStats after = detail::tls_session_guard_stats();
    EXPECT_GE(after.sends, before.sends + 4) << "CER and three AIRs";  // DPR, DWA may add more
    EXPECT_GE(after.byes, before.byes + 1) << "the close_notify of the link";
  });
  EXPECT_EQ(client.wait(30s), 0);
  server.signal(SIGTERM);
  EXPECT_EQ(server.wait(15s), 0);
}

// Two clients open TLS links, exchange requests and stop (they send the DPR), cycle after cycle;
// then the server stops. Before the guard, an end crashed in a few of these closes on a loaded
// machine and in about one test run of three under ASan.
TEST(TlsSessionGuard, ManyTlsLinksCloseWithoutCrashingEitherEnd) {
  ASSERT_TRUE(TestPki::get().ok());
  constexpr int kCycles = 5;
  std::uint16_t port = free_loopback_port();
  ReadyPipe ready;
  Child server = Child::spawn(
      [&] { serve(server_config(kHssId, port, "hss", {kMmeId, kHss2Id}), ready); }, 60);
  ASSERT_EQ(ready.wait(10s), 'R');
  for (int cycle = 0; cycle < kCycles; ++cycle) {
    Child first = Child::spawn([&] { exchange_and_stop(port, "mme", kMmeId, 20); });
    Child second = Child::spawn([&] { exchange_and_stop(port, "hss2", kHss2Id, 20); });
    EXPECT_EQ(first.wait(30s), 0) << "cycle " << cycle;
    EXPECT_EQ(second.wait(30s), 0) << "cycle " << cycle;
  }
  server.signal(SIGTERM);
  EXPECT_EQ(server.wait(15s), 0);
}

// A client that keeps AIRs in flight until the server has closed its link (or 10 s), then stops.
void exchange_until_closed(std::uint16_t port, const char* pki_name, const char* identity,
                           ReadyPipe& linked) {
  ClientNode node = start_client(client_config({tls_peer(kHssId, port)}, pki_name, identity));
  ASSERT_TRUE(node.client);
  ASSERT_TRUE(node.core->wait_for_peers(1, 8s));
  linked.notify('L');
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (node.core->open_peers() > 0 && std::chrono::steady_clock::now() < deadline) {
    node.client->send(air_for(kImsi), [](Result<s6a::AuthenticationInformationAnswer>) {});
    std::this_thread::sleep_for(50ms);
  }
  node.core->stop();
}

// The server stops (it sends the DPRs) while two clients keep sending requests over TLS.
TEST(TlsSessionGuard, ServerStoppingMidTrafficClosesItsTlsLinksWithoutCrashing) {
  ASSERT_TRUE(TestPki::get().ok());
  constexpr int kCycles = 3;
  for (int cycle = 0; cycle < kCycles; ++cycle) {
    std::uint16_t port = free_loopback_port();
    ReadyPipe ready;
    Child server = Child::spawn(
        [&] { serve(server_config(kHssId, port, "hss", {kMmeId, kHss2Id}), ready); });
    ASSERT_EQ(ready.wait(10s), 'R');
    ReadyPipe first_linked;
    ReadyPipe second_linked;
    Child first = Child::spawn([&] { exchange_until_closed(port, "mme", kMmeId, first_linked); });
    Child second =
        Child::spawn([&] { exchange_until_closed(port, "hss2", kHss2Id, second_linked); });
    ASSERT_EQ(first_linked.wait(10s), 'L');
    ASSERT_EQ(second_linked.wait(10s), 'L');
    std::this_thread::sleep_for(200ms);  // requests in flight
    server.signal(SIGTERM);
    EXPECT_EQ(server.wait(15s), 0) << "cycle " << cycle;
    EXPECT_EQ(first.wait(20s), 0) << "cycle " << cycle;
    EXPECT_EQ(second.wait(20s), 0) << "cycle " << cycle;
  }
}

}  // namespace
}  // namespace kmebind::diameter
