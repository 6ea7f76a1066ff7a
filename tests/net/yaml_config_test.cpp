// YAML config helpers (docs/operations.md §5): values of every type, and for each kind of
// mistake an error naming file, line, key path and problem — never an exception.
#include "net/yaml_config.h"

#include <gtest/gtest.h>

#include <fstream>

namespace kmebind::net {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kHss = R"(diameter:
  identity: hss.kmebind.test
  port: 3868
  transport: tls
  watchdog: 30s
  realm:
  peers:
    - host: cnn1.kmebind.test
      port: 3868
    - host: cnn2.kmebind.test
  allowed: [cnn1, cnn2]
metrics:
  enabled: true
  offset: -5
log_level: info
)";

ConfigNode root_of(std::string_view text) {
  static std::vector<YamlDoc> docs;  // keeps the documents alive for the returned nodes
  auto doc = parse_yaml(text, "hss.yaml");
  EXPECT_TRUE(doc) << doc.error().what();
  docs.push_back(*doc);
  return docs.back().root();
}

template <class T>
std::string error_of(const Result<T>& r) {
  EXPECT_FALSE(r.has_value());
  if (r.has_value()) return "(no error)";
  EXPECT_EQ(r.error().code(), Code::kInvalidArgument);
  return r.error().message();
}

TEST(YamlConfig, ReadsEveryValueType) {
  const ConfigNode root = root_of(kHss);
  EXPECT_EQ(get_string(root, "diameter.identity").value(), "hss.kmebind.test");
  EXPECT_EQ(get_uint(root, "diameter.port", 1, 65535).value(), 3868u);
  EXPECT_EQ(get_enum(root, "diameter.transport", {"tls", "tcp"}).value(), "tls");
  EXPECT_EQ(get_duration(root, "diameter.watchdog", 6s, 1h).value(), 30s);
  EXPECT_TRUE(get_bool(root, "metrics.enabled").value());
  EXPECT_EQ(get_int(root, "metrics.offset", -10, 10).value(), -5);
  EXPECT_EQ(get_string_list(root, "diameter.allowed").value(),
            (std::vector<std::string>{"cnn1", "cnn2"}));
  enum class Transport { kTls, kTcp };
  EXPECT_EQ(get_enum_as<Transport>(root, "diameter.transport",
                                   {{"tls", Transport::kTls}, {"tcp", Transport::kTcp}})
                .value(),
            Transport::kTls);
  auto diameter = get_map(root, "diameter");
  ASSERT_TRUE(diameter);
  EXPECT_EQ(diameter->path(), "diameter");
  EXPECT_EQ(diameter->line(), 1);
  EXPECT_EQ(get_uint(*diameter, "port", 1, 65535).value(), 3868u);
  EXPECT_TRUE(check_keys(root, {"diameter", "metrics", "log_level"}));
  EXPECT_TRUE(check_keys(
      *diameter, {"identity", "port", "transport", "watchdog", "realm", "peers", "allowed"}));
}

TEST(YamlConfig, OptionalValuesTakeTheDefaultWhenMissingOrEmpty) {
  const ConfigNode root = root_of(kHss);
  EXPECT_EQ(get_string_or(root, "diameter.realm", "kmebind.test").value(), "kmebind.test");
  EXPECT_EQ(get_string_or(root, "diameter.product", "kmebind").value(), "kmebind");
  EXPECT_EQ(get_uint_or(root, "diameter.port", 1, 65535, 1).value(), 3868u);
  EXPECT_EQ(get_uint_or(root, "storage.pool", 1, 64, 8).value(), 8u);
  EXPECT_EQ(get_int_or(root, "metrics.skew", -5, 5, 2).value(), 2);
  EXPECT_FALSE(get_bool_or(root, "metrics.verbose", false).value());
  EXPECT_EQ(get_enum_or(root, "diameter.mode", {"a", "b"}, "b").value(), "b");
  EXPECT_EQ(get_duration_or(root, "diameter.tx_timeout", 1s, 1min, 5s).value(), 5s);
  EXPECT_EQ(get_string_list_or(root, "diameter.extra", {"x"}).value(),
            std::vector<std::string>{"x"});
  EXPECT_EQ(get_enum_as_or(root, "diameter.mode", {{"a", 1}, {"b", 2}}, 3).value(), 3);
  auto none = find_map(root, "storage");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
  auto metrics = find_map(root, "metrics");
  ASSERT_TRUE(metrics && metrics->has_value());
  EXPECT_TRUE(has_key(root, "diameter.realm"));  // present, even if empty
  EXPECT_FALSE(has_key(root, "diameter.nope"));
  // A present value of the wrong type is still an error.
  EXPECT_EQ(error_of(get_bool_or(root, "log_level", true)),
            "hss.yaml:15: log_level: expected true or false, got 'info'");
}

TEST(YamlConfig, WrongTypeNamesFileLineKeyAndValue) {
  const ConfigNode root = root_of("diameter:\n  identity: hss\n  port: abc\n");
  EXPECT_EQ(error_of(get_uint(root, "diameter.port", 1, 65535)),
            "hss.yaml:3: diameter.port: expected an integer 1..65535, got 'abc'");
  EXPECT_EQ(error_of(get_string(root, "diameter")),
            "hss.yaml:1: diameter: expected a string, got a map");
  EXPECT_EQ(error_of(get_map(root, "diameter.identity")),
            "hss.yaml:2: diameter.identity: expected a map, got 'hss'");
  EXPECT_EQ(error_of(get_uint(root, "diameter.identity.x", 1, 2)),
            "hss.yaml:2: diameter.identity: expected a map, got a scalar");
  EXPECT_EQ(error_of(get_list(root, "diameter.identity")),
            "hss.yaml:2: diameter.identity: expected a list, got 'hss'");
  EXPECT_EQ(error_of(get_string_list(root, "diameter.identity")),
            "hss.yaml:2: diameter.identity: expected a list, got 'hss'");
}

TEST(YamlConfig, OutOfRangeAndNonDecimalIntegersAreRefused) {
  const ConfigNode root = root_of(
      "port: 70000\nzero: 0\nlead: 010\nplus: +5\nhex: 0x10\nneg: -3\nbig: 99999999999999999999\n"
      "minus_zero: -0\n");
  EXPECT_EQ(error_of(get_uint(root, "port", 1, 65535)),
            "hss.yaml:1: port: expected an integer 1..65535, got '70000'");
  EXPECT_EQ(error_of(get_uint(root, "zero", 1, 65535)),
            "hss.yaml:2: zero: expected an integer 1..65535, got '0'");
  EXPECT_EQ(get_uint(root, "zero", 0, 1).value(), 0u);
  for (const char* key : {"lead", "plus", "hex", "neg", "big"}) {
    EXPECT_FALSE(get_uint(root, key, 0, UINT64_MAX)) << key;
  }
  EXPECT_EQ(get_int(root, "neg", -3, 0).value(), -3);
  EXPECT_EQ(error_of(get_int(root, "neg", -2, 0)),
            "hss.yaml:6: neg: expected an integer -2..0, got '-3'");
  EXPECT_EQ(get_int(root, "minus_zero", -1, 1).value(), 0);
  EXPECT_FALSE(get_int(root, "big", INT64_MIN, INT64_MAX));
}

TEST(YamlConfig, MissingKeysNameTheirPathAndTheLineOfTheirSection) {
  const ConfigNode root = root_of(kHss);
  EXPECT_EQ(error_of(get_string(root, "diameter.origin_realm")),
            "hss.yaml:1: diameter.origin_realm: missing (required)");
  EXPECT_EQ(error_of(get_string(root, "storage.path")),
            "hss.yaml: storage.path: missing (required)");
  EXPECT_EQ(error_of(get_string(root, "diameter.realm")),
            "hss.yaml:6: diameter.realm: missing (required)");  // present but empty
  auto peers = get_list(root, "diameter.peers");
  ASSERT_TRUE(peers);
  ASSERT_EQ(peers->size(), 2u);
  EXPECT_EQ((*peers)[1].path(), "diameter.peers[1]");
  EXPECT_EQ(get_string((*peers)[1], "host").value(), "cnn2.kmebind.test");
  EXPECT_EQ(error_of(get_uint((*peers)[1], "port", 1, 65535)),
            "hss.yaml:10: diameter.peers[1].port: missing (required)");
}

TEST(YamlConfig, UnknownKeysAreErrorsWithASuggestion) {
  const ConfigNode root = root_of("nas:\n  listen_adress: 0.0.0.0\n  port: 36412\n");
  auto nas = get_map(root, "nas").value();
  EXPECT_EQ(error_of(check_keys(nas, {"listen_address", "port", "connections"})),
            "hss.yaml:2: nas.listen_adress: unknown key (did you mean 'listen_address'?)");
  EXPECT_EQ(error_of(check_keys(root, {"diameter", "metrics"})),
            "hss.yaml:1: nas: unknown key (allowed: diameter metrics)");
  EXPECT_EQ(error_of(check_keys(get_map(root, "nas").value(), {"listen_address"})),
            "hss.yaml:2: nas.listen_adress: unknown key (did you mean 'listen_address'?)");
}

TEST(YamlConfig, DuplicateKeysAreErrors) {
  const ConfigNode root = root_of("diameter:\n  port: 1\n  identity: a\n  port: 2\n");
  EXPECT_EQ(error_of(check_keys(get_map(root, "diameter").value(), {"port", "identity"})),
            "hss.yaml:4: diameter.port: duplicate key (first at line 2)");
}

TEST(YamlConfig, BooleansAreTrueOrFalseOnly) {
  const ConfigNode root = root_of("a: true\nb: False\nc: yes\nd: on\ne: 1\n");
  EXPECT_TRUE(get_bool(root, "a").value());
  EXPECT_FALSE(get_bool(root, "b").value());
  EXPECT_EQ(error_of(get_bool(root, "c")), "hss.yaml:3: c: expected true or false, got 'yes'");
  EXPECT_FALSE(get_bool(root, "d"));
  EXPECT_FALSE(get_bool(root, "e"));
}

TEST(YamlConfig, EnumsListTheAllowedValues) {
  const ConfigNode root = root_of("transport: udp\n");
  EXPECT_EQ(error_of(get_enum(root, "transport", {"tls", "tcp"})),
            "hss.yaml:1: transport: expected one of tls, tcp, got 'udp'");
  EXPECT_FALSE(get_enum_as<int>(root, "transport", {{"TLS", 1}}));
}

TEST(YamlConfig, DurationsNeedAUnitAndAreRangeChecked) {
  const ConfigNode root =
      root_of("a: 500ms\nb: 5m\nc: 2h\nd: 300\ne: 10x\nf: 1s\ng: 99999999999999999h\nh: s\n");
  EXPECT_EQ(get_duration(root, "a", 0ms, 1h).value(), 500ms);
  EXPECT_EQ(get_duration(root, "b", 0ms, 1h).value(), 5min);
  EXPECT_EQ(get_duration(root, "c", 0ms, 3h).value(), 2h);
  EXPECT_EQ(error_of(get_duration(root, "d", 1s, 1h)),
            "hss.yaml:4: d: expected a duration with unit ms, s, m or h (e.g. 300s) within "
            "1s..1h, got '300'");
  EXPECT_FALSE(get_duration(root, "e", 0ms, 1h));
  EXPECT_FALSE(get_duration(root, "f", 2s, 1h));
  EXPECT_FALSE(get_duration(root, "g", 0ms, std::chrono::milliseconds::max()));
  EXPECT_FALSE(get_duration(root, "h", 0ms, 1h));
}

TEST(YamlConfig, ListItemsMustBeStringsForAStringList) {
  const ConfigNode root = root_of("peers:\n  - a\n  - {host: b}\n");
  EXPECT_EQ(error_of(get_string_list(root, "peers")),
            "hss.yaml:3: peers[1]: expected a string, got a map");
}

TEST(YamlConfig, MalformedYamlIsAnErrorWithItsLineNotAnException) {
  auto doc = parse_yaml("diameter:\n  peers: [a, b\n  port: 3\n", "hss.yaml");
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error().code(), Code::kInvalidArgument);
  EXPECT_TRUE(doc.error().message().starts_with("hss.yaml:")) << doc.error().message();
  EXPECT_NE(doc.error().message().find("malformed YAML"), std::string::npos);
  for (std::string_view garbage :
       {std::string_view("{"), std::string_view("a: b: c"), std::string_view("\t- x"),
        std::string_view("*alias"), std::string_view("\x00\xff\xfe", 3),
        std::string_view("[1, ]]")}) {
    auto r = parse_yaml(garbage, "x.yaml");  // must not throw; may or may not parse
    if (r) {
      (void)check_keys(r->root(), {"a"});
      (void)get_string(r->root(), "a.b");
    }
  }
}

TEST(YamlConfig, NonMapDocumentsAndEmptyDocumentsAreHandled) {
  const ConfigNode list = root_of("- a\n- b\n");
  EXPECT_EQ(error_of(check_keys(list, {"a"})), "hss.yaml: expected a map, got a list");
  EXPECT_EQ(error_of(get_string(list, "a")), "hss.yaml: expected a map, got a list");
  const ConfigNode empty = root_of("");
  EXPECT_TRUE(check_keys(empty, {"a"}));
  EXPECT_EQ(error_of(get_string(empty, "a")), "hss.yaml: a: missing (required)");
  EXPECT_EQ(get_string_or(empty, "a", "d").value(), "d");
}

TEST(YamlConfig, StringErrorsNeverEchoTheValue) {
  const ConfigNode root = root_of("master_key: \"\"\nsecret:\n  - 00112233445566778899\n");
  EXPECT_EQ(error_of(get_string(root, "master_key")),
            "hss.yaml:1: master_key: expected a non-empty string");
  const std::string e = error_of(get_string(root, "secret"));
  EXPECT_EQ(e.find("0011"), std::string::npos) << e;
}

TEST(YamlConfig, AssigningNodesAndDocumentsRebindsInsteadOfOverwriting) {
  // yaml-cpp's Node::operator= writes into the referenced node; ours must not.
  auto a = parse_yaml("x: 1\n", "a.yaml").value();
  const auto b = parse_yaml("y: 2\n", "b.yaml").value();
  const ConfigNode a_root = a.root();
  a = b;
  EXPECT_EQ(a.source(), "b.yaml");
  EXPECT_EQ(get_uint(a.root(), "y", 0, 9).value(), 2u);
  EXPECT_EQ(get_uint(a_root, "x", 0, 9).value(), 1u) << "the first document was overwritten";
  ConfigNode n = a_root;
  n = b.root();
  EXPECT_EQ(get_uint(a_root, "x", 0, 9).value(), 1u);
  EXPECT_EQ(get_uint(n, "y", 0, 9).value(), 2u);
}

TEST(YamlConfig, LoadsFilesAndReportsUnreadableOnes) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("kmebind-net-" + std::to_string(::getpid()) + ".yaml");
  {
    std::ofstream out(path);
    out << "a: 1\nb: x\n";
  }
  auto doc = load_yaml(path);
  ASSERT_TRUE(doc) << doc.error().what();
  EXPECT_EQ(error_of(get_uint(doc->root(), "b", 0, 9)),
            path.string() + ":2: b: expected an integer 0..9, got 'x'");
  std::filesystem::remove(path);
  auto gone = load_yaml(path);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code(), Code::kIo);
  EXPECT_NE(gone.error().message().find(path.string()), std::string::npos);
}

TEST(YamlConfig, ADirectoryGivenAsTheFileIsReportedAsSuch) {
  const auto dir = std::filesystem::temp_directory_path();
  auto doc = load_yaml(dir);
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error().code(), Code::kIo);
  EXPECT_NE(doc.error().message().find("is a directory"), std::string::npos)
      << doc.error().message();
}

}  // namespace
}  // namespace kmebind::net
