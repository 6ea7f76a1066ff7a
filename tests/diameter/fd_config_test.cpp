// DiameterConfig validation and the freeDiameter .conf it renders (no core needed).
#include "diameter/fd_config.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "test_pki.h"

namespace kmebind::diameter {
namespace {

DiameterConfig clear_server() {
  DiameterConfig c;
  c.identity = "hss.localdomain";
  c.realm = "localdomain";
  c.listen_port = 3868;
  c.clear_tcp = true;
  c.allowed_peers = {"mme.localdomain"};
  return c;
}

DiameterConfig tls_client() {
  DiameterConfig c;
  c.identity = "mme.localdomain";
  c.realm = "localdomain";
  c.tls = testing::TestPki::get().files("mme");
  c.peers = {{"hss.localdomain", "127.0.0.1", 5868, true}, {"hss2.localdomain", "127.0.0.1", 3869, false}};
  return c;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(FdConfig, ValidClearServerAndTlsClientPass) {
  ASSERT_TRUE(testing::TestPki::get().ok());
  EXPECT_TRUE(validate(clear_server()));
  EXPECT_TRUE(validate(tls_client()));
}

TEST(FdConfig, ExactlyOneOfTlsAndClearTcp) {
  DiameterConfig c = clear_server();
  c.clear_tcp = false;
  EXPECT_FALSE(validate(c));
  c = tls_client();
  c.clear_tcp = true;
  auto st = validate(c);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code(), Code::kInvalidArgument);
  EXPECT_NE(st.error().message().find("exactly one"), std::string::npos);
}

TEST(FdConfig, IdentitiesMustBeFqdns) {
  for (const char* bad : {"", "hss localdomain", "hss\"x", ".hss", "hss.", "hss;drop"}) {
    DiameterConfig c = clear_server();
    c.identity = bad;
    EXPECT_FALSE(validate(c)) << bad;
  }
  DiameterConfig c = clear_server();
  c.allowed_peers.push_back("not an fqdn");
  EXPECT_FALSE(validate(c));
}

TEST(FdConfig, TlsPeerNeedsTlsFiles) {
  DiameterConfig c = clear_server();
  c.peers = {{"hss2.localdomain", "127.0.0.1", 5868, true}};
  auto st = validate(c);
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message().find("hss2.localdomain"), std::string::npos);
}

TEST(FdConfig, PeersMustBeDistinctIpLiteralsAndNotThisNode) {
  DiameterConfig c = tls_client();
  c.peers[1].identity = "HSS.localdomain";
  EXPECT_FALSE(validate(c));
  c = tls_client();
  c.peers[0].address = "hss.example.org";
  EXPECT_FALSE(validate(c));
  c = tls_client();
  c.peers[0].identity = c.identity;
  EXPECT_FALSE(validate(c));
  c = tls_client();
  c.peers[0].port = 0;
  EXPECT_FALSE(validate(c));
}

TEST(FdConfig, UnreadableTlsFileIsNamed) {
  DiameterConfig c = tls_client();
  c.tls->key_file = "/nonexistent/key.pem";
  auto st = validate(c);
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message().find("/nonexistent/key.pem"), std::string::npos);
}

TEST(FdConfig, KmeCommandCodeMustBeFree24BitCode) {
  for (std::uint32_t code : {0u, 316u, 318u, 257u, 280u, 0x1000000u}) {
    DiameterConfig c = clear_server();
    c.kme_command_code = code;
    EXPECT_FALSE(validate(c)) << code;
  }
  DiameterConfig c = clear_server();
  c.kme_command_code = 16777215;
  EXPECT_TRUE(validate(c));
}

TEST(FdConfig, TimersAndThreadsAreBounded) {
  DiameterConfig c = clear_server();
  c.tc_timer_s = 0;
  EXPECT_FALSE(validate(c));
  c = clear_server();
  c.dispatch_threads = 0;
  EXPECT_FALSE(validate(c));
  c = clear_server();
  c.request_timeout = std::chrono::milliseconds(1);
  EXPECT_FALSE(validate(c));
}

TEST(FdConfig, ClearServerListensOnPortOnlyWithoutTls) {
  std::string conf = render_freediameter_conf(clear_server());
  EXPECT_TRUE(contains(conf, "Identity = \"hss.localdomain\";"));
  EXPECT_TRUE(contains(conf, "Realm = \"localdomain\";"));
  EXPECT_TRUE(contains(conf, "ListenOn = \"127.0.0.1\";"));
  EXPECT_TRUE(contains(conf, "Port = 3868;"));
  EXPECT_TRUE(contains(conf, "SecPort = 0;"));
  EXPECT_TRUE(contains(conf, "No_SCTP;"));
  EXPECT_TRUE(contains(conf, "No_IPv6;"));
  EXPECT_TRUE(contains(conf, "TcTimer = 2;"));
  EXPECT_FALSE(contains(conf, "TLS_Cred"));
  EXPECT_FALSE(contains(conf, "TLS_CA"));
  EXPECT_FALSE(contains(conf, "ConnectPeer"));
}

TEST(FdConfig, TlsServerListensOnSecPortOnly) {
  DiameterConfig c = clear_server();
  c.clear_tcp = false;
  c.tls = testing::TestPki::get().files("hss");
  c.listen_port = 5999;
  std::string conf = render_freediameter_conf(c);
  EXPECT_TRUE(contains(conf, "Port = 0;"));
  EXPECT_TRUE(contains(conf, "SecPort = 5999;"));
  EXPECT_TRUE(contains(conf, "TLS_Cred = \"" + c.tls->cert_file + "\", \"" + c.tls->key_file + "\";"));
  EXPECT_TRUE(contains(conf, "TLS_CA = \"" + c.tls->ca_file + "\";"));
}

TEST(FdConfig, ClientListensNowhereAndConnectsItsPeers) {
  std::string conf = render_freediameter_conf(tls_client());
  EXPECT_TRUE(contains(conf, "Port = 0;"));
  EXPECT_TRUE(contains(conf, "SecPort = 0;"));
  EXPECT_TRUE(contains(conf,
      "ConnectPeer = \"hss.localdomain\" { ConnectTo = \"127.0.0.1\"; Port = 5868; TcTimer = 2; };"));
  EXPECT_TRUE(contains(conf,
      "ConnectPeer = \"hss2.localdomain\" { ConnectTo = \"127.0.0.1\"; Port = 3869; TcTimer = 2; No_TLS; };"));
}

TEST(FdConfig, Ipv6AddressKeepsIpv6Enabled) {
  DiameterConfig c = clear_server();
  c.listen_address = "::1";
  EXPECT_TRUE(validate(c));
  EXPECT_FALSE(contains(render_freediameter_conf(c), "No_IPv6"));
}

TEST(FdConfig, WrittenConfIsPrivateToTheOwner) {
  DiameterConfig c = clear_server();
  c.runtime_dir = testing::TestPki::get().dir() / "runtime";
  auto path = write_freediameter_conf(c);
  ASSERT_TRUE(path) << path.error().what();
  struct stat st {};
  ASSERT_EQ(stat(path->c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(path->filename(), "freeDiameter-hss.localdomain.conf");
}

}  // namespace
}  // namespace kmebind::diameter
