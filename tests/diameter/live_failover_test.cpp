// Several HSS peers: a TOO_BUSY answer is retried on the other HSS, new requests avoid a dead
// HSS, and a request in flight on a link that breaks is answered by the other HSS.
#include <gtest/gtest.h>

#include "live_fixture.h"

namespace kmebind::diameter {
namespace {

using namespace testing;

PeerConfig clear_peer(const char* identity, std::uint16_t port) {
  return PeerConfig{identity, "127.0.0.1", port, false};
}

TEST(S6aLiveFailover, TooBusyAnswerIsRetriedOnTheOtherHss) {
  ASSERT_TRUE(TestPki::get().ok());
  std::uint16_t busy_port = free_loopback_port();
  std::uint16_t good_port = free_loopback_port();
  ReadyPipe busy_ready, good_ready;
  Child busy = Child::spawn([&] {
    serve(server_config(kHssId, busy_port, ""), busy_ready, {}, HssMode::kBusy);
  });
  Child good = Child::spawn([&] { serve(server_config(kHss2Id, good_port, ""), good_ready); });
  ASSERT_EQ(busy_ready.wait(10s), 'R');
  ASSERT_EQ(good_ready.wait(10s), 'R');
  Child client = Child::spawn([&] {
    ClientNode node = start_client(
        client_config({clear_peer(kHssId, busy_port), clear_peer(kHss2Id, good_port)}, ""));
    ASSERT_TRUE(node.client);
    ASSERT_TRUE(node.core->wait_for_peers(2, 8s));
    EXPECT_EQ(node.client->peers_up(), 2u);
    for (int i = 0; i < 12; ++i) {
      auto aia = call<s6a::AuthenticationInformationAnswer>(*node.client, air_for(kImsi));
      ASSERT_TRUE(aia) << aia.error().what();
      EXPECT_EQ(aia->result, s6a::kSuccess) << "request " << i;
    }
    ClientStats stats = node.client->stats();
    EXPECT_EQ(stats.answered, 12u);
    EXPECT_GE(stats.retried, 1u);  // the busy HSS was tried for some of them
    node.core->stop();
  });
  EXPECT_EQ(client.wait(40s), 0);
  busy.signal(SIGTERM);
  good.signal(SIGTERM);
  EXPECT_EQ(busy.wait(15s), 0);
  EXPECT_EQ(good.wait(15s), 0);
}

TEST(S6aLiveFailover, TooBusyFromTheOnlyHssReachesTheCaller) {
  ASSERT_TRUE(TestPki::get().ok());
  std::uint16_t port = free_loopback_port();
  ReadyPipe ready;
  Child busy = Child::spawn([&] { serve(server_config(kHssId, port, ""), ready, {}, HssMode::kBusy); });
  ASSERT_EQ(ready.wait(10s), 'R');
  Child client = Child::spawn([&] {
    ClientNode node = start_client(client_config({clear_peer(kHssId, port)}, ""));
    ASSERT_TRUE(node.client);
    ASSERT_TRUE(node.core->wait_for_peers(1, 5s));
    auto aia = call<s6a::AuthenticationInformationAnswer>(*node.client, air_for(kImsi));
    ASSERT_TRUE(aia) << aia.error().what();
    EXPECT_EQ(aia->result, s6a::kTooBusy);  // the CNN maps it to congestion
    EXPECT_EQ(node.client->stats().retried, 0u);
    node.core->stop();
  });
  EXPECT_EQ(client.wait(30s), 0);
  busy.signal(SIGTERM);
  EXPECT_EQ(busy.wait(15s), 0);
}

TEST(S6aLiveFailover, RequestsGoToTheSurvivingHssAfterOneDies) {
  ASSERT_TRUE(TestPki::get().ok());
  std::uint16_t port_a = free_loopback_port();
  std::uint16_t port_b = free_loopback_port();
  ReadyPipe ready_a, ready_b, client_progress, go;
  Child hss_a = Child::spawn([&] { serve(server_config(kHssId, port_a, ""), ready_a); });
  Child hss_b = Child::spawn([&] { serve(server_config(kHss2Id, port_b, ""), ready_b); });
  ASSERT_EQ(ready_a.wait(10s), 'R');
  ASSERT_EQ(ready_b.wait(10s), 'R');
  Child client = Child::spawn([&] {
    ClientNode node = start_client(
        client_config({clear_peer(kHssId, port_a), clear_peer(kHss2Id, port_b)}, ""));
    ASSERT_TRUE(node.client);
    ASSERT_TRUE(node.core->wait_for_peers(2, 8s));
    for (int i = 0; i < 4; ++i) {
      auto aia = call<s6a::AuthenticationInformationAnswer>(*node.client, air_for(kImsi));
      ASSERT_TRUE(aia) << aia.error().what();
    }
    client_progress.notify('A');
    ASSERT_EQ(go.wait(10s), 'K');  // hss A has been killed
    for (int i = 0; i < 8; ++i) {
      auto aia = call<s6a::AuthenticationInformationAnswer>(*node.client, air_for(kImsi));
      ASSERT_TRUE(aia) << "request " << i << ": " << aia.error().what();
      EXPECT_EQ(aia->result, s6a::kSuccess);
    }
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (node.client->peers_up() != 1 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(20ms);
    }
    EXPECT_EQ(node.client->peers_up(), 1u);
    node.core->stop();
  });
  ASSERT_EQ(client_progress.wait(20s), 'A');
  hss_a.signal(SIGKILL);
  EXPECT_EQ(hss_a.wait(5s), -1);  // killed
  go.notify('K');
  EXPECT_EQ(client.wait(40s), 0);
  hss_b.signal(SIGTERM);
  EXPECT_EQ(hss_b.wait(15s), 0);
}

TEST(S6aLiveFailover, RequestInFlightMovesToTheOtherHssWhenItsLinkBreaks) {
  ASSERT_TRUE(TestPki::get().ok());
  std::uint16_t port_a = free_loopback_port();
  std::uint16_t port_b = free_loopback_port();
  ReadyPipe ready_a, ready_b, client_progress, go;
  // A takes requests and never answers; B is started only once the request sits at A.
  Child hss_a = Child::spawn([&] {
    serve(server_config(kHssId, port_a, ""), ready_a, {}, HssMode::kBlackHole);
  });
  ASSERT_EQ(ready_a.wait(10s), 'R');
  Child client = Child::spawn([&] {
    DiameterConfig config =
        client_config({clear_peer(kHssId, port_a), clear_peer(kHss2Id, port_b)}, "");
    config.request_timeout = 15s;
    ClientNode node = start_client(config);
    ASSERT_TRUE(node.client);
    ASSERT_TRUE(node.core->wait_for_peers(1, 5s));
    auto promise = std::make_shared<std::promise<Result<s6a::AuthenticationInformationAnswer>>>();
    auto future = promise->get_future();
    node.client->send(air_for(kImsi), [promise](Result<s6a::AuthenticationInformationAnswer> a) {
      promise->set_value(std::move(a));
    });
    client_progress.notify('S');  // sent to A, the only open peer
    ASSERT_TRUE(node.core->wait_for_peers(2, 10s));
    client_progress.notify('B');
    ASSERT_EQ(future.wait_for(12s), std::future_status::ready);
    auto aia = future.get();
    ASSERT_TRUE(aia) << aia.error().what();
    EXPECT_EQ(aia->result, s6a::kSuccess);
    EXPECT_EQ(aia->vectors.size(), 1u);
    node.core->stop();
  }, 40);
  ASSERT_EQ(client_progress.wait(10s), 'S');
  Child hss_b = Child::spawn([&] { serve(server_config(kHss2Id, port_b, ""), ready_b); });
  ASSERT_EQ(ready_b.wait(10s), 'R');
  ASSERT_EQ(client_progress.wait(15s), 'B');
  hss_a.signal(SIGKILL);
  EXPECT_EQ(hss_a.wait(5s), -1);
  EXPECT_EQ(client.wait(40s), 0);
  hss_b.signal(SIGTERM);
  EXPECT_EQ(hss_b.wait(15s), 0);
}

}  // namespace
}  // namespace kmebind::diameter
