// `kmebind admin` end to end: runs the built binary (KMEBIND_BINARY) in a temporary directory
// and checks its output, files and exit codes (0 ok, 1 failed, 2 usage, 3 configuration).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>

namespace {

namespace fs = std::filesystem;

struct CliRun {
  int code = -1;
  std::string out;
  std::string err;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::trunc);
  out << text;
}

bool contains(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

class AdminCli : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = fs::temp_directory_path() /
           ("kmebind-admin-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Runs `kmebind <args>` (a shell word list) in the test directory without
  // KMEBIND_MASTER_KEY unless `env` sets it.
  CliRun run(const std::string& args, const std::string& env = "") {
    const fs::path out = dir_ / ".stdout";
    const fs::path err = dir_ / ".stderr";
    const std::string line = "cd '" + dir_.string() + "' && env -u KMEBIND_MASTER_KEY " + env + " '" +
                             KMEBIND_BINARY + "' " + args + " >'" + out.string() + "' 2>'" +
                             err.string() + "' </dev/null";
    const int status = std::system(line.c_str());
    CliRun r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = slurp(out);
    r.err = slurp(err);
    return r;
  }
  CliRun ok(const std::string& args) {
    CliRun r = run(args);
    EXPECT_EQ(r.code, 0) << args << "\nstdout: " << r.out << "\nstderr: " << r.err;
    return r;
  }
  // openssl(1) for PEM keys made independently of kmebind.
  void sh(const std::string& cmd) {
    const std::string line = "cd '" + dir_.string() + "' && " + cmd + " >/dev/null 2>&1";
    ASSERT_EQ(std::system(line.c_str()), 0) << cmd;
  }
  std::string sh_out(const std::string& cmd) {
    const std::string line = "cd '" + dir_.string() + "' && (" + cmd + ") > .sh_out 2>/dev/null";
    EXPECT_EQ(std::system(line.c_str()), 0) << cmd;
    std::string s = slurp(dir_ / ".sh_out");
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
  }

  void init() { ok("admin init"); }
  // A fresh P-256 key pair made with openssl (p.key, p.pem in the test directory), its public key
  // in hex: uncompressed (04 ‖ X ‖ Y) and compressed (02/03 by the parity of Y, then X).
  struct P256Hex {
    std::string uncompressed;
    std::string compressed;
  };
  P256Hex make_p256_key() {
    sh("openssl ecparam -name prime256v1 -genkey -noout -out p.key && openssl ec -in p.key -pubout "
       "-out p.pem");
    P256Hex key;
    key.uncompressed =
        sh_out("openssl pkey -pubin -in p.pem -outform DER | tail -c 65 | xxd -p -c 200");
    EXPECT_EQ(key.uncompressed.size(), 130u);
    if (key.uncompressed.size() != 130u) return key;
    const int y_odd = std::stoi(key.uncompressed.substr(128, 2), nullptr, 16) & 1;
    key.compressed = (y_odd ? "03" : "02") + key.uncompressed.substr(2, 64);
    return key;
  }
  void add_sample_subscribers() {
    ok("admin subscriber add --imsi 001010000000001 --k 000102030405060708090a0b0c0d0e0f "
       "--opc 101112131415161718191a1b1c1d1e1f --binding kme-required --procedures 2 --sqn 64");
    ok("admin subscriber add --imsi 001010000000002 --k 202122232425262728292a2b2c2d2e2f "
       "--op 303132333435363738393a3b3c3d3e3f --amf 9001");
    ok("admin binding allow --imsi 001010000000001 --imei 35209900176148");
    ok("admin binding allow --imsi 001010000000001 --imei 356938035643809");  // 15 digits, valid
    ok("admin binding allow --imsi 001010000000002 --imei 35209900176148");
  }

  fs::path dir_;
};

TEST_F(AdminCli, InitCreatesPrivateKeyFileStoreAndImportKey) {
  CliRun r = ok("admin init");
  EXPECT_TRUE(contains(r.out, "KME import public key (ECIES profile A, X25519): "));
  struct stat st {};
  ASSERT_EQ(::stat((dir_ / "kmebind.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((dir_ / "kmebind.db").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0077, 0u);
  const std::string hex = slurp(dir_ / "import-public.hex");
  ASSERT_EQ(hex.size(), 65u);
  EXPECT_TRUE(contains(r.out, hex.substr(0, 64)));
  EXPECT_TRUE(contains(slurp(dir_ / "import-public.pem"), "BEGIN PUBLIC KEY"));
  // The PEM and the hex name the same X25519 key (checked with openssl, not kmebind).
  EXPECT_EQ(sh_out("openssl pkey -pubin -in import-public.pem -outform DER | tail -c 32 | xxd -p -c 64"),
            hex.substr(0, 64));

  const std::string key_before = slurp(dir_ / "kmebind.key");
  CliRun again = run("admin init --store second.db");
  EXPECT_EQ(again.code, 1);
  EXPECT_TRUE(contains(again.err, "exists; refusing to overwrite it (use --force)")) << again.err;
  EXPECT_EQ(slurp(dir_ / "kmebind.key"), key_before);
  EXPECT_EQ(run("admin init --force").code, 1);  // the store exists: never replaced
  EXPECT_EQ(slurp(dir_ / "kmebind.key"), key_before);
}

TEST_F(AdminCli, MissingKeyOrStoreIsAConfigurationErrorThatSaysWhatToDo) {
  CliRun r = run("admin subscriber list");
  EXPECT_EQ(r.code, 3);
  EXPECT_TRUE(contains(r.err, "kmebind admin init")) << r.err;
  init();
  CliRun s = run("admin --store missing.db subscriber list");
  EXPECT_EQ(s.code, 3);
  EXPECT_TRUE(contains(s.err, "does not exist; create it with `kmebind admin init`")) << s.err;
  ::chmod((dir_ / "kmebind.key").c_str(), 0644);
  CliRun perm = run("admin subscriber list");
  EXPECT_EQ(perm.code, 3);
  EXPECT_TRUE(contains(perm.err, "chmod 600")) << perm.err;
  ::chmod((dir_ / "kmebind.key").c_str(), 0600);
  // A master key from the environment that is not the store's.
  CliRun wrong = run("admin subscriber list",
                  "KMEBIND_MASTER_KEY=" + std::string(64, 'a'));
  EXPECT_EQ(wrong.code, 3);
  EXPECT_TRUE(contains(wrong.err, "master key does not match this store")) << wrong.err;
  // The right one from the environment works.
  const std::string key = slurp(dir_ / "kmebind.key").substr(0, 64);
  fs::rename(dir_ / "kmebind.key", dir_ / "elsewhere.key");
  EXPECT_EQ(run("admin subscriber list", "KMEBIND_MASTER_KEY=" + key).code, 0);
  EXPECT_EQ(run("admin --key-file elsewhere.key subscriber list").code, 0);
}

TEST_F(AdminCli, SubscriberAddShowListRemove) {
  init();
  add_sample_subscribers();
  CliRun show = ok("admin subscriber show --imsi 001010000000001");
  EXPECT_TRUE(contains(show.out, "k: <redacted>\nopc: <redacted>\n")) << show.out;
  EXPECT_FALSE(contains(show.out, "000102030405060708090a0b0c0d0e0f"));
  EXPECT_TRUE(contains(show.out, "sqn: 64\n"));
  EXPECT_TRUE(contains(show.out, "binding_mode: kme-required\n"));
  EXPECT_TRUE(contains(show.out, "procedures: 2\n"));
  EXPECT_TRUE(contains(show.out, "imeis: 35209900176148 35693803564380\n")) << show.out;
  CliRun reveal = ok("admin subscriber show --imsi 001010000000001 --reveal");
  EXPECT_TRUE(contains(reveal.out, "k: 000102030405060708090a0b0c0d0e0f\n"));
  EXPECT_TRUE(contains(reveal.out, "opc: 101112131415161718191a1b1c1d1e1f\n"));
  CliRun second = ok("admin subscriber show --imsi 001010000000002 --reveal");
  EXPECT_TRUE(contains(second.out, "amf: 9001\n"));
  EXPECT_FALSE(contains(second.out, "opc: 303132333435363738393a3b3c3d3e3f"));  // OPc derived from OP
  EXPECT_EQ(ok("admin subscriber list").out, "001010000000001\n001010000000002\n");
  EXPECT_EQ(ok("admin subscriber list --limit 1").out, "001010000000001\n");
  EXPECT_EQ(ok("admin subscriber list --limit 1 --after 001010000000001").out, "001010000000002\n");
  ok("admin subscriber remove --imsi 001010000000002");
  EXPECT_EQ(ok("admin subscriber list").out, "001010000000001\n");
  EXPECT_EQ(run("admin subscriber show --imsi 001010000000002").code, 1);
  EXPECT_EQ(run("admin subscriber remove --imsi 001010000000002").code, 1);
  EXPECT_EQ(run("admin subscriber add --imsi 001010000000001 --k 000102030405060708090a0b0c0d0e0f "
                "--opc 101112131415161718191a1b1c1d1e1f").code, 1);  // exists
}

TEST_F(AdminCli, BadArgumentsExitTwoNamingTheArgument) {
  init();
  const std::string k = "--k 000102030405060708090a0b0c0d0e0f ";
  const std::string opc = "--opc 101112131415161718191a1b1c1d1e1f ";
  struct Case {
    std::string args, names;
  };
  const Case cases[] = {
      {"admin subscriber add " + k + opc, "--imsi"},
      {"admin subscriber add --imsi 001010000000009 --k 0011 " + opc, "--k"},
      {"admin subscriber add --imsi 00101x " + k + opc, "--imsi"},
      {"admin subscriber add --imsi 001010000000009 " + k + opc + "--op " + opc.substr(6), "--op"},
      {"admin subscriber add --imsi 001010000000009 " + k + opc + "--amf 80", "--amf"},
      {"admin subscriber add --imsi 001010000000009 " + k + opc + "--binding strict", "--binding"},
      {"admin subscriber add --imsi 001010000000009 " + k + opc + "--procedures 3", "--procedures"},
      {"admin binding allow --imsi 001010000000009 --imei 123", "IMEI"},
      {"admin binding mode --imsi 001010000000009 --mode maybe", "--mode"},
      {"admin device add --imei 35209900176148 --enc-profile C --enc-public-key 00 --sig-alg ed25519 "
       "--sig-public-key 00", "--enc-profile"},
      {"admin import --format xml --file x", "--format"},
      {"admin nosuchcommand", "subcommand"},
  };
  for (const auto& c : cases) {
    CliRun r = run(c.args);
    EXPECT_EQ(r.code, 2) << c.args << "\n" << r.err;
    EXPECT_TRUE(contains(r.err, c.names)) << c.args << "\n" << r.err;
  }
  EXPECT_EQ(ok("admin subscriber list").out, "");
}

TEST_F(AdminCli, BindingAllowDenyListAndMode) {
  init();
  add_sample_subscribers();
  EXPECT_EQ(ok("admin binding list").out,
            "001010000000001,35209900176148\n001010000000001,35693803564380\n"
            "001010000000002,35209900176148\n");
  ok("admin binding deny --imsi 001010000000001 --imei 35209900176148");
  EXPECT_EQ(ok("admin binding list --imsi 001010000000001").out, "001010000000001,35693803564380\n");
  CliRun again = run("admin binding deny --imsi 001010000000001 --imei 35209900176148");
  EXPECT_EQ(again.code, 1);
  EXPECT_TRUE(contains(again.err, "not an allowed pair")) << again.err;
  EXPECT_EQ(run("admin binding allow --imsi 001019999999999 --imei 35209900176148").code, 1);
  ok("admin binding mode --imsi 001010000000002 --mode imei-check");
  EXPECT_TRUE(contains(ok("admin subscriber show --imsi 001010000000002").out, "binding_mode: imei-check"));
  CliRun audit = ok("admin audit --imsi 001010000000001");
  EXPECT_TRUE(contains(audit.out, "admin binding-deny imsi=001010000000001 imei=35209900176148"))
      << audit.out;
}

TEST_F(AdminCli, DeviceKeysFromHexAndPem) {
  init();
  sh("openssl genpkey -algorithm X25519 -out x.key && openssl pkey -in x.key -pubout -out x.pem");
  sh("openssl genpkey -algorithm ed25519 -out e.key && openssl pkey -in e.key -pubout -out e.pem");
  const P256Hex p256 = make_p256_key();  // p.pem
  const std::string x_hex = sh_out("openssl pkey -pubin -in x.pem -outform DER | tail -c 32 | xxd -p -c 64");
  const std::string e_hex = sh_out("openssl pkey -pubin -in e.pem -outform DER | tail -c 32 | xxd -p -c 64");
  const std::string& p_uncompressed = p256.uncompressed;
  ASSERT_EQ(x_hex.size(), 64u);
  ASSERT_EQ(p_uncompressed.size(), 130u);

  ok("admin device add --imei 35209900176148 --enc-profile A --enc-public-key @x.pem "
     "--sig-alg ed25519 --sig-public-key " + e_hex);
  CliRun a = ok("admin device show --imei 352099001761481");
  EXPECT_EQ(a.out, "imei: 35209900176148\nenc_profile: A\nenc_public_key: " + x_hex +
                       "\nsig_alg: ed25519\nsig_public_key: " + e_hex + "\n");

  // P-256 given compressed (hex, 02/03 ‖ X) and as PEM: stored uncompressed (04 ‖ X ‖ Y), the
  // form the HSS loads without a square root.
  const std::string& compressed = p256.compressed;
  ok("admin device add --imei 35693803564380 --enc-profile B --enc-public-key " + compressed +
     " --sig-alg ecdsa-p256 --sig-public-key @p.pem");
  CliRun b = ok("admin device show --imei 35693803564380");
  EXPECT_TRUE(contains(b.out, "enc_public_key: " + p_uncompressed + "\n")) << b.out;
  EXPECT_TRUE(contains(b.out, "sig_public_key: " + p_uncompressed + "\n")) << b.out;

  // A key of the wrong type, or not on the curve, is a bad argument.
  CliRun wrong = run("admin device add --imei 35209900176148 --enc-profile B --enc-public-key @x.pem "
                  "--sig-alg ed25519 --sig-public-key " + e_hex);
  EXPECT_EQ(wrong.code, 2);
  EXPECT_TRUE(contains(wrong.err, "--enc-public-key")) << wrong.err;
  CliRun off_curve = run("admin device add --imei 35209900176148 --enc-profile B --enc-public-key 02" +
                      std::string(64, 'f') + " --sig-alg ed25519 --sig-public-key " + e_hex);
  EXPECT_EQ(off_curve.code, 2);
  EXPECT_EQ(run("admin device show --imei 35209900176149").code, 1);
}

TEST_F(AdminCli, ImportUncompressesP256KeysOnRequestAndRefusesPointsOffTheCurve) {
  init();
  const P256Hex p256 = make_p256_key();
  ASSERT_FALSE(p256.compressed.empty());
  const std::string& p_uncompressed = p256.uncompressed;
  const std::string& compressed = p256.compressed;
  const std::string off_curve = "02" + std::string(64, 'f');  // x >= p: no point
  std::string off_curve_uncompressed = p_uncompressed;  // X with a Y one off: not on the curve
  off_curve_uncompressed.back() = off_curve_uncompressed.back() == '0' ? '1' : '0';
  const std::string k = "000102030405060708090a0b0c0d0e0f";
  const std::string good =
      "imsi,k,opc,amf,sqn,binding_mode,procedures,kme_renewal,imeis\n"  // 1
      "001010000000001," +
      k + "," + k +
      ",8000,0,none,1;2,0,35693803564380\n"                       // 2
      "imei,enc_profile,enc_public_key,sig_alg,sig_public_key\n"  // 3
      "35693803564380,B," +
      compressed + ",ecdsa-p256," + compressed + "\n";  // 4
  const std::string off_enc =
      "35209900176148,B," + off_curve + ",ed25519," + std::string(64, 'e') + "\n";
  write_file(dir_ / "dev.csv", good + off_enc);  // line 5: enc key off the curve
  const std::string device_4_again =
      "35693803564380,B," + compressed + ",ecdsa-p256," + compressed + "\n";
  write_file(dir_ / "dup.csv",
             good + off_enc +      // line 5: enc key off the curve
                 device_4_again +  // line 6: line 4's IMEI again
                 "35209900176150,A," + std::string(64, 'a') + ",ecdsa-p256," + off_curve +
                 "\n"  // line 7: the signature key off the curve
                 "35209900176151,B," +
                 off_curve_uncompressed + ",ed25519," + std::string(64, 'e') +
                 "\n"  // line 8: uncompressed, Y not the curve's
                 "35209900176148,A," +
                 std::string(64, 'a') + ",ed25519," + std::string(64, 'e') +
                 "\n"  // line 9: good; line 5's bad row did not claim its IMEI
                 "35693803564380,B," +
                 off_curve + ",ecdsa-p256," + compressed +
                 "\n");  // line 10: line 4's IMEI again, and off the curve: one bad row

  // Without the option only encodings are checked: both devices import, the bad point with them.
  ok("admin --store plain.db --key-file plain.key init --import-public-out plain");
  CliRun plain = ok("admin --store plain.db --key-file plain.key import --file dev.csv");
  EXPECT_TRUE(contains(plain.out, "imported 1 subscribers, 1 allowed pairs, 2 devices"))
      << plain.out;

  // With it, every point is loaded in pass 1; a bad row is counted once, whatever its faults.
  CliRun bad = run("admin import --file dup.csv --uncompress-p256");
  EXPECT_EQ(bad.code, 1);
  for (const char* line : {"dup.csv: line 5: enc_public_key: not a point on P-256",
                           "dup.csv: line 6: imei: 35693803564380 appears twice",
                           "dup.csv: line 7: sig_public_key: not a point on P-256",
                           "dup.csv: line 8: enc_public_key: not a point on P-256",
                           "dup.csv: line 10: enc_public_key: not a point on P-256",
                           ": 5 bad rows; nothing imported"}) {
    EXPECT_TRUE(contains(bad.err, line)) << line << "\n" << bad.err;
  }
  EXPECT_FALSE(contains(bad.err, "line 9:")) << bad.err;
  EXPECT_FALSE(contains(bad.err, "line 10: imei")) << bad.err;
  EXPECT_EQ(ok("admin subscriber list").out, "");
  ok("admin --store skip.db --key-file skip.key init --import-public-out skip");
  CliRun skipped =
      ok("admin --store skip.db --key-file skip.key import --file dup.csv --uncompress-p256 "
         "--skip-bad");
  EXPECT_TRUE(contains(skipped.out, "imported 1 subscribers, 1 allowed pairs, 2 devices"))
      << skipped.out;
  EXPECT_TRUE(contains(skipped.out, "(5 bad rows skipped)")) << skipped.out;

  // JSON on one line (jq -c): bad rows are skipped by row, not by line.
  const std::string json =
      ok("admin --store plain.db --key-file plain.key export --format json --reveal-keys").out;
  std::string one_line = json;
  std::replace(one_line.begin(), one_line.end(), '\n', ' ');
  write_file(dir_ / "dev.json", one_line + "\n");
  CliRun r = ok("admin import --format json --file dev.json --uncompress-p256 --skip-bad");
  EXPECT_TRUE(contains(r.out, "imported 1 subscribers, 1 allowed pairs, 1 devices")) << r.out;
  EXPECT_TRUE(contains(r.out, "(1 bad rows skipped)")) << r.out;
  EXPECT_TRUE(contains(r.out, "2 compressed P-256 keys stored uncompressed")) << r.out;
  CliRun shown = ok("admin device show --imei 35693803564380");
  EXPECT_TRUE(contains(shown.out, "enc_public_key: " + p_uncompressed + "\n")) << shown.out;
  EXPECT_TRUE(contains(shown.out, "sig_public_key: " + p_uncompressed + "\n")) << shown.out;
  EXPECT_EQ(run("admin device show --imei 35209900176148").code, 1);
}

TEST_F(AdminCli, DevicesExportedAndImportedWithUncompressP256AreReencodedInPlace) {
  init();
  const P256Hex p256 = make_p256_key();
  ASSERT_FALSE(p256.compressed.empty());
  const std::string& p_uncompressed = p256.uncompressed;
  const std::string& compressed = p256.compressed;
  write_file(dir_ / "old.csv",
             "imei,enc_profile,enc_public_key,sig_alg,sig_public_key\n"
             "35693803564380,B," +
                 compressed + ",ecdsa-p256," + compressed + "\n");
  ok("admin import --file old.csv");  // an old store: the keys as given, compressed
  EXPECT_TRUE(
      contains(ok("admin device show --imei 35693803564380").out, "enc_public_key: " + compressed))
      << "the premise: the import kept the compressed form";

  // The recipe of docs/admin.md: export, keep the devices, import them back with the option.
  const std::string all = ok("admin export").out;
  const std::size_t devices = all.find("imei,enc_profile");
  ASSERT_NE(devices, std::string::npos) << all;
  write_file(dir_ / "devices.csv", all.substr(devices));
  CliRun r = ok("admin import --file devices.csv --uncompress-p256");
  EXPECT_TRUE(contains(r.out, "2 compressed P-256 keys stored uncompressed")) << r.out;
  CliRun shown = ok("admin device show --imei 35693803564380");
  EXPECT_TRUE(contains(shown.out, "enc_public_key: " + p_uncompressed + "\n")) << shown.out;
  EXPECT_TRUE(contains(shown.out, "sig_public_key: " + p_uncompressed + "\n")) << shown.out;
  EXPECT_TRUE(contains(ok("admin audit").out, "same keys, P-256 re-encoded uncompressed"));
}

TEST_F(AdminCli, ImportFromAPipeFailsBeforeWritingAnything) {
  init();
  const std::string k = "000102030405060708090a0b0c0d0e0f";
  write_file(dir_ / "in.csv",
             "imsi,k,opc,amf,sqn,binding_mode,procedures,kme_renewal,imeis\n"
             "001010000000001," +
                 k + "," + k + ",8000,0,none,1;2,0,\n");
  // Pass 2 reads the file again; a pipe cannot be read twice (it used to import nothing, exit 0).
  sh("mkfifo in.fifo && (cat in.csv > in.fifo &)");
  CliRun r = run("admin import --file in.fifo");
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "cannot read in.fifo a second time (pass 2)")) << r.err;
  EXPECT_EQ(ok("admin subscriber list").out, "");
}

TEST_F(AdminCli, ExportWithKeysImportsIntoAFreshStoreUnchanged) {
  init();
  add_sample_subscribers();
  EXPECT_TRUE(contains(ok("admin kme renew --imsi 001010000000002").out, "No KME is stored"));
  ok("admin device add --imei 35209900176148 --enc-profile A --enc-public-key " + std::string(64, '1') +
     " --sig-alg ed25519 --sig-public-key " + std::string(64, '2'));
  for (const std::string format : {"csv", "json"}) {
    SCOPED_TRACE(format);
    const std::string file = "export." + format;
    ok("admin export --format " + format + " --file " + file + " --reveal-keys");
    struct stat st {};
    ASSERT_EQ(::stat((dir_ / file).c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_TRUE(contains(slurp(dir_ / file), "000102030405060708090a0b0c0d0e0f"));

    const std::string fresh = "--store fresh-" + format + ".db --key-file fresh-" + format + ".key ";
    ok("admin " + fresh + "init --import-public-out fresh-" + format);
    CliRun imp = ok("admin " + fresh + "import --format " + format + " --file " + file);
    EXPECT_TRUE(contains(imp.out, "imported 2 subscribers, 3 allowed pairs, 1 devices")) << imp.out;
    // Everything round-trips: the fresh store exports the same file.
    ok("admin " + fresh + "export --format " + format + " --file again." + format + " --reveal-keys");
    EXPECT_EQ(slurp(dir_ / ("again." + format)), slurp(dir_ / file));
    // The renewal marked no KME (the subscriber holds none): nothing pending, here or there.
    CliRun show = ok("admin " + fresh + "subscriber show --imsi 001010000000002 --reveal");
    EXPECT_TRUE(contains(show.out, "kme_renewal_requested: no"));
    // Importing the same file again: every subscriber is a bad row, nothing changes.
    CliRun dup = run("admin " + fresh + "import --format " + format + " --file " + file);
    EXPECT_EQ(dup.code, 1);
    EXPECT_TRUE(contains(dup.err, "already in the store")) << dup.err;
  }
  // Without --reveal-keys the keys are absent, and such a file is refused on import.
  CliRun plain = ok("admin export --format csv");
  EXPECT_FALSE(contains(plain.out, "000102030405060708090a0b0c0d0e0f"));
  EXPECT_TRUE(contains(plain.out, "001010000000001,,,8000,64,kme-required,2,0,"));
  write_file(dir_ / "plain.csv", plain.out);
  ok("admin --store p.db --key-file p.key init --import-public-out p");
  CliRun refused = run("admin --store p.db --key-file p.key import --file plain.csv");
  EXPECT_EQ(refused.code, 1);
  EXPECT_TRUE(contains(refused.err, "--reveal-keys")) << refused.err;
}

TEST_F(AdminCli, ImportWithBadRowsReportsLinesAndImportsNothingUnlessSkipBad) {
  init();
  const std::string k = "000102030405060708090a0b0c0d0e0f";
  write_file(dir_ / "in.csv",
             "# subscribers\n"                                                 // 1
             "imsi,k,opc,amf,sqn,binding_mode,procedures,kme_renewal,imeis\n"  // 2
             "001010000000001," +
                 k + "," + k +
                 ",8000,0,none,1;2,0,35209900176148\n"  // 3 ok
                 "001010000000002," +
                 k +
                 ",zz,8000,0,none,1;2,0,\n"  // 4 bad opc
                 "001010000000003," +
                 k + "," + k +
                 ",8000,0,sometimes,1;2,0,\n"  // 5 bad mode
                 "001010000000001," +
                 k + "," + k +
                 ",8000,0,none,1;2,0,\n"  // 6 duplicate
                 "001010000000004," +
                 k + "," + k +
                 ",8000,0,none,1;2,1,\n"                                     // 7 ok
                 "imei,enc_profile,enc_public_key,sig_alg,sig_public_key\n"  // 8
                 "35209900176148,A," +
                 std::string(64, 'a') + ",ed25519," + std::string(62, 'b') + "\n");  // 9 short
  CliRun r = run("admin import --file in.csv");
  EXPECT_EQ(r.code, 1);
  for (const char* line : {"in.csv: line 4: opc:", "in.csv: line 5: binding_mode:",
                           "in.csv: line 6: imsi: 001010000000001 appears twice",
                           "in.csv: line 9: sig_public_key:"}) {
    EXPECT_TRUE(contains(r.err, line)) << line << "\n" << r.err;
  }
  EXPECT_TRUE(contains(r.err, "4 bad rows; nothing imported")) << r.err;
  EXPECT_EQ(ok("admin subscriber list").out, "");

  CliRun skip = ok("admin import --file in.csv --skip-bad");
  EXPECT_TRUE(contains(skip.out, "imported 2 subscribers, 1 allowed pairs, 0 devices")) << skip.out;
  // Line 7's kme_renewal 1 marks nothing (no KME yet), and the report says so.
  EXPECT_TRUE(contains(skip.out, "note: 1 subscribers have kme_renewal 1; nothing was marked"))
      << skip.out;
  EXPECT_EQ(ok("admin subscriber list").out, "001010000000001\n001010000000004\n");

  write_file(dir_ / "bad.json", "{\"format\": \"kmebind-subscribers\", \"subscribers\": [\n  {\"imsi\": 5}\n]}\n");
  CliRun json = run("admin import --format json --file bad.json");
  EXPECT_EQ(json.code, 1);
  EXPECT_TRUE(contains(json.err, "bad.json: line 2: imsi: must be a string")) << json.err;
}

TEST_F(AdminCli, KmeImportStatusAndRenew) {
  init();
  add_sample_subscribers();
  const std::string pub = slurp(dir_ / "import-public.hex").substr(0, 64);
  const std::string kme1(64, 'c');
  const std::string kme2 = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
  // Row 1 sealed by kmebind's sender tool, row 2 by `kmebind crypto ecies-encrypt` directly.
  write_file(dir_ / "plain.csv", "imsi,imei,kme\n001010000000001,352099001761481," + kme1 + "\n");
  CliRun sealed = ok("admin kme seal-import --public-key @import-public.pem --in plain.csv");
  CliRun ecies = ok("crypto ecies-encrypt --profile A --public-key " + pub + " --plaintext " + kme2);
  const std::string row2 = "001010000000002,35209900176148," +
                           nlohmann::json::parse(ecies.out)["scheme_output"].get<std::string>() + "\n";
  // Row 3 is for a pair that is not allowed; row 4 was encrypted to another key.
  CliRun other = ok("crypto ecies-encrypt --profile A --public-key " + std::string(64, '9') +
                 " --plaintext " + kme2);
  const std::string row3 = "001010000000002,35693803564380," +
                           nlohmann::json::parse(ecies.out)["scheme_output"].get<std::string>() + "\n";
  const std::string row4 = "001010000000001,35693803564380," +
                           nlohmann::json::parse(other.out)["scheme_output"].get<std::string>() + "\n";
  write_file(dir_ / "kme.csv", sealed.out + row2 + row3 + row4);

  CliRun r = run("admin kme import --file kme.csv --source acme-factory --unsigned");
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "kme.csv: line 5: IMSI 001010000000002 / IMEI 35693803564380 is not an allowed pair"))
      << r.err;
  EXPECT_TRUE(contains(r.err, "kme.csv: line 6: KME does not decrypt with the import key")) << r.err;
  EXPECT_TRUE(contains(r.err, "2 bad rows; nothing imported")) << r.err;
  CliRun empty = ok("admin kme status");
  EXPECT_EQ(std::count(empty.out.begin(), empty.out.end(), '\n'), 1);  // header only

  CliRun skip = ok("admin kme import --file kme.csv --source acme-factory --skip-bad --unsigned");
  EXPECT_TRUE(contains(skip.out, "imported 2 KMEs from source acme-factory@unsigned")) << skip.out;
  EXPECT_TRUE(contains(skip.err, "warning: importing an unsigned file")) << skip.err;
  CliRun status = ok("admin kme status");
  EXPECT_FALSE(contains(status.out, kme1));
  EXPECT_FALSE(contains(status.out, kme2));
  EXPECT_TRUE(contains(status.out, "001010000000001 35209900176148       1 ")) << status.out;
  EXPECT_TRUE(contains(status.out, " import    acme-factory@unsigned stored\n")) << status.out;
  EXPECT_TRUE(contains(ok("admin audit").out,
                       "acme-factory@unsigned kme-store imsi=001010000000002 "
                       "imei=35209900176148 source=acme-factory@unsigned : version 1, "
                       "procedure import"))
      << ok("admin audit").out;

  EXPECT_TRUE(contains(ok("admin kme renew --imsi 001010000000001").out,
                       "KME renewal requested for 1 pair of 001010000000001"));
  CliRun one = ok("admin kme status --imsi 001010000000001");
  EXPECT_TRUE(contains(one.out, "kme_renewal_requested: yes")) << one.out;
  EXPECT_TRUE(contains(one.out, "stored,renewal-requested")) << one.out;
  EXPECT_FALSE(contains(one.out, "001010000000002"));
  // A second import of the same rows makes version 2 and clears the renewal flag.
  ok("admin kme import --file kme.csv --source acme-factory --skip-bad --unsigned");
  CliRun after = ok("admin kme status --imsi 001010000000001");
  EXPECT_TRUE(contains(after.out, "kme_renewal_requested: no")) << after.out;
  EXPECT_TRUE(contains(after.out, "35209900176148       2 ")) << after.out;
  EXPECT_EQ(run("admin kme renew --imsi 001019999999999").code, 1);
}

// docs/admin.md "Signed import files": the sender signs the file with Ed25519 (kmebind's
// seal-import --sign-key, or openssl pkeyutl -rawin); the import checks it before reading a row.
TEST_F(AdminCli, KmeImportChecksTheSendersSignatureBeforeAnyRow) {
  init();
  add_sample_subscribers();
  sh("openssl genpkey -algorithm ed25519 -out maker.key && openssl pkey -in maker.key -pubout -out "
     "maker.pem");
  sh("openssl genpkey -algorithm ed25519 -out other.key && openssl pkey -in other.key -pubout -out "
     "other.pem");
  write_file(dir_ / "plain.csv", "imsi,imei,kme\n001010000000001,35209900176148," +
                                     std::string(64, 'c') + "\n001010000000002,35209900176148," +
                                     std::string(64, 'd') + "\n");
  ok("admin kme seal-import --public-key @import-public.pem --in plain.csv --out kme.csv "
     "--sign-key @maker.key");
  // The signature is plain RFC 8032 Ed25519 over the file: openssl verifies it.
  sh("openssl pkeyutl -verify -rawin -pubin -inkey maker.pem -in kme.csv -sigfile kme.csv.sig");

  CliRun no_key = run("admin kme import --file kme.csv --source acme");
  EXPECT_EQ(no_key.code, 2);
  EXPECT_TRUE(contains(no_key.err, "--sender-key is required")) << no_key.err;
  EXPECT_EQ(
      run("admin kme import --file kme.csv --source acme --unsigned --sender-key @maker.pem").code,
      2);
  EXPECT_EQ(run("admin kme import --file kme.csv --source a@b --sender-key @maker.pem").code, 2);

  CliRun wrong_key = run("admin kme import --file kme.csv --source acme --sender-key @other.pem");
  EXPECT_EQ(wrong_key.code, 1);
  EXPECT_TRUE(contains(wrong_key.err, "signature does not verify")) << wrong_key.err;
  EXPECT_TRUE(contains(wrong_key.err, "nothing imported")) << wrong_key.err;

  // The two rows' ECIES outputs swapped: each row still decrypts and is an allowed pair, so
  // without a signature the two devices would get each other's KME.
  const std::string text = slurp(dir_ / "kme.csv");
  std::vector<std::string> lines;
  for (std::size_t p = 0, q; (q = text.find('\n', p)) != std::string::npos; p = q + 1)
    lines.push_back(text.substr(p, q - p));
  ASSERT_EQ(lines.size(), 4u);
  const auto tail = [](const std::string& l) { return l.substr(l.rfind(',') + 1); };
  const auto head = [](const std::string& l) { return l.substr(0, l.rfind(',') + 1); };
  write_file(dir_ / "kme.csv", lines[0] + "\n" + lines[1] + "\n" + head(lines[2]) + tail(lines[3]) +
                                   "\n" + head(lines[3]) + tail(lines[2]) + "\n");
  CliRun swapped = run("admin kme import --file kme.csv --source acme --sender-key @maker.pem");
  EXPECT_EQ(swapped.code, 1);
  EXPECT_TRUE(contains(swapped.err, "altered after it was signed")) << swapped.err;
  CliRun none = ok("admin kme status");
  EXPECT_EQ(std::count(none.out.begin(), none.out.end(), '\n'), 1) << none.out;  // header only

  write_file(dir_ / "kme.csv", text);
  fs::remove(dir_ / "kme.csv.sig");
  CliRun missing = run("admin kme import --file kme.csv --source acme --sender-key @maker.pem");
  EXPECT_EQ(missing.code, 2);
  EXPECT_TRUE(contains(missing.err, "no signature file")) << missing.err;

  // Signed by openssl(1) in hex, given with --signature: imported, the key named in the records.
  sh("openssl pkeyutl -sign -rawin -inkey maker.key -in kme.csv -out detached.bin");
  write_file(dir_ / "detached.hex", sh_out("od -An -v -tx1 detached.bin | tr -d ' \\n'") + "\n");
  CliRun good =
      ok("admin kme import --file kme.csv --source acme --sender-key @maker.pem --signature "
         "detached.hex");
  const std::string fingerprint = sh_out(
      "openssl pkey -pubin -in maker.pem -outform DER | tail -c 32 | sha256sum | cut -c1-16");
  EXPECT_TRUE(contains(good.out, "imported 2 KMEs from source acme@ed25519:" + fingerprint))
      << good.out;
  const std::string status = ok("admin kme status").out;
  EXPECT_TRUE(contains(status, " import    acme@ed25519:" + fingerprint + " stored")) << status;
}

TEST_F(AdminCli, EverySubcommandHasHelp) {
  for (const std::string sub :
       {"", "init", "subscriber", "subscriber add", "subscriber show", "subscriber list",
        "subscriber remove", "binding", "binding allow", "binding deny", "binding list",
        "binding mode", "device", "device add", "device show", "kme", "kme status", "kme renew",
        "kme import", "kme seal-import", "import", "export", "audit", "generate-import"}) {
    CliRun r = run("admin " + sub + " --help");
    EXPECT_EQ(r.code, 0) << sub;
    EXPECT_TRUE(contains(r.out, "Usage:")) << sub;
  }
}

// docs/admin.md "A device locked out by its KME version" (docs/security.md §4.3): renew
// --after-version N raises the pair's version counter so that the next KME is version N + 1.
TEST_F(AdminCli, KmeRenewAfterVersionRaisesThePairsCounterAndNeverLowersIt) {
  init();
  add_sample_subscribers();
  const std::string pair = "--imsi 001010000000001 --imei 35209900176148";
  CliRun raised = ok("admin kme renew " + pair + " --after-version 7");
  EXPECT_TRUE(contains(raised.out, "KME version counter of IMSI 001010000000001 / IMEI "
                                   "35209900176148 raised from 0 to 7. The next attach of the "
                                   "device provisions KME version 8"))
      << raised.out;
  CliRun status = ok("admin kme status " + pair);
  EXPECT_TRUE(contains(status.out, "binding_allowed: yes\nkme_version_counter: 7\n"
                                   "next_kme_version: 8\n"))
      << status.out;
  EXPECT_TRUE(contains(status.out, "001010000000001 35209900176148       7 ")) << status.out;
  EXPECT_TRUE(contains(status.out, " none      admin counter-set\n")) << status.out;
  // The other pair of the IMSI is not shown with --imei, and keeps counter 0.
  EXPECT_FALSE(contains(status.out, "35693803564380")) << status.out;
  EXPECT_TRUE(contains(ok("admin kme status --imsi 001010000000001 --imei 356938035643809").out,
                       "kme_version_counter: 0\nnext_kme_version: 1\n"));

  // Never lowered: exit 1 naming the current counter.
  CliRun lower = run("admin kme renew " + pair + " --after-version 3");
  EXPECT_EQ(lower.code, 1);
  EXPECT_TRUE(contains(lower.err, "KME version counter of IMSI 001010000000001 / IMEI "
                                  "35209900176148 is 7 (the next KME would be version 8); it can "
                                  "only be raised, to 7 or more; nothing changed"))
      << lower.err;
  CliRun same = ok("admin kme renew " + pair + " --after-version 7");
  EXPECT_TRUE(contains(same.out, "is 7 already and no KME is stored; nothing changed")) << same.out;

  // A KME stored for the pair (an import: version 8) is revoked by the next raise.
  write_file(dir_ / "plain.csv", "001010000000001,35209900176148," + std::string(64, 'a') + "\n");
  ok("admin kme seal-import --public-key @import-public.pem --in plain.csv --out kme.csv");
  ok("admin kme import --file kme.csv --source maker --unsigned");
  EXPECT_TRUE(contains(ok("admin kme status " + pair).out, "kme_version_counter: 8\n"));
  CliRun over = ok("admin kme renew " + pair + " --after-version 20");
  EXPECT_TRUE(contains(over.out, "raised from 8 to 20; its KME (version 8) revoked. The next "
                                 "attach of the device provisions KME version 21"))
      << over.out;
  EXPECT_TRUE(contains(ok("admin audit").out,
                       "admin kme-version-raise imsi=001010000000001 imei=35209900176148 : KME "
                       "version counter 8 -> 20, next KME version 21; KME version 8 revoked"))
      << ok("admin audit").out;

  // Not an allowed pair, or no such subscriber: exit 1, nothing changed.
  CliRun stranger = run("admin kme renew --imsi 001010000000002 --imei 35693803564380 "
                        "--after-version 5");
  EXPECT_EQ(stranger.code, 1);
  EXPECT_TRUE(contains(stranger.err, "IMSI 001010000000002 / IMEI 35693803564380 is not an "
                                     "allowed pair; KME version counter not changed"))
      << stranger.err;
  CliRun unknown = run("admin kme renew --imsi 001019999999999 --imei 35209900176148 "
                       "--after-version 5");
  EXPECT_EQ(unknown.code, 1);
  EXPECT_TRUE(contains(unknown.err, "no subscriber with IMSI 001019999999999")) << unknown.err;

  // Usage errors: exit 2.
  for (const std::string& bad :
       {std::string("--imsi 001010000000001 --after-version 9"),  // no --imei
        std::string(pair),                                       // --imei alone
        pair + " --after-version 0", pair + " --after-version -1",
        pair + " --after-version 4294967296", pair + " --after-version 4294967295",
        pair + " --after-version many", std::string("--imsi 001010000000001 --imei 123 "
                                                    "--after-version 9")}) {
    CliRun r = run("admin kme renew " + bad);
    EXPECT_EQ(r.code, 2) << bad << "\n" << r.err;
  }
  EXPECT_TRUE(contains(run("admin kme renew --imsi 001010000000001 --after-version 9").err,
                       "--after-version needs --imei"));
  EXPECT_TRUE(contains(ok("admin kme status " + pair).out, "kme_version_counter: 20\n"));
  EXPECT_EQ(run("admin kme status --imei 35209900176148").code, 2);
  CliRun help = ok("admin kme renew --help");
  EXPECT_TRUE(contains(help.out, "--after-version")) << help.out;
  EXPECT_TRUE(contains(help.out, "Reject cause 5")) << help.out;
}

TEST_F(AdminCli, GeneratedImportFileImports) {
  init();
  ok("admin generate-import --count 250 --out gen.csv");
  const std::string csv = slurp(dir_ / "gen.csv");
  EXPECT_TRUE(contains(csv, "TEST DATA"));
  // Profile B rows carry P-256 keys in the form the store writes: uncompressed, 65 octets.
  const std::size_t b_row = csv.find(",B,");
  ASSERT_NE(b_row, std::string::npos);
  const std::string b_line = csv.substr(b_row + 3, csv.find('\n', b_row) - b_row - 3);
  EXPECT_EQ(b_line, b_line.substr(0, 130) + ",ecdsa-p256," + b_line.substr(130 + 12));
  EXPECT_EQ(b_line.substr(0, 2), "04");
  EXPECT_EQ(b_line.size(), 130u + 12u + 130u) << b_line;
  EXPECT_EQ(b_line.substr(142, 2), "04");
  CliRun r = ok("admin import --file gen.csv --batch 100");
  EXPECT_TRUE(contains(r.out, "imported 250 subscribers, 250 allowed pairs, 250 devices in 5 transactions"))
      << r.out;
}

}  // namespace
