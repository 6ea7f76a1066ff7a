// S6a over TLS with mutual authentication: the good case (and LinkInfo::confidential), a client
// certificate from another CA, a certificate that does not name the identity its holder claims
// (trap 10), and a server whose certificate does not name it.
#include <gtest/gtest.h>

#include "live_fixture.h"
#include "raw_tls_peer.h"

namespace kmebind::diameter {
namespace {

using namespace testing;

PeerConfig tls_peer(const char* identity, std::uint16_t port) {
  return PeerConfig{identity, "127.0.0.1", port, true};
}

TEST(S6aLiveTls, MutualTlsCarriesRequestsAndMarksTheLinkConfidential) {
  ASSERT_TRUE(TestPki::get().ok());
  std::uint16_t port = free_loopback_port();
  ReadyPipe ready;
  Child server = Child::spawn([&] {
    serve(server_config(kHssId, port, "hss"), ready, [](FdCore& core, S6aServer& s, WorkerHss& hss) {
      EXPECT_EQ(s.stats().requests, 2u);
      // At least once: under load the client's freeDiameter may open a second connection while
      // a slow first handshake is pending (seen once under a full `ctest -j2`: accepted == 2).
      EXPECT_GE(core.peer_stats().accepted, 1u);
      EXPECT_EQ(core.peer_stats().refused_unknown, 0u);
      EXPECT_EQ(core.peer_stats().refused_certificate, 0u);
      EXPECT_EQ(core.peer_stats().refused_clear, 0u);
      ASSERT_FALSE(hss.links().empty());
      for (const LinkInfo& link : hss.links()) {
        EXPECT_EQ(link.peer, kMmeId);
        EXPECT_TRUE(link.confidential);
      }
    });
  });
  ASSERT_EQ(ready.wait(10s), 'R');
  Child client = Child::spawn([&] {
    ClientNode node = start_client(client_config({tls_peer(kHssId, port)}, "mme"));
    ASSERT_TRUE(node.client);
    ASSERT_TRUE(node.core->wait_for_peers(1, 8s));
    EXPECT_TRUE(node.core->link_info(kHssId).confidential);
    auto aia = call<s6a::AuthenticationInformationAnswer>(*node.client, air_for(kImsi));
    ASSERT_TRUE(aia) << aia.error().what();
    EXPECT_EQ(aia->result, s6a::kSuccess);
    ASSERT_EQ(aia->vectors.size(), 1u);
    auto kma = call<s6a::KmeAnswer>(*node.client, s6a::KmeRequest{kImsi, "35693803564380", 3});
    ASSERT_TRUE(kma) << kma.error().what();
    const auto* p = std::get_if<s6a::KmeProvisioning>(&kma->action);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->procedure, s6a::KmeProcedure::kSharedWithCnn);  // TLS link: confidential
    EXPECT_TRUE(p->kme == SecretBytes(octets(32, 0x70)));
    node.core->stop();
  });
  EXPECT_EQ(client.wait(30s), 0);
  server.signal(SIGTERM);
  EXPECT_EQ(server.wait(15s), 0);
}

TEST(S6aLiveTls, ClientCertificateFromAnotherCaIsRefused) {
  ASSERT_TRUE(TestPki::get().ok());
  std::uint16_t port = free_loopback_port();
  ReadyPipe ready;
  Child server = Child::spawn([&] {
    serve(server_config(kHssId, port, "hss"), ready, [](FdCore& core, S6aServer&, WorkerHss&) {
      EXPECT_GE(core.peer_stats().accepted, 1u);  // the control only (a retried control counts again)
      EXPECT_EQ(core.peer_stats().refused_unknown, 0u);
    });
  });
  ASSERT_EQ(ready.wait(10s), 'R');
  // Control: the same bare peer with the good certificate gets a successful CEA.
  auto good = tls_exchange_retrying(port, TestPki::get().files("mme"), make_cer(kMmeId, kRealm), 5s);
  ASSERT_TRUE(good) << "the control exchange failed: the test peer itself is broken";
  ASSERT_GE(good->size(), 20u);
  EXPECT_EQ((good->at(5) << 16) | (good->at(6) << 8) | good->at(7), 257);  // CEA
  EXPECT_EQ(result_code_of(*good), 2001u);
  // Same identity, certificate from other-ca: no CEA, the connection is dropped.
  auto bad = tls_exchange(port, TestPki::get().files("other"), make_cer(kMmeId, kRealm), 5s);
  EXPECT_FALSE(bad);
  server.signal(SIGTERM);
  EXPECT_EQ(server.wait(15s), 0);
}

TEST(S6aLiveTls, BarePeerClaimingAnotherIdentityGetsUnknownPeer) {
  ASSERT_TRUE(TestPki::get().ok());
  std::uint16_t port = free_loopback_port();
  ReadyPipe ready;
  Child server = Child::spawn([&] {
    serve(server_config(kHssId, port, "hss"), ready, [](FdCore& core, S6aServer&, WorkerHss&) {
      EXPECT_GE(core.peer_stats().refused_certificate, 1u);
      EXPECT_EQ(core.peer_stats().accepted, 0u);
    });
  });
  ASSERT_EQ(ready.wait(10s), 'R');
  // A certificate from the trusted CA naming intruder.localdomain, claiming mme.localdomain.
  auto answer = tls_exchange_retrying(port, TestPki::get().files("rogue"), make_cer(kMmeId, kRealm), 5s);
  ASSERT_TRUE(answer);
  EXPECT_EQ(result_code_of(*answer), 3010u);  // DIAMETER_UNKNOWN_PEER
  server.signal(SIGTERM);
  EXPECT_EQ(server.wait(15s), 0);
}

TEST(S6aLiveTls, CertificateNotNamingTheClaimedIdentityIsRefused) {
  ASSERT_TRUE(TestPki::get().ok());
  std::uint16_t port = free_loopback_port();
  ReadyPipe ready;
  Child server = Child::spawn([&] {
    serve(server_config(kHssId, port, "hss"), ready, [](FdCore& core, S6aServer& s, WorkerHss&) {
      EXPECT_GE(core.peer_stats().refused_certificate, 1u);
      EXPECT_EQ(core.peer_stats().accepted, 0u);
      EXPECT_EQ(s.stats().requests, 0u);
    });
  });
  ASSERT_EQ(ready.wait(10s), 'R');
  Child client = Child::spawn([&] {
    // Claims mme.localdomain (allowed) with a valid certificate from the same CA that names
    // intruder.localdomain.
    DiameterConfig config = client_config({tls_peer(kHssId, port)}, "rogue", kRogueCertId);
    ClientNode node = start_client(config, [] { claim_identity(kMmeId); });
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

TEST(S6aLiveTls, ServerWhoseCertificateNamesAnotherIdentityIsNotUsed) {
  ASSERT_TRUE(TestPki::get().ok());
  std::uint16_t port = free_loopback_port();
  ReadyPipe ready;
  Child server = Child::spawn([&] {
    // Claims hss.localdomain while presenting hss2.localdomain's certificate.
    DiameterConfig config = server_config(kHss2Id, port, "hss2");
    serve(config, ready, [](FdCore&, S6aServer& s, WorkerHss&) { EXPECT_EQ(s.stats().requests, 0u); },
          HssMode::kNormal, [] { claim_identity(kHssId); });
  });
  ASSERT_EQ(ready.wait(10s), 'R');
  Child client = Child::spawn([&] {
    ClientNode node = start_client(client_config({tls_peer(kHssId, port)}, "mme"));
    ASSERT_TRUE(node.client);
    EXPECT_TRUE(wait_for_connect_failure(*node.core));  // freeDiameter's handshake check
    EXPECT_EQ(node.client->peers_up(), 0u);
    auto aia = call<s6a::AuthenticationInformationAnswer>(*node.client, air_for(kImsi));
    ASSERT_FALSE(aia);
    EXPECT_EQ(aia.error().code(), Code::kUnavailable);
    node.core->stop();
  });
  EXPECT_EQ(client.wait(30s), 0);
  server.signal(SIGTERM);
  EXPECT_EQ(server.wait(15s), 0);
}

}  // namespace
}  // namespace kmebind::diameter
