// NasServer and NasClient over loopback: many UEs on several connections echo through the server
// in order and on their own connection; a bad frame, a peer that does not read, or close() ends
// that connection only; limits and bind/connect failures are reported with their cause.
#include <gtest/gtest.h>

#include <map>

#include "common/log_limiter.h"
#include "net/nas_client.h"
#include "net/nas_server.h"
#include "net_test_util.h"

namespace kmebind::net {
namespace {

using test::Monitor;

// A PDU that names its UE and sequence number, of a size that varies with both.
Bytes pdu_for(UeId ue, int seq) {
  Bytes pdu(1 + (ue * 7 + static_cast<std::uint64_t>(seq) * 13) % 300);
  for (std::size_t i = 0; i < pdu.size(); ++i) {
    pdu[i] = static_cast<std::uint8_t>(ue + static_cast<std::uint64_t>(seq) * 31 + i);
  }
  return pdu;
}

// An echo server: every frame goes back to the connection and UE it came from.
struct EchoServer {
  Monitor m;
  std::map<ConnectionId, Error> disconnects;
  std::vector<ConnectionId> connects;
  std::map<UeId, std::set<ConnectionId>> ue_connections;
  EventLoop loop;
  std::unique_ptr<NasServer> server;

  explicit EchoServer(NasServerOptions options = {}) {
    EXPECT_TRUE(loop.start("echo-server"));
    NasServerCallbacks cb;
    cb.on_connect = [this](ConnectionId id, const IpEndpoint& peer) {
      EXPECT_TRUE(peer.is_v4()) << peer.to_string();
      m.update([&] { connects.push_back(id); });
    };
    cb.on_frame = [this](ConnectionId id, UeId ue, ByteView pdu) {
      EXPECT_TRUE(loop.in_loop_thread());
      m.update([&] { ue_connections[ue].insert(id); });
      EXPECT_TRUE(server->send(id, ue, pdu));
    };
    cb.on_disconnect = [this](ConnectionId id, const Error& reason) {
      m.update([&] { disconnects.emplace(id, reason); });
    };
    auto s = NasServer::listen(loop, std::move(options), std::move(cb));
    EXPECT_TRUE(s) << s.error().what();
    if (s) server = std::move(*s);
  }
};

struct Received {
  std::size_t index = 0;
  UeId ue = 0;
  Bytes pdu;
};

struct Client {
  Monitor m;
  std::vector<Received> frames;
  std::map<std::size_t, Error> disconnects;
  EventLoop loop;
  std::unique_ptr<NasClient> client;

  Client(std::uint16_t port, std::size_t connections) {
    EXPECT_TRUE(loop.start("client"));
    NasClientCallbacks cb;
    cb.on_frame = [this](std::size_t index, UeId ue, ByteView pdu) {
      m.update([&] { frames.push_back({index, ue, Bytes(pdu.begin(), pdu.end())}); });
    };
    cb.on_disconnect = [this](std::size_t index, const Error& reason) {
      m.update([&] { disconnects.emplace(index, reason); });
    };
    NasClientOptions options;
    options.port = port;
    options.connections = connections;
    auto c = NasClient::connect(loop, options, std::move(cb));
    EXPECT_TRUE(c) << c.error().what();
    if (c) client = std::move(*c);
  }
  std::size_t count() {
    return m.read([&] { return frames.size(); });
  }
};

TEST(NasLink, ThreeConnectionsOfAHundredUesEchoInOrderOnTheirOwnConnection) {
  EchoServer echo;
  ASSERT_TRUE(echo.server);
  ASSERT_NE(echo.server->port(), 0);
  Client c(echo.server->port(), 3);
  ASSERT_TRUE(c.client);
  ASSERT_EQ(c.client->connection_count(), 3u);
  ASSERT_TRUE(echo.m.wait([&] { return echo.connects.size() == 3; }));
  EXPECT_EQ(echo.server->connection_count(), 3u);

  constexpr int kUes = 300;  // 100 per connection
  constexpr int kPerUe = 5;
  for (int seq = 0; seq < kPerUe; ++seq) {
    for (UeId ue = 1; ue <= kUes; ++ue) {
      ASSERT_TRUE(c.client->send(ue % 3, ue, pdu_for(ue, seq)));  // from a foreign thread
    }
  }
  ASSERT_TRUE(c.m.wait([&] { return c.frames.size() == kUes * kPerUe; }))
      << c.count() << " of " << kUes * kPerUe;

  std::map<UeId, int> next_seq;
  for (const auto& f : c.frames) {
    EXPECT_EQ(f.index, f.ue % 3) << "UE " << f.ue << " answered on another connection";
    const int seq = next_seq[f.ue]++;
    EXPECT_EQ(f.pdu, pdu_for(f.ue, seq)) << "UE " << f.ue << " frame " << seq << " out of order";
  }
  EXPECT_EQ(next_seq.size(), static_cast<std::size_t>(kUes));
  // Each UE was seen by the server on exactly one connection, and the three were distinct.
  std::set<ConnectionId> used;
  const auto ue_connections = echo.m.read([&] { return echo.ue_connections; });
  for (const auto& [ue, ids] : ue_connections) {
    EXPECT_EQ(ids.size(), 1u) << "UE " << ue;
    used.insert(ids.begin(), ids.end());
  }
  EXPECT_EQ(used.size(), 3u);
  EXPECT_TRUE(echo.m.read([&] { return echo.disconnects.empty(); }));
}

TEST(NasLink, SendsFromTheLoopThreadAndFromForeignThreadsBothArrive) {
  EchoServer echo;
  ASSERT_TRUE(echo.server);
  Client c(echo.server->port(), 1);
  ASSERT_TRUE(c.client);
  c.loop.run_sync([&] { ASSERT_TRUE(c.client->send(0, 7, pdu_for(7, 0))); });
  std::thread other([&] { ASSERT_TRUE(c.client->send(0, 8, pdu_for(8, 0))); });
  other.join();
  ASSERT_TRUE(c.m.wait([&] { return c.frames.size() == 2; }));
}

TEST(NasLink, BadFrameClosesOnlyItsConnection) {
  EchoServer echo;
  ASSERT_TRUE(echo.server);
  Client c(echo.server->port(), 2);
  ASSERT_TRUE(c.client);
  ASSERT_TRUE(echo.m.wait([&] { return echo.connects.size() == 2; }));

  const int raw = test::connect_loopback(echo.server->port());
  ASSERT_GE(raw, 0);
  ASSERT_TRUE(echo.m.wait([&] { return echo.connects.size() == 3; }));
  const ConnectionId raw_id = echo.m.read([&] { return echo.connects.back(); });
  // One good frame (echoed), then a length of 3 (< 8 octets of UE id).
  Bytes stream = encode_frame(99, pdu_for(99, 0));
  const Bytes bad = from_hex("00000003aabbcc").value();
  stream.insert(stream.end(), bad.begin(), bad.end());
  ASSERT_TRUE(test::send_all(raw, stream));

  ASSERT_TRUE(echo.m.wait([&] { return echo.disconnects.count(raw_id) == 1; }));
  const Error reason = echo.m.read([&] { return echo.disconnects.at(raw_id); });
  EXPECT_EQ(reason.code(), Code::kMalformed) << reason.what();
  bool closed = false;
  const std::string echoed = test::read_until_close(raw, &closed);
  EXPECT_TRUE(closed) << "the server must close the offending connection";
  ::close(raw);
  // The echo of the good frame may or may not have left before the close; if it did, it is whole.
  if (!echoed.empty()) {
    const Bytes expected = encode_frame(99, pdu_for(99, 0));
    EXPECT_EQ(Bytes(echoed.begin(), echoed.end()), expected);
  }

  // The other connections still work.
  ASSERT_TRUE(c.client->send(0, 1, pdu_for(1, 1)));
  ASSERT_TRUE(c.client->send(1, 2, pdu_for(2, 1)));
  ASSERT_TRUE(c.m.wait([&] { return c.frames.size() == 2; }));
  EXPECT_EQ(echo.server->connection_count(), 2u);
  EXPECT_EQ(echo.m.read([&] { return echo.disconnects.size(); }), 1u);
  EXPECT_TRUE(c.m.read([&] { return c.disconnects.empty(); }));
}

TEST(NasLink, OversizedFrameClosesTheConnection) {
  NasServerOptions options;
  options.max_frame_length = 1000;
  EchoServer echo(options);
  ASSERT_TRUE(echo.server);
  const int raw = test::connect_loopback(echo.server->port());
  ASSERT_GE(raw, 0);
  ASSERT_TRUE(test::send_all(raw, from_hex("000003e9").value()));  // 1001
  ASSERT_TRUE(echo.m.wait([&] { return echo.disconnects.size() == 1; }));
  EXPECT_EQ(echo.disconnects.begin()->second.code(), Code::kMalformed);
  ::close(raw);
}

TEST(NasLink, PeerThatDoesNotReadIsCutOffAtTheQueueLimit) {
  NasServerOptions options;
  options.max_queued_octets = 256 * 1024;
  EchoServer echo(options);
  ASSERT_TRUE(echo.server);
  const int raw = test::connect_loopback(echo.server->port());
  ASSERT_GE(raw, 0);
  ASSERT_TRUE(echo.m.wait([&] { return echo.connects.size() == 1; }));
  const ConnectionId id = echo.connects[0];
  const Bytes big(60000, 0x42);
  // Far more than the socket buffers and the queue limit hold; the raw peer never reads.
  for (int i = 0; i < 2000 && echo.m.read([&] { return echo.disconnects.empty(); }); ++i) {
    ASSERT_TRUE(echo.server->send(id, 1, big));
  }
  ASSERT_TRUE(echo.m.wait([&] { return echo.disconnects.size() == 1; }));
  EXPECT_EQ(echo.disconnects.at(id).code(), Code::kUnavailable) << echo.disconnects.at(id).what();
  ::close(raw);
}

TEST(NasLink, CloseEndsOneConnectionAndReportsIt) {
  EchoServer echo;
  ASSERT_TRUE(echo.server);
  Client c(echo.server->port(), 2);
  ASSERT_TRUE(c.client);
  ASSERT_TRUE(echo.m.wait([&] { return echo.connects.size() == 2; }));
  const ConnectionId first = echo.m.read([&] { return echo.connects[0]; });
  echo.server->close(first);
  ASSERT_TRUE(echo.m.wait([&] { return echo.disconnects.size() == 1; }));
  EXPECT_EQ(echo.disconnects.at(first).code(), Code::kNotAllowed);
  ASSERT_TRUE(c.m.wait([&] { return c.disconnects.size() == 1; }));
  EXPECT_EQ(c.disconnects.begin()->second.code(), Code::kIo);
  // The client's other connection is the one left; it still echoes.
  const std::size_t alive = c.disconnects.count(0) ? 1 : 0;
  ASSERT_TRUE(c.client->send(alive, 5, pdu_for(5, 0)));
  ASSERT_TRUE(c.m.wait([&] { return c.frames.size() == 1; }));
  EXPECT_EQ(c.frames[0].index, alive);
}

TEST(NasLink, StoppedServerClosesEveryConnectionWithoutCallbacks) {
  EchoServer echo;
  ASSERT_TRUE(echo.server);
  Client c(echo.server->port(), 3);
  ASSERT_TRUE(c.client);
  ASSERT_TRUE(echo.m.wait([&] { return echo.connects.size() == 3; }));
  echo.server->stop();
  EXPECT_EQ(echo.server->connection_count(), 0u);
  ASSERT_TRUE(c.m.wait([&] { return c.disconnects.size() == 3; }));
  EXPECT_TRUE(echo.m.read([&] { return echo.disconnects.empty(); }));
  // Sending after stop is harmless.
  EXPECT_TRUE(echo.server->send(1, 1, pdu_for(1, 0)));
}

TEST(NasLink, RefusesPdusAboveTheFrameLimitAndUnknownConnectionIndexes) {
  NasServerOptions options;
  options.max_frame_length = 100;
  EchoServer echo(options);
  ASSERT_TRUE(echo.server);
  auto too_big = echo.server->send(1, 1, Bytes(93, 0));
  ASSERT_FALSE(too_big);
  EXPECT_EQ(too_big.error().code(), Code::kInvalidArgument);
  EXPECT_TRUE(echo.server->send(1, 1, Bytes(92, 0)));

  Client c(echo.server->port(), 2);
  ASSERT_TRUE(c.client);
  auto bad_index = c.client->send(2, 1, pdu_for(1, 0));
  ASSERT_FALSE(bad_index);
  EXPECT_EQ(bad_index.error().code(), Code::kInvalidArgument);
}

TEST(NasLink, ListeningOnABusyPortFailsNamingTheAddress) {
  EchoServer first;
  ASSERT_TRUE(first.server);
  EventLoop loop;
  NasServerOptions options;
  options.port = first.server->port();
  NasServerCallbacks cb;
  cb.on_frame = [](ConnectionId, UeId, ByteView) {};
  auto second = NasServer::listen(loop, options, cb);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code(), Code::kIo);
  EXPECT_NE(second.error().message().find("127.0.0.1:" + std::to_string(options.port)),
            std::string::npos)
      << second.error().message();

  options.address = "not-an-address";
  auto bad = NasServer::listen(loop, options, cb);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), Code::kInvalidArgument);
}

TEST(NasLink, ConnectingToAClosedPortFails) {
  std::uint16_t port = 0;
  {
    EchoServer gone;
    ASSERT_TRUE(gone.server);
    port = gone.server->port();
  }
  EventLoop loop;
  NasClientOptions options;
  options.port = port;
  NasClientCallbacks cb;
  cb.on_frame = [](std::size_t, UeId, ByteView) {};
  auto c = NasClient::connect(loop, options, cb);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code(), Code::kIo);
}

TEST(NasLink, ClientEndpointsMatchTheServerSide) {
  EchoServer echo;
  ASSERT_TRUE(echo.server);
  Client c(echo.server->port(), 1);
  ASSERT_TRUE(c.client);
  EXPECT_EQ(c.client->remote_endpoint(0), echo.server->local_endpoint());
  EXPECT_EQ(c.client->local_endpoint(0).to_string().rfind("127.0.0.1:", 0), 0u);
}

// With no file descriptor left, accept() fails at once for as long as the connection waits in the
// backlog: the NAS server backs off 100 ms between attempts (a busy loop would make thousands) and
// accepts the UE link once descriptors are free again.
TEST(NasLink, AcceptFailingForLackOfDescriptorsIsRetriedAfterAPauseNotInALoop) {
  EchoServer echo;
  ASSERT_TRUE(echo.server);
  remote_log_limiter().set_limits({});  // forget earlier tests' keys; default limits
  const int client =
      test::connect_while_out_of_descriptors(echo.server->port(), std::chrono::milliseconds(600));
  ASSERT_GE(client, 0);
  EXPECT_EQ(test::suppressed_log_lines("nas.accept_failed"), 0u);
  EXPECT_TRUE(echo.m.wait([&] { return echo.connects.size() == 1; }));
  ::close(client);
}

}  // namespace
}  // namespace kmebind::net
