// Test support: a throw-away PKI made with the openssl CLI, once per test process, in a temp
// directory. ECDSA P-256 keys; each node certificate has CN = SAN dNSName = its Diameter
// Identity. "ca" signs the good certificates; "other-ca" signs a certificate for a client that
// must be refused; "rogue" is signed by "ca" but names another identity than the one its holder
// claims; "wildcard" names *.localdomain.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "common/bytes.h"
#include "diameter/fd_config.h"

namespace kmebind::diameter::testing {

inline constexpr const char* kHssId = "hss.localdomain";
inline constexpr const char* kHss2Id = "hss2.localdomain";
inline constexpr const char* kMmeId = "mme.localdomain";
inline constexpr const char* kRogueCertId = "intruder.localdomain";
inline constexpr const char* kRealm = "localdomain";

class TestPki {
 public:
  static const TestPki& get() {
    static TestPki pki;
    return pki;
  }

  bool ok() const { return ok_; }
  std::filesystem::path dir() const { return dir_; }

  // Files for identity `name` (one of: hss, hss2, mme, rogue, wildcard, other) signed by ca, or
  // by other-ca for "other".
  TlsFiles files(const std::string& name) const {
    std::string ca = name == "other" ? "other-ca" : "ca";
    return TlsFiles{(dir_ / (name + ".pem")).string(), (dir_ / (name + ".key")).string(),
                    (dir_ / (ca + ".pem")).string()};
  }
  // other-ca followed by ca: lets a client with an other-ca certificate trust the HSS.
  std::string both_cas() const { return (dir_ / "both-cas.pem").string(); }
  Bytes der(const std::string& name) const {
    std::ifstream in(dir_ / (name + ".der"), std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    std::string text = s.str();
    return Bytes(text.begin(), text.end());
  }

 private:
  TestPki() {
    char tmpl[] = "/tmp/kmebind-pki-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) return;
    dir_ = tmpl;
    ok_ = make_ca("ca") && make_ca("other-ca") && make_cert("hss", kHssId, "ca") &&
          make_cert("hss2", kHss2Id, "ca") && make_cert("mme", kMmeId, "ca") &&
          make_cert("rogue", kRogueCertId, "ca") && make_cert("wildcard", "*.localdomain", "ca") &&
          make_cert("other", kMmeId, "other-ca") && run("cat other-ca.pem ca.pem > both-cas.pem");
  }
  ~TestPki() {
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }

  bool run(const std::string& command) const {
    std::string line = "cd '" + dir_.string() + "' && " + command + " >/dev/null 2>&1";
    return std::system(line.c_str()) == 0;
  }

  bool make_ca(const std::string& name) const {
    return run("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out " + name +
               ".key") &&
           run("openssl req -x509 -new -key " + name + ".key -subj '/CN=kmebind test " + name +
               "' -days 2 -out " + name +
               ".pem -addext basicConstraints=critical,CA:TRUE -addext "
               "keyUsage=critical,keyCertSign,cRLSign");
  }

  bool make_cert(const std::string& name, const std::string& identity, const std::string& ca) const {
    std::ofstream ext(dir_ / (name + ".ext"));
    ext << "subjectAltName=DNS:" << identity << "\nbasicConstraints=CA:FALSE\n"
        << "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\n";
    ext.close();
    return run("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out " + name +
               ".key") &&
           run("openssl req -new -key " + name + ".key -subj '/CN=" + identity + "' -out " + name +
               ".csr") &&
           run("openssl x509 -req -in " + name + ".csr -CA " + ca + ".pem -CAkey " + ca +
               ".key -CAcreateserial -days 2 -extfile " + name + ".ext -out " + name + ".pem") &&
           run("openssl x509 -in " + name + ".pem -outform DER -out " + name + ".der");
  }

  std::filesystem::path dir_;
  bool ok_ = false;
};

}  // namespace kmebind::diameter::testing
