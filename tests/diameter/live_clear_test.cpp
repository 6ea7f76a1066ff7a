// S6a over clear TCP between two processes on 127.0.0.1: requests, answers sent later from a
// worker thread, server-side decode errors, dropped replies, timeouts, refused peers.
#include <gtest/gtest.h>

#include "live_fixture.h"

namespace kmebind::diameter {
namespace {

using namespace testing;

PeerConfig clear_peer(const char* identity, std::uint16_t port) {
  return PeerConfig{identity, "127.0.0.1", port, false};
}

TEST(S6aLiveClear, AirKmrUlrAnsweredFromAWorkerThread) {
  ASSERT_TRUE(TestPki::get().ok());
  std::uint16_t port = free_loopback_port();
  ReadyPipe ready;
  Child server = Child::spawn([&] {
    serve(server_config(kHssId, port, ""), ready, [port](FdCore& core, S6aServer& s, WorkerHss& hss) {
      // Only the configured address, although freeDiameter alone would listen on all of them.
      EXPECT_EQ(listening_addresses(port), std::vector<std::string>{"127.0.0.1"});
      EXPECT_EQ(s.stats().requests, 3u);
      EXPECT_EQ(s.stats().answers_sent, 3u);
      EXPECT_EQ(core.peer_stats().accepted, 1u);
      for (const LinkInfo& link : hss.links()) {
        EXPECT_EQ(link.peer, kMmeId);
        EXPECT_FALSE(link.confidential);
      }
    });
  });
  ASSERT_EQ(ready.wait(10s), 'R');
  Child client = Child::spawn([&] {
    ClientNode node = start_client(client_config({clear_peer(kHssId, port)}, ""));
    ASSERT_TRUE(node.client);
    ASSERT_TRUE(node.core->wait_for_peers(1, 5s));
    EXPECT_EQ(node.client->peers_up(), 1u);

    auto aia = call<s6a::AuthenticationInformationAnswer>(*node.client, air_for(kImsi, 3));
    ASSERT_TRUE(aia) << aia.error().what();
    EXPECT_EQ(aia->result, s6a::kSuccess);
    ASSERT_EQ(aia->vectors.size(), 3u);
    EXPECT_EQ(aia->vectors[2].rand, octets(16, 32));
    EXPECT_TRUE(aia->vectors[1].kasme == SecretBytes(octets(32, 18)));
    EXPECT_EQ(aia->binding, s6a::BindingRequirement::kKmeRequired);

    auto kma = call<s6a::KmeAnswer>(*node.client, s6a::KmeRequest{kImsi, "35693803564380", 3});
    ASSERT_TRUE(kma) << kma.error().what();
    const auto* p = std::get_if<s6a::KmeProvisioning>(&kma->action);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->procedure, s6a::KmeProcedure::kHiddenFromCnn);  // clear link: not confidential
    EXPECT_EQ(p->cookie, octets(93, 0x10));
    EXPECT_TRUE(p->kme.empty());

    s6a::UpdateLocationRequest ulr;
    ulr.imsi = kImsi;
    ulr.visited_plmn_id = {0x00, 0xF1, 0x10};
    ulr.terminal = s6a::TerminalInformation{"35693803564380", "07"};
    s6a::KmeConfirm confirm;
    confirm.procedure = s6a::KmeProcedure::kHiddenFromCnn;
    confirm.kme_version = 1;
    confirm.cookie = p->cookie;
    confirm.signature_algorithm = 1;
    confirm.signature = octets(64, 1);
    ulr.kme_confirm = std::move(confirm);
    auto ula = call<s6a::UpdateLocationAnswer>(*node.client, std::move(ulr));
    ASSERT_TRUE(ula) << ula.error().what();
    EXPECT_EQ(ula->result, s6a::kSuccess);
    EXPECT_EQ(ula->msisdn, "4915123456789");
    EXPECT_EQ(ula->kme_version_stored, 1u);
    EXPECT_EQ(node.client->stats().answered, 3u);
    node.core->stop();
  });
  EXPECT_EQ(client.wait(30s), 0);
  server.signal(SIGTERM);
  EXPECT_EQ(server.wait(15s), 0);
}

TEST(S6aLiveClear, ServerAnswersMalformedRequestsItselfAndPassesResultsThrough) {
  ASSERT_TRUE(TestPki::get().ok());
  std::uint16_t port = free_loopback_port();
  ReadyPipe ready;
  Child server = Child::spawn([&] {
    serve(server_config(kHssId, port, ""), ready, [](FdCore&, S6aServer& s, WorkerHss&) {
      EXPECT_EQ(s.stats().decode_errors, 1u);
      EXPECT_EQ(s.stats().requests, 2u);  // the unknown IMSI and the dropped reply
    });
  });
  ASSERT_EQ(ready.wait(10s), 'R');
  Child client = Child::spawn([&] {
    ClientNode node = start_client(client_config({clear_peer(kHssId, port)}, ""));
    ASSERT_TRUE(node.client);
    ASSERT_TRUE(node.core->wait_for_peers(1, 5s));

    auto bad = air_for(kImsi);
    bad.visited_plmn_id = {0x00, 0xF1};  // 2 octets: refused by the server's decoder
    auto aia = call<s6a::AuthenticationInformationAnswer>(*node.client, bad);
    ASSERT_TRUE(aia) << aia.error().what();
    EXPECT_EQ(aia->result, s6a::kInvalidAvpValue);
    EXPECT_TRUE(aia->vectors.empty());

    auto unknown = call<s6a::AuthenticationInformationAnswer>(*node.client, air_for(kImsiUnknown));
    ASSERT_TRUE(unknown) << unknown.error().what();
    EXPECT_EQ(unknown->result, s6a::kErrorUserUnknown);

    auto dropped = call<s6a::AuthenticationInformationAnswer>(*node.client, air_for(kImsiDropReply));
    ASSERT_TRUE(dropped) << dropped.error().what();
    EXPECT_EQ(dropped->result, s6a::kUnableToComply);
    node.core->stop();
  });
  EXPECT_EQ(client.wait(30s), 0);
  server.signal(SIGTERM);
  EXPECT_EQ(server.wait(15s), 0);
}

TEST(S6aLiveClear, UnansweredRequestTimesOutAsUnavailable) {
  ASSERT_TRUE(TestPki::get().ok());
  std::uint16_t port = free_loopback_port();
  ReadyPipe ready;
  Child server = Child::spawn([&] { serve(server_config(kHssId, port, ""), ready); });
  ASSERT_EQ(ready.wait(10s), 'R');
  Child client = Child::spawn([&] {
    DiameterConfig config = client_config({clear_peer(kHssId, port)}, "");
    config.request_timeout = 300ms;
    ClientNode node = start_client(config);
    ASSERT_TRUE(node.client);
    ASSERT_TRUE(node.core->wait_for_peers(1, 5s));
    auto started = std::chrono::steady_clock::now();
    auto aia = call<s6a::AuthenticationInformationAnswer>(*node.client, air_for(kImsiNeverReply));
    auto took = std::chrono::steady_clock::now() - started;
    ASSERT_FALSE(aia);
    EXPECT_EQ(aia.error().code(), Code::kUnavailable);
    EXPECT_NE(aia.error().message().find("no answer"), std::string::npos) << aia.error().message();
    EXPECT_GE(took, 250ms);
    EXPECT_LT(took, 3s);
    // The link stays usable.
    auto ok = call<s6a::AuthenticationInformationAnswer>(*node.client, air_for(kImsi));
    ASSERT_TRUE(ok) << ok.error().what();
    EXPECT_EQ(ok->result, s6a::kSuccess);
    node.core->stop();
  });
  EXPECT_EQ(client.wait(30s), 0);
  server.signal(SIGTERM);
  EXPECT_EQ(server.wait(15s), 0);
}

TEST(S6aLiveClear, PeerNotOnTheAllowListIsRefused) {
  ASSERT_TRUE(TestPki::get().ok());
  std::uint16_t port = free_loopback_port();
  ReadyPipe ready;
  Child server = Child::spawn([&] {
    serve(server_config(kHssId, port, "", {"other-mme.localdomain"}), ready,
          [](FdCore& core, S6aServer& s, WorkerHss&) {
            EXPECT_GE(core.peer_stats().refused_unknown, 1u);
            EXPECT_EQ(core.peer_stats().accepted, 0u);
            EXPECT_EQ(s.stats().requests, 0u);
          });
  });
  ASSERT_EQ(ready.wait(10s), 'R');
  Child client = Child::spawn([&] {
    ClientNode node = start_client(client_config({clear_peer(kHssId, port)}, ""));
    ASSERT_TRUE(node.client);
    EXPECT_TRUE(wait_for_connect_failure(*node.core));
    EXPECT_EQ(node.core->open_peers(), 0u);
    auto aia = call<s6a::AuthenticationInformationAnswer>(*node.client, air_for(kImsi));
    ASSERT_FALSE(aia);
    EXPECT_EQ(aia.error().code(), Code::kUnavailable);
    node.core->stop();
  });
  EXPECT_EQ(client.wait(30s), 0);
  server.signal(SIGTERM);
  EXPECT_EQ(server.wait(15s), 0);
}

TEST(S6aLiveClear, NoOpenPeerFailsAtOnceWithoutSending) {
  ASSERT_TRUE(TestPki::get().ok());
  in_child([] {
    ClientNode node = start_client(client_config({clear_peer(kHssId, free_loopback_port())}, ""));
    ASSERT_TRUE(node.client);
    auto started = std::chrono::steady_clock::now();
    auto aia = call<s6a::AuthenticationInformationAnswer>(*node.client, air_for(kImsi));
    ASSERT_FALSE(aia);
    EXPECT_EQ(aia.error().code(), Code::kUnavailable);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 100ms);
    EXPECT_EQ(node.client->stats().sent, 0u);
    EXPECT_EQ(node.client->peers_up(), 0u);
    node.core->stop();
  });
}

TEST(S6aLiveClear, SecondCoreInOneProcessIsRefused) {
  ASSERT_TRUE(TestPki::get().ok());
  in_child([] {
    quiet_logs();
    auto first = FdCore::create(client_config({}, ""));
    ASSERT_TRUE(first) << first.error().what();
    auto second = FdCore::create(client_config({}, ""));
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().code(), Code::kInternal);
    EXPECT_NE(second.error().message().find("one core per process"), std::string::npos);
  });
}

}  // namespace
}  // namespace kmebind::diameter
