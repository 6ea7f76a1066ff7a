// `kmebind crypto …` end to end: runs the built binary (KMEBIND_BINARY) on the published test
// data in tests/vectors/ and checks its JSON, and checks that bad, wrongly sized and missing
// arguments exit 2 with one line on stderr naming the argument.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

extern char** environ;

namespace {

struct Run {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs kmebind with `args` (no shell), collecting stdout and stderr.
Run run(const std::vector<std::string>& args) {
  Run r;
  int out_pipe[2], err_pipe[2];
  if (pipe(out_pipe) != 0 || pipe(err_pipe) != 0) {
    ADD_FAILURE() << "pipe failed";
    return r;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  posix_spawn_file_actions_addclose(&actions, out_pipe[0]);
  posix_spawn_file_actions_addclose(&actions, err_pipe[0]);
  std::vector<std::string> argv_strings{KMEBIND_BINARY};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : argv_strings) argv.push_back(s.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, KMEBIND_BINARY, &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (rc != 0) {
    ADD_FAILURE() << "cannot run " << KMEBIND_BINARY << " (build the kmebind target first)";
    close(out_pipe[0]);
    close(err_pipe[0]);
    return r;
  }
  std::array<pollfd, 2> fds{{{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}}};
  std::array<std::string*, 2> sinks{&r.out, &r.err};
  int open_fds = 2;
  while (open_fds > 0) {
    if (poll(fds.data(), fds.size(), 10000) <= 0) break;
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buf[4096];
      const ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      } else {
        sinks[i]->append(buf, static_cast<std::size_t>(n));
      }
    }
  }
  for (auto& fd : fds) {
    if (fd.fd >= 0) close(fd.fd);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

nlohmann::json entries(const std::string& file) {
  std::ifstream in(std::string(KMEBIND_TEST_VECTORS_DIR) + "/" + file);
  if (!in) {
    ADD_FAILURE() << "cannot open " << file;
    return nlohmann::json::array();
  }
  return nlohmann::json::parse(in)["entries"];
}

// Success: exit 0, one JSON object on stdout, nothing on stderr.
nlohmann::json ok_json(const Run& r) {
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  auto j = nlohmann::json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  EXPECT_TRUE(j.is_object()) << r.out;
  return j;
}

// Usage error: exit 2, nothing on stdout, exactly one line on stderr.
void expect_usage_error(const Run& r, const std::string& line) {
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, line + "\n");
}

std::string s(const nlohmann::json& v) {
  return v.get<std::string>();
}

// Published bytes cut to ceil(bits/8) octets, unused last bits cleared (eea2_eia2.json notes).
std::string masked_hex(const std::string& hex, std::size_t bits) {
  std::string out = hex.substr(0, 2 * ((bits + 7) / 8));
  if (bits % 8 != 0) {
    const unsigned last =
        static_cast<unsigned>(std::stoul(out.substr(out.size() - 2), nullptr, 16));
    char buf[3];
    std::snprintf(buf, sizeof buf, "%02x", last & (0xff00u >> (bits % 8)) & 0xffu);
    out.replace(out.size() - 2, 2, buf);
  }
  return out;
}

// TS 35.208 §4.3: every test set, alternately via --op and --opc.
TEST(CryptoCli, MilenageMatchesEveryTs35208TestSet) {
  bool use_op = true;
  for (const auto& e : entries("milenage.json")) {
    SCOPED_TRACE(s(e["id"]));
    auto j = ok_json(run({"crypto", "milenage", "--k", s(e["K"]), use_op ? "--op" : "--opc",
                          s(e[use_op ? "OP" : "OPc"]), "--rand", s(e["RAND"]), "--sqn", s(e["SQN"]),
                          "--amf", s(e["AMF"])}));
    use_op = !use_op;
    EXPECT_EQ(j["opc"], e["OPc"]);
    EXPECT_EQ(j["mac_a"], e["f1_MAC_A"]);
    EXPECT_EQ(j["mac_s"], e["f1star_MAC_S"]);
    EXPECT_EQ(j["res"], e["f2_RES"]);
    EXPECT_EQ(j["ck"], e["f3_CK"]);
    EXPECT_EQ(j["ik"], e["f4_IK"]);
    EXPECT_EQ(j["ak"], e["f5_AK"]);
    EXPECT_EQ(j["ak_star"], e["f5star_AK"]);
  }
}

// TS 33.401 A.2 (kdf.json): "001/01" and SN id 27f450 (= 724-05).
TEST(CryptoCli, KasmeMatchesEveryKdfVector) {
  int checked = 0;
  for (const auto& e : entries("kdf.json")) {
    if (!e.contains("CK") || !e.contains("KASME")) continue;
    SCOPED_TRACE(s(e["id"]));
    const std::string plmn = s(e["SN_id_P0"]) == "00f110" ? "001-01" : "724-05";
    auto j = ok_json(run({"crypto", "kasme", "--ck", s(e["CK"]), "--ik", s(e["IK"]), "--plmn", plmn,
                          "--sqn-xor-ak", s(e["SQN_xor_AK"])}));
    EXPECT_EQ(j["kasme"], e["KASME"]);
    ++checked;
  }
  EXPECT_EQ(checked, 3);
}

// TS 33.401 A.7 (kdf.json KNAS-srsRAN: EEA0, 128-EIA1).
TEST(CryptoCli, NasKeysMatchKdfVector) {
  for (const auto& e : entries("kdf.json")) {
    if (!e.contains("KNASenc_128")) continue;
    auto j = ok_json(
        run({"crypto", "nas-keys", "--kasme", s(e["KASME"]), "--enc-alg", "0", "--int-alg", "1"}));
    EXPECT_EQ(j["knas_enc"], e["KNASenc_128"]);
    EXPECT_EQ(j["knas_int"], e["KNASint_128"]);
  }
}

// TS 33.401 Annex C.1 and C.2: every 128-EEA2 and 128-EIA2 test set.
TEST(CryptoCli, Eea2AndEia2MatchEveryTs33401AnnexCTestSet) {
  int eea2 = 0, eia2 = 0;
  for (const auto& e : entries("eea2_eia2.json")) {
    SCOPED_TRACE(s(e["id"]));
    const auto bits = e["LENGTH_bits"].get<std::size_t>();
    std::vector<std::string> args{"--key",         s(e["KEY"]),
                                  "--count",       s(e["COUNT"]),
                                  "--bearer",      s(e["BEARER"]),
                                  "--direction",   std::to_string(e["DIRECTION"].get<int>()),
                                  "--length-bits", std::to_string(bits)};
    if (s(e["id"]).starts_with("128-EEA2")) {
      args.insert(args.begin(), {"crypto", "eea2"});
      args.insert(args.end(), {"--data", s(e["PLAINTEXT"])});
      auto j = ok_json(run(args));
      EXPECT_EQ(s(j["output"]), masked_hex(s(e["CIPHERTEXT"]), bits));
      ++eea2;
    } else {
      args.insert(args.begin(), {"crypto", "eia2"});
      args.insert(args.end(), {"--message", s(e["MESSAGE"])});
      auto j = ok_json(run(args));
      EXPECT_EQ(j["mac"], e["MACT"]);
      ++eia2;
    }
  }
  EXPECT_EQ(eea2, 3);
  EXPECT_EQ(eia2, 4);
}

// TS 33.501 Annex C.4.3 / C.4.4: encryption with the published ephemeral key, and decryption.
TEST(CryptoCli, EciesMatchesEveryTs33501AnnexC4Entry) {
  for (const auto& e : entries("ecies.json")) {
    SCOPED_TRACE(s(e["id"]));
    const std::string profile = s(e["profile"]).substr(0, 1);
    auto enc = ok_json(run({"crypto", "ecies-encrypt", "--profile", profile, "--public-key",
                            s(e["home_network_public_key"]), "--plaintext", s(e["plaintext_block"]),
                            "--eph-private-key", s(e["eph_private_key"])}));
    EXPECT_EQ(enc["scheme_output"], e["scheme_output"]);
    auto dec =
        ok_json(run({"crypto", "ecies-decrypt", "--profile", profile, "--private-key",
                     s(e["home_network_private_key"]), "--scheme-output", s(e["scheme_output"])}));
    EXPECT_EQ(dec["plaintext"], e["plaintext_block"]);
  }
}

// Without --eph-private-key a fresh ephemeral key is drawn; the output still decrypts.
TEST(CryptoCli, EciesRandomEphemeralKeyRoundTrips) {
  const auto e = entries("ecies.json")[1];
  auto enc = ok_json(run({"crypto", "ecies-encrypt", "--profile", "B", "--public-key",
                          s(e["home_network_public_key_compressed"]), "--plaintext", "00112233"}));
  ASSERT_TRUE(enc.contains("scheme_output"));
  EXPECT_NE(enc["scheme_output"], e["scheme_output"]);
  auto dec =
      ok_json(run({"crypto", "ecies-decrypt", "--profile", "B", "--private-key",
                   s(e["home_network_private_key"]), "--scheme-output", s(enc["scheme_output"])}));
  EXPECT_EQ(dec["plaintext"], "00112233");
}

// A flipped bit in the MAC tag: the operation fails (exit 1), one line, no output.
TEST(CryptoCli, EciesTamperedOutputExitsOne) {
  const auto e = entries("ecies.json")[0];
  std::string tampered = s(e["scheme_output"]);
  tampered.back() = tampered.back() == '0' ? '1' : '0';
  auto r = run({"crypto", "ecies-decrypt", "--profile", "A", "--private-key",
                s(e["home_network_private_key"]), "--scheme-output", tampered});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("kmebind crypto ecies-decrypt: authentication failed"), std::string::npos)
      << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1);
}

const std::vector<std::string> kMilenageArgs{"--op",   "cdc202d5123e20f62b6d676ac72cb318",
                                             "--rand", "23553cbe9637a89d218ae64dae47bf35",
                                             "--sqn",  "ff9bb4d0b607",
                                             "--amf",  "b9b9"};

std::vector<std::string> milenage_with_k(const std::string& k) {
  std::vector<std::string> args{"crypto", "milenage", "--k", k};
  args.insert(args.end(), kMilenageArgs.begin(), kMilenageArgs.end());
  return args;
}

TEST(CryptoCli, WrongLengthExitsTwoNamingTheArgument) {
  expect_usage_error(run(milenage_with_k("465b5ce8b199b49faa5f0a2ee238a6")),
                     "kmebind crypto milenage: --k: expected 16 octets (32 hex digits), got 15");
}

TEST(CryptoCli, BadHexExitsTwoNamingTheArgument) {
  expect_usage_error(run(milenage_with_k("465b5ce8b199b49faa5f0a2ee238a6zz")),
                     "kmebind crypto milenage: --k: not a hex digit at position 30");
  expect_usage_error(run(milenage_with_k("465b5ce8b199b49faa5f0a2ee238a6b")),
                     "kmebind crypto milenage: --k: hex has an odd number of digits (31)");
}

TEST(CryptoCli, MissingOptionExitsTwoWithOneLine) {
  expect_usage_error(
      run({"crypto", "milenage", "--k", "465b5ce8b199b49faa5f0a2ee238a6bc", "--op",
           "cdc202d5123e20f62b6d676ac72cb318", "--sqn", "ff9bb4d0b607", "--amf", "b9b9"}),
      "kmebind crypto milenage: --rand: missing (required)");
  expect_usage_error(run({"crypto", "kasme"}), "kmebind crypto kasme: --ck: missing (required)");
  expect_usage_error(run({"crypto", "ecies-decrypt", "--profile", "A"}),
                     "kmebind crypto ecies-decrypt: --private-key: missing (required)");
  expect_usage_error(run({"crypto"}),
                     "kmebind crypto: a subcommand is required: milenage, kasme, nas-keys, eia2, "
                     "eea2, ecies-encrypt, ecies-decrypt");
}

TEST(CryptoCli, OpAndOpcTogetherOrNeitherExitTwo) {
  auto args = milenage_with_k("465b5ce8b199b49faa5f0a2ee238a6bc");
  args.insert(args.end(), {"--opc", "cd63cb71954a9f4e48a5994e37a02baf"});
  expect_usage_error(run(args), "kmebind crypto milenage: --op/--opc: give exactly one of them");
}

TEST(CryptoCli, NasAlgorithmArgumentChecks) {
  const std::vector<std::string> base{
      "crypto",        "eia2",     "--key",       "2bd6459f82c5b300952c49104881ff48",
      "--count",       "38a6f056", "--direction", "0",
      "--length-bits", "58"};
  auto with = [&](std::vector<std::string> extra) {
    auto args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    return run(args);
  };
  expect_usage_error(with({"--bearer", "20", "--message", "3332346263393840"}),
                     "kmebind crypto eia2: --bearer: 5-bit value expected (00..1f), got 20");
  expect_usage_error(
      with({"--bearer", "18", "--message", "33323462633938"}),
      "kmebind crypto eia2: --message: --length-bits 58 needs at least 8 octets, got 7");
  expect_usage_error(with({"--bearer", "18", "--message", "3332346263393840", "--extra"}),
                     "kmebind crypto eia2: unexpected argument \"--extra\"");
  auto bad_dir =
      run({"crypto", "eea2", "--key", "d3c5d592327fb11c4035c6680af8c6d1", "--count", "398a59b4",
           "--bearer", "15", "--direction", "2", "--length-bits", "8", "--data", "00"});
  expect_usage_error(bad_dir,
                     "kmebind crypto eea2: --direction: expected a decimal number 0..1, got \"2\"");
}

TEST(CryptoCli, BadProfileAndPlmnExitTwo) {
  auto r = run({"crypto", "ecies-decrypt", "--profile", "C", "--private-key", std::string(64, '1'),
                "--scheme-output", std::string(100, '0')});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(r.err.starts_with("kmebind crypto ecies-decrypt: --profile: ")) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1);
  auto p = run({"crypto", "kasme", "--ck", std::string(32, '0'), "--ik", std::string(32, '0'),
                "--plmn", "00101", "--sqn-xor-ak", std::string(12, '0')});
  EXPECT_EQ(p.exit_code, 2);
  EXPECT_TRUE(p.err.starts_with("kmebind crypto kasme: --plmn: ")) << p.err;
  auto k = run({"crypto", "ecies-encrypt", "--profile", "B", "--public-key", std::string(64, '0'),
                "--plaintext", "00"});
  expect_usage_error(k,
                     "kmebind crypto ecies-encrypt: --public-key: expected 33 (compressed) or 65 "
                     "(uncompressed) octets for profile B, got 32");
}

TEST(CryptoCli, HelpNamesTheSpecClauses) {
  for (const auto& [sub, clause] :
       std::vector<std::pair<std::string, std::string>>{{"milenage", "TS 35.206"},
                                                        {"kasme", "TS 33.401 Annex A.2"},
                                                        {"nas-keys", "TS 33.401 Annex A.7"},
                                                        {"eia2", "TS 33.401 Annex B.2.3"},
                                                        {"eea2", "TS 33.401 Annex B.1.3"},
                                                        {"ecies-encrypt", "TS 33.501 Annex C.3"},
                                                        {"ecies-decrypt", "TS 33.501 Annex C.3"}}) {
    auto r = run({"crypto", sub, "--help"});
    EXPECT_EQ(r.exit_code, 0) << sub;
    EXPECT_NE(r.out.find(clause), std::string::npos) << sub << ": " << r.out;
  }
}

}  // namespace
