// Metrics (docs/operations.md §3): series identity, exact exposition text, a format checker run
// over a registry with every kind of metric, exact counts under concurrent updates, registration
// bugs stopping the process, and the HTTP endpoint scraped over loopback with a raw socket.
#include "net/metrics.h"

#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <sstream>
#include <thread>
#include <vector>

#include "common/log_limiter.h"
#include "net/metrics_server.h"
#include "net_test_util.h"

namespace kmebind::net {
namespace {

// Checks `text` against the Prometheus text format 0.0.4 as far as kmebind uses it; returns the
// first problem, or "" when the text is valid. Also returns every sample in `samples`.
std::string check_exposition(const std::string& text, std::map<std::string, double>* samples) {
  static const std::regex help(R"(^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .*$)");
  static const std::regex type(R"(^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram)$)");
  static const std::regex sample(
      R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*")(,[a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*")*\})? (-?[0-9.e+-]+|\+Inf|-Inf|NaN)$)");
  if (text.empty() || text.back() != '\n') return "does not end with a newline";
  std::map<std::string, std::string> types;
  std::set<std::string> helped;
  std::istringstream in(text);
  std::string line;
  int n = 0;
  std::map<std::string, double> last_bucket;  // series without le → last cumulative count
  while (std::getline(in, line)) {
    ++n;
    std::smatch m;
    const std::string where = "line " + std::to_string(n) + " '" + line + "': ";
    if (std::regex_match(line, m, help)) {
      if (!helped.insert(m[1]).second) return where + "second HELP";
    } else if (std::regex_match(line, m, type)) {
      if (!helped.count(m[1])) return where + "TYPE before HELP";
      if (!types.emplace(m[1], m[2]).second) return where + "second TYPE";
    } else if (std::regex_match(line, m, sample)) {
      std::string name = m[1];
      std::string family = name;
      for (const char* suffix : {"_bucket", "_sum", "_count"}) {
        if (!types.count(family) && name.ends_with(suffix)) {
          family = name.substr(0, name.size() - std::string(suffix).size());
        }
      }
      if (!types.count(family)) return where + "sample without TYPE";
      const std::string& t = types[family];
      if (t != "histogram" && family != name) return where + "suffix on a " + t;
      if (t == "histogram" && family == name) return where + "histogram sample without suffix";
      const std::string labels = m[2];
      if (name.ends_with("_bucket")) {
        if (labels.find("le=\"") == std::string::npos) return where + "bucket without le";
        std::string series = std::regex_replace(labels, std::regex(R"(,?le="[^"]*")"), "");
        const double v = std::stod(line.substr(line.rfind(' ') + 1));
        auto [it, fresh] = last_bucket.emplace(family + series, v);
        if (!fresh && v < it->second) return where + "buckets not cumulative";
        it->second = v;
      }
      if (samples) (*samples)[name + labels] = std::stod(line.substr(line.rfind(' ') + 1));
    } else {
      return where + "not HELP, TYPE or a sample";
    }
  }
  return "";
}

TEST(Metrics, SameNameAndLabelsInAnyOrderGiveTheSameSeries) {
  MetricsRegistry r;
  Counter& a = r.counter("kmebind_test_total", "Test.", {{"a", "1"}, {"b", "2"}});
  Counter& b = r.counter("kmebind_test_total", "Test.", {{"b", "2"}, {"a", "1"}});
  Counter& c = r.counter("kmebind_test_total", "Test.", {{"a", "1"}, {"b", "3"}});
  EXPECT_EQ(&a, &b);
  EXPECT_NE(&a, &c);
  a.inc();
  b.inc(2);
  EXPECT_EQ(a.value(), 3u);
  EXPECT_EQ(c.value(), 0u);
}

TEST(Metrics, RendersTheExactExpositionText) {
  MetricsRegistry r;
  r.counter("kmebind_cnn_attach_total", "Attach procedures finished, by result.",
            {{"result", "accepted"}})
      .inc(12);
  r.counter("kmebind_cnn_attach_total", "Attach procedures finished, by result.",
            {{"result", "rejected"}})
      .inc(1);
  r.gauge("kmebind_cnn_ues", "UEs known to the CNN.").set(42.5);
  auto& h = r.histogram("kmebind_cnn_attach_seconds", "Attach duration.",
                        std::vector<double>{0.01, 0.1, 1}, {{"procedure", "kme-1"}});
  h.observe(0.005);
  h.observe(0.1);  // on a bound: counted in that bucket (le is "less or equal")
  h.observe(0.5);
  h.observe(7);
  EXPECT_EQ(r.render(),
            "# HELP kmebind_cnn_attach_seconds Attach duration.\n"
            "# TYPE kmebind_cnn_attach_seconds histogram\n"
            "kmebind_cnn_attach_seconds_bucket{procedure=\"kme-1\",le=\"0.01\"} 1\n"
            "kmebind_cnn_attach_seconds_bucket{procedure=\"kme-1\",le=\"0.1\"} 2\n"
            "kmebind_cnn_attach_seconds_bucket{procedure=\"kme-1\",le=\"1\"} 3\n"
            "kmebind_cnn_attach_seconds_bucket{procedure=\"kme-1\",le=\"+Inf\"} 4\n"
            "kmebind_cnn_attach_seconds_sum{procedure=\"kme-1\"} 7.605\n"
            "kmebind_cnn_attach_seconds_count{procedure=\"kme-1\"} 4\n"
            "# HELP kmebind_cnn_attach_total Attach procedures finished, by result.\n"
            "# TYPE kmebind_cnn_attach_total counter\n"
            "kmebind_cnn_attach_total{result=\"accepted\"} 12\n"
            "kmebind_cnn_attach_total{result=\"rejected\"} 1\n"
            "# HELP kmebind_cnn_ues UEs known to the CNN.\n"
            "# TYPE kmebind_cnn_ues gauge\n"
            "kmebind_cnn_ues 42.5\n");
}

TEST(Metrics, EscapesLabelValuesAndHelp) {
  MetricsRegistry r;
  r.counter("kmebind_x_total", "Line one\nback\\slash", {{"peer", "a\"b\\c\nd"}}).inc();
  EXPECT_EQ(r.render(),
            "# HELP kmebind_x_total Line one\\nback\\\\slash\n"
            "# TYPE kmebind_x_total counter\n"
            "kmebind_x_total{peer=\"a\\\"b\\\\c\\nd\"} 1\n");
  EXPECT_EQ(check_exposition(r.render(), nullptr), "");
}

TEST(Metrics, ExpositionOfEveryKindPassesTheFormatChecker) {
  MetricsRegistry r;
  r.counter("kmebind_hss_air_total", "AIR answered.", {{"result", "2001"}}).inc(3);
  r.counter("kmebind_hss_ulr_total", "ULR answered.").inc();
  r.gauge("kmebind_sim_inflight", "Attaches in flight.").add(-2);
  r.gauge("kmebind_sim_ratio", "A ratio.").set(1e-9);
  auto& h = r.histogram("kmebind_sim_attach_seconds", "Attach latency.", default_latency_buckets(),
                        {{"procedure", "legacy"}});
  for (int i = 0; i < 100; ++i) h.observe(i * 0.01);
  r.histogram("kmebind_sim_attach_seconds", "Attach latency.", default_latency_buckets(),
              {{"procedure", "kme-2"}});
  std::map<std::string, double> samples;
  EXPECT_EQ(check_exposition(r.render(), &samples), "") << r.render();
  EXPECT_EQ(samples["kmebind_hss_air_total{result=\"2001\"}"], 3);
  EXPECT_EQ(samples["kmebind_sim_inflight"], -2);
  EXPECT_EQ(samples["kmebind_sim_attach_seconds_count{procedure=\"legacy\"}"], 100);
  EXPECT_EQ(samples["kmebind_sim_attach_seconds_bucket{procedure=\"legacy\",le=\"+Inf\"}"], 100);
  EXPECT_EQ(samples["kmebind_sim_attach_seconds_bucket{procedure=\"legacy\",le=\"0.1\"}"], 11);
  EXPECT_EQ(samples["kmebind_sim_attach_seconds_count{procedure=\"kme-2\"}"], 0);
  // The checker itself refuses broken text.
  EXPECT_NE(check_exposition("kmebind_y 1\n", nullptr), "");
  EXPECT_NE(check_exposition("# HELP a x\n# TYPE a counter\na{b=\"1} 2\n", nullptr), "");
  EXPECT_NE(check_exposition("# HELP a x\n# TYPE a histogram\na_bucket{le=\"1\"} 2\n"
                             "a_bucket{le=\"+Inf\"} 1\n",
                             nullptr),
            "");
}

TEST(Metrics, ConcurrentUpdatesAreNotLost) {
  MetricsRegistry r;
  Counter& c = r.counter("kmebind_c_total", "C.");
  Gauge& g = r.gauge("kmebind_g", "G.");
  Histogram& h = r.histogram("kmebind_h_seconds", "H.", default_latency_buckets());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100000; ++i) {
        c.inc();
        g.add(1);
        h.observe(0.002);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.value(), 400000u);
  EXPECT_EQ(g.value(), 400000.0);
  const auto snap = h.snapshot();
  EXPECT_EQ(snap.count, 400000u);
  EXPECT_EQ(snap.cumulative[0], 0u);       // le 0.001
  EXPECT_EQ(snap.cumulative[1], 400000u);  // le 0.0025
  EXPECT_NEAR(snap.sum, 800.0, 1e-6);
}

TEST(MetricsDeathTest, RegistrationBugsStopTheProcessWithTheReason) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  MetricsRegistry r;
  r.counter("kmebind_a_total", "A.");
  EXPECT_DEATH(r.gauge("kmebind_a_total", "A."), "kmebind_a_total is a counter");
  EXPECT_DEATH(r.counter("kmebind_a_total", "Other help."), "another help");
  EXPECT_DEATH(r.counter("kmebind_a_total", "A.", {{"x", "1"}}), "other label names");
  EXPECT_DEATH(r.counter("9bad", "B."), "not a valid metric name");
  EXPECT_DEATH(r.counter("kmebind_b_total", "B.", {{"__x", "1"}}), "not a valid label name");
  EXPECT_DEATH(r.histogram("kmebind_h", "H.", std::vector<double>{1, 1}), "strictly increasing");
  EXPECT_DEATH(r.histogram("kmebind_h", "H.", default_latency_buckets(), {{"le", "1"}}),
               "reserved");
}

TEST(MetricsHttp, AnswersEachRequestKindAsDocumented) {
  MetricsRegistry r;
  r.counter("kmebind_z_total", "Z.").inc(5);
  const std::string ok = metrics_http_response("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", r);
  EXPECT_TRUE(ok.starts_with("HTTP/1.1 200 OK\r\n")) << ok;
  EXPECT_NE(ok.find("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"),
            std::string::npos);
  EXPECT_TRUE(ok.ends_with("\r\n\r\n" + r.render()));
  EXPECT_NE(ok.find("Content-Length: " + std::to_string(r.render().size()) + "\r\n"),
            std::string::npos);
  EXPECT_TRUE(
      metrics_http_response("GET /metrics?x=1 HTTP/1.0\r\n\r\n", r).starts_with("HTTP/1.1 200"));
  const std::string head = metrics_http_response("HEAD /metrics HTTP/1.1\r\n\r\n", r);
  EXPECT_TRUE(head.starts_with("HTTP/1.1 200")) << head;
  EXPECT_TRUE(head.ends_with("\r\n\r\n")) << "HEAD carries no body";
  EXPECT_TRUE(metrics_http_response("GET / HTTP/1.1\r\n\r\n", r).starts_with("HTTP/1.1 404"));
  EXPECT_TRUE(
      metrics_http_response("GET /metricsx HTTP/1.1\r\n\r\n", r).starts_with("HTTP/1.1 404"));
  const std::string post = metrics_http_response("POST /metrics HTTP/1.1\r\n\r\n", r);
  EXPECT_TRUE(post.starts_with("HTTP/1.1 405")) << post;
  EXPECT_NE(post.find("Allow: GET, HEAD\r\n"), std::string::npos);
  EXPECT_TRUE(metrics_http_response("GARBAGE\r\n\r\n", r).starts_with("HTTP/1.1 400"));
  EXPECT_TRUE(metrics_http_response("GET /metrics FTP/1\r\n\r\n", r).starts_with("HTTP/1.1 400"));
}

std::string scrape(std::uint16_t port, const std::string& request) {
  const int fd = test::connect_loopback(port);
  if (fd < 0) return "connect failed";
  test::send_all(fd, as_bytes(request));
  std::string out = test::read_until_close(fd);
  ::close(fd);
  return out;
}

TEST(MetricsHttp, ServesMetricsOverLoopbackAndParsesACounter) {
  MetricsRegistry r;
  Counter& attaches = r.counter("kmebind_cnn_attach_total", "Attaches.", {{"result", "accepted"}});
  r.histogram("kmebind_cnn_attach_seconds", "Attach latency.", default_latency_buckets())
      .observe(0.02);
  EventLoop loop;
  ASSERT_TRUE(loop.start("metrics"));
  auto server = MetricsServer::listen(loop, r, {});
  ASSERT_TRUE(server) << server.error().what();
  attaches.inc(1234);

  const std::string reply =
      scrape((*server)->port(), "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\n\r\n");
  ASSERT_TRUE(reply.starts_with("HTTP/1.1 200 OK\r\n")) << reply;
  EXPECT_NE(reply.find("\r\nContent-Type: text/plain; version=0.0.4"), std::string::npos);
  const std::string body = reply.substr(reply.find("\r\n\r\n") + 4);
  std::map<std::string, double> samples;
  EXPECT_EQ(check_exposition(body, &samples), "") << body;
  EXPECT_EQ(samples["kmebind_cnn_attach_total{result=\"accepted\"}"], 1234);
  EXPECT_EQ(samples["kmebind_cnn_attach_seconds_count"], 1);

  EXPECT_TRUE(scrape((*server)->port(), "GET /other HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 404"));
  // A request head above 8 KiB is refused.
  const std::string huge = "GET /metrics HTTP/1.1\r\nX: " + std::string(9000, 'a') + "\r\n\r\n";
  EXPECT_TRUE(scrape((*server)->port(), huge).starts_with("HTTP/1.1 400"));
}

TEST(MetricsHttp, SilentClientIsClosedAfterTheRequestTimeout) {
  MetricsRegistry r;
  EventLoop loop;
  ASSERT_TRUE(loop.start("metrics"));
  MetricsServerOptions options;
  options.request_timeout = std::chrono::milliseconds(100);
  auto server = MetricsServer::listen(loop, r, options);
  ASSERT_TRUE(server);
  const int fd = test::connect_loopback((*server)->port());
  ASSERT_GE(fd, 0);
  test::send_all(fd, as_bytes("GET /metr"));
  bool closed = false;
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(test::read_until_close(fd, &closed), "");
  EXPECT_TRUE(closed);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  ::close(fd);
}

// With no file descriptor left, accept() fails at once for as long as the connection waits in the
// backlog: the server must back off (100 ms) instead of calling it again in a loop, and serve the
// connection once descriptors are free again.
TEST(MetricsHttp, AcceptFailingForLackOfDescriptorsIsRetriedAfterAPauseNotInALoop) {
  MetricsRegistry r;
  EventLoop loop;
  ASSERT_TRUE(loop.start("metrics"));
  auto server = MetricsServer::listen(loop, r, {});
  ASSERT_TRUE(server);
  remote_log_limiter().set_limits({});  // forget earlier tests' keys; default limits

  const int client =
      test::connect_while_out_of_descriptors((*server)->port(), std::chrono::milliseconds(600));
  ASSERT_GE(client, 0);
  test::send_all(client, as_bytes("GET /metrics HTTP/1.1\r\n\r\n"));
  // About 6 attempts in 600 ms, all of them logged (10 lines per key pass); a busy loop makes
  // thousands and the limiter suppresses all but 10.
  EXPECT_EQ(test::suppressed_log_lines("metrics.accept_failed"), 0u);
  const std::string reply = test::read_until_close(client);
  EXPECT_TRUE(reply.starts_with("HTTP/1.1 200 OK\r\n")) << reply;
  ::close(client);
}

}  // namespace
}  // namespace kmebind::net
