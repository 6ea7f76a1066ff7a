#include "demo_certs.h"

#include <fcntl.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace kmebind::app {
namespace {

namespace fs = std::filesystem;

template <class T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
void bio_free(BIO* b) {
  BIO_free(b);
}
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION, X509_EXTENSION_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, bio_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;

std::unexpected<Error> ossl_error(const std::string& what) {
  const unsigned long code = ERR_get_error();
  char reason[256] = "unknown error";
  if (code != 0) ERR_error_string_n(code, reason, sizeof reason);
  ERR_clear_error();
  return fail(Code::kInternal, what + ": OpenSSL " + reason);
}

// PEM text that wipes itself (private keys).
struct Pem {
  std::string text;
  ~Pem() {
    if (!text.empty()) OPENSSL_cleanse(text.data(), text.size());
  }
};

Status write_file(const fs::path& path, const std::string& text, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return fail(Code::kIo, "cannot write " + path.string() + ": " + std::strerror(errno));
  ::fchmod(fd, mode);
  std::string_view rest = text;
  while (!rest.empty()) {
    const ssize_t n = ::write(fd, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = errno;
      ::close(fd);
      return fail(Code::kIo, "cannot write " + path.string() + ": " + std::strerror(err));
    }
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
  if (::close(fd) != 0)
    return fail(Code::kIo, "cannot write " + path.string() + ": " + std::strerror(errno));
  return {};
}

Result<std::string> bio_text(BIO* bio) {
  const int pending = static_cast<int>(BIO_ctrl_pending(bio));
  std::string text(static_cast<std::size_t>(pending), '\0');
  if (pending > 0 && BIO_read(bio, text.data(), pending) != pending)
    return ossl_error("reading PEM");
  return text;
}

Result<PkeyPtr> p256_key() {
  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) return ossl_error("P-256 key generation");
  return key;
}

Status add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1)
    return ossl_error(std::string("extension ") + OBJ_nid2sn(nid));
  return {};
}

// A certificate for `key` named `common_name`, not yet extended or signed.
Result<X509Ptr> new_certificate(EVP_PKEY* key, const std::string& common_name, int days) {
  X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1) return ossl_error("X509_new");
  // RFC 5280 §4.1.2.2: a positive serial of at most 20 octets; 127 random bits.
  BnPtr serial(BN_new());
  if (!serial || BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr) {
    return ossl_error("certificate serial");
  }
  if (X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(days) * 86400) == nullptr) {
    return ossl_error("certificate validity");
  }
  X509_NAME* name = X509_get_subject_name(cert.get());
  const auto* cn = reinterpret_cast<const unsigned char*>(common_name.c_str());
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, cn, -1, -1, 0) != 1) {
    return ossl_error("certificate name");
  }
  if (X509_set_pubkey(cert.get(), key) != 1) return ossl_error("certificate key");
  return cert;
}

Status write_pair(const fs::path& dir, const std::string& name, X509* cert, EVP_PKEY* key) {
  BioPtr cert_bio(BIO_new(BIO_s_mem()));
  BioPtr key_bio(BIO_new(BIO_s_mem()));
  if (!cert_bio || !key_bio || PEM_write_bio_X509(cert_bio.get(), cert) != 1 ||
      PEM_write_bio_PrivateKey(key_bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return ossl_error("PEM encoding");
  }
  auto cert_pem = bio_text(cert_bio.get());
  if (!cert_pem) return std::unexpected(cert_pem.error());
  auto key_text = bio_text(key_bio.get());
  if (!key_text) return std::unexpected(key_text.error());
  Pem key_pem{std::move(*key_text)};
  if (auto st = write_file(dir / (name + ".key"), key_pem.text, 0600); !st) return st;
  return write_file(dir / (name + ".pem"), *cert_pem, 0644);
}

}  // namespace

Result<CertificateAuthority> make_certificate_authority(const fs::path& dir,
                                                        const std::string& name,
                                                        const std::string& common_name, int days) {
  auto key = p256_key();
  if (!key) return std::unexpected(key.error());
  auto cert = new_certificate(key->get(), common_name, days);
  if (!cert) return std::unexpected(cert.error());
  X509* c = cert->get();
  if (X509_set_issuer_name(c, X509_get_subject_name(c)) != 1) return ossl_error("CA issuer");
  // RFC 5280 §4.2.1.9, §4.2.1.3, §4.2.1.2, §4.2.1.1.
  for (auto [nid, value] : {std::pair{NID_basic_constraints, "critical,CA:TRUE"},
                            std::pair{NID_key_usage, "critical,keyCertSign,cRLSign"},
                            std::pair{NID_subject_key_identifier, "hash"},
                            std::pair{NID_authority_key_identifier, "keyid:always"}}) {
    if (auto st = add_ext(c, c, nid, value); !st) return std::unexpected(st.error());
  }
  if (X509_sign(c, key->get(), EVP_sha256()) == 0) return ossl_error("signing the CA certificate");
  if (auto st = write_pair(dir, name, c, key->get()); !st) return std::unexpected(st.error());
  return CertificateAuthority{dir / (name + ".pem"), dir / (name + ".key")};
}

Status issue_certificate(const CertificateAuthority& ca, const fs::path& dir,
                         const std::string& name, const std::string& identity, int days) {
  BioPtr ca_cert_bio(BIO_new_file(ca.cert.c_str(), "r"));
  X509Ptr ca_cert(ca_cert_bio ? PEM_read_bio_X509(ca_cert_bio.get(), nullptr, nullptr, nullptr)
                              : nullptr);
  BioPtr ca_key_bio(BIO_new_file(ca.key.c_str(), "r"));
  PkeyPtr ca_key(ca_key_bio ? PEM_read_bio_PrivateKey(ca_key_bio.get(), nullptr, nullptr, nullptr)
                            : nullptr);
  if (!ca_cert || !ca_key) {
    ERR_clear_error();
    return fail(Code::kInvalidArgument,
                "cannot load the CA from " + ca.cert.string() + " and " + ca.key.string());
  }
  auto key = p256_key();
  if (!key) return std::unexpected(key.error());
  auto cert = new_certificate(key->get(), identity, days);
  if (!cert) return std::unexpected(cert.error());
  X509* c = cert->get();
  if (X509_set_issuer_name(c, X509_get_subject_name(ca_cert.get())) != 1)
    return ossl_error("issuer");
  const std::string san = "DNS:" + identity;
  for (auto [nid, value] :
       {std::pair{NID_basic_constraints, "critical,CA:FALSE"},
        std::pair{NID_key_usage, "critical,digitalSignature"},
        std::pair{NID_ext_key_usage, "serverAuth,clientAuth"},
        std::pair{NID_subject_alt_name, san.c_str()}, std::pair{NID_subject_key_identifier, "hash"},
        std::pair{NID_authority_key_identifier, "keyid:always"}}) {
    if (auto st = add_ext(c, ca_cert.get(), nid, value); !st) return st;
  }
  if (X509_sign(c, ca_key.get(), EVP_sha256()) == 0)
    return ossl_error("signing the certificate of " + identity);
  return write_pair(dir, name, c, key->get());
}

}  // namespace kmebind::app
