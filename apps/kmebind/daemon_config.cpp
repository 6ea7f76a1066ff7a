// Parsing of hss.yaml and cnn.yaml (daemon_config.h, docs/daemons.md §2-3).
#include "daemon_config.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <set>

#include "diameter/peer_identity.h"
#include "store/master_key.h"

namespace kmebind::app {
namespace {

using net::ConfigNode;

// Propagates the error of a Result/Status expression, else yields its value.
#define KMEBIND_TRY(var, expr)                                     \
  auto var##_result = (expr);                                      \
  if (!var##_result) return std::unexpected(var##_result.error()); \
  auto var = std::move(*var##_result)
#define KMEBIND_CHECK(expr)                                           \
  do {                                                                \
    if (auto st_ = (expr); !st_) return std::unexpected(st_.error()); \
  } while (false)

std::string where(const ConfigNode& node) {
  std::string out = node.source();
  if (node.line() > 0) out += ":" + std::to_string(node.line());
  if (!node.path().empty()) out += ": " + node.path();
  return out;
}

// The line of `key` in `map`, or the map's own line when it is not there.
int key_line(const ConfigNode& map, std::string_view key) {
  if (map.yaml().IsMap()) {
    for (auto it = map.yaml().begin(); it != map.yaml().end(); ++it) {
      if (it->first.IsScalar() && it->first.Scalar() == key) return it->first.Mark().line + 1;
    }
  }
  return map.line();
}

// The error for `key` of `map`, at the line of that key (of the map when it is absent).
Error at_key(const ConfigNode& map, std::string_view key, std::string_view problem) {
  return map.error(key_line(map, key), map.child_path(key), problem);
}

// A file named by the configuration whose directory must exist (kmebind creates no directory,
// so a typo in the path is an error at start-up rather than a file that silently goes nowhere).
Status check_directory_of(const ConfigNode& map, std::string_view key, const std::string& file) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(file).parent_path();
  std::error_code ec;
  if (dir.empty() || fs::is_directory(dir, ec)) return {};
  return std::unexpected(at_key(map, key,
                                "directory " + dir.string() + " of " + file +
                                    " does not exist (create it: kmebind creates no directory)"));
}

// An optional string that may be given empty (`file: ""` means "none"): "" when absent, null or
// empty; the text otherwise.
Result<std::string> get_string_or_empty(const ConfigNode& map, std::string_view key) {
  if (map.yaml().IsMap()) {
    for (auto it = map.yaml().begin(); it != map.yaml().end(); ++it) {
      if (!it->first.IsScalar() || it->first.Scalar() != key) continue;
      if (it->second.IsNull()) return std::string();
      if (!it->second.IsScalar()) {
        return std::unexpected(map.error(it->first.Mark().line + 1, map.child_path(key),
                                         "expected a string (\"\" for none)"));
      }
      return it->second.Scalar();
    }
  }
  return std::string();
}

// A layer's own validation message, placed at the section it is about (without the layer's
// own prefix, which would repeat the section name).
Error at(const ConfigNode& section, const Error& e) {
  std::string_view message = e.message();
  for (std::string_view prefix : {"diameter: ", "HSS config: ", "CNN configuration: "}) {
    if (message.starts_with(prefix)) message.remove_prefix(prefix.size());
  }
  return section.error(section.line(), section.path(), message);
}

Result<std::uint16_t> get_port(const ConfigNode& node, std::string_view key, std::uint64_t min) {
  KMEBIND_TRY(port, net::get_uint(node, key, min, 65535));
  return static_cast<std::uint16_t>(port);
}

Result<std::optional<MetricsEndpoint>> parse_metrics(const ConfigNode& root) {
  KMEBIND_TRY(section, net::find_map(root, "metrics"));
  if (!section) return std::optional<MetricsEndpoint>();
  KMEBIND_CHECK(net::check_keys(*section, {"address", "port"}));
  MetricsEndpoint m;
  KMEBIND_TRY(address, net::get_string(*section, "address"));
  KMEBIND_TRY(port, get_port(*section, "port", 0));
  m.address = std::move(address);
  m.port = port;
  return std::optional<MetricsEndpoint>(std::move(m));
}

Result<net::LogOptions> parse_log(const ConfigNode& root, std::string role) {
  net::LogOptions log;
  log.role = std::move(role);
  KMEBIND_TRY(section, net::find_map(root, "log"));
  if (!section) return log;
  KMEBIND_CHECK(net::check_keys(*section, {"level", "file"}));
  KMEBIND_TRY(level, net::get_enum_or(
                         *section, "level",
                         {"trace", "debug", "info", "warn", "warning", "error", "critical", "off"},
                         "info"));
  KMEBIND_TRY(file, get_string_or_empty(*section, "file"));
  if (!file.empty()) KMEBIND_CHECK(check_directory_of(*section, "file", file));
  log.level = std::move(level);
  log.file = std::move(file);
  return log;
}

// freeDiameter's own log threshold follows the daemon's level (1 debug, 3 notice).
int fd_log_level_for(const std::string& level) {
  return (level == "trace" || level == "debug") ? 1 : 3;
}

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct EvpPkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct X509StoreFree {
  void operator()(X509_STORE* s) const { X509_STORE_free(s); }
};
struct X509StoreCtxFree {
  void operator()(X509_STORE_CTX* c) const { X509_STORE_CTX_free(c); }
};
struct X509StackFree {
  void operator()(STACK_OF(X509) * s) const { sk_X509_pop_free(s, X509_free); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

// The whole content of a small PEM file, or why it cannot be read. The caller wipes it when it
// holds a private key.
Result<std::string> read_pem_file(const std::string& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (std::filesystem::exists(status) && !std::filesystem::is_regular_file(status)) {
    return fail(Code::kIo, path + " is not a regular file");  // a directory, FIFO or device
  }
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return fail(Code::kIo, path + " is not readable: " + std::strerror(errno));
  std::string text;
  // One allocation for the whole file, so that wiping `text` wipes the only copy of a key.
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  text.reserve(ec ? 4096
                  : static_cast<std::size_t>(std::min<std::uintmax_t>(size, 1u << 20)) + 4096);
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0 && text.size() < (1u << 20)) {
    text.append(buffer, n);
  }
  OPENSSL_cleanse(buffer, sizeof buffer);
  std::fclose(f);
  return text;
}

// Every certificate of a PEM text, in order (none: empty).
std::vector<X509Ptr> read_certificates(const std::string& text) {
  std::vector<X509Ptr> out;
  BIO* bio = BIO_new_mem_buf(text.data(), static_cast<int>(text.size()));
  if (bio == nullptr) return out;
  while (X509* x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) out.emplace_back(x);
  BIO_free(bio);
  ERR_clear_error();  // the end of the text reads as an error
  return out;
}

// No passphrase prompt on the terminal: an encrypted key is refused (freeDiameter cannot open
// one either).
int no_passphrase(char*, int, int, void*) { return -1; }

// What freeDiameter (GnuTLS) needs of diameter.tls, checked before it starts so that a wrong
// file is a configuration error naming its key (exit 3) instead of a failed start
// (docs/daemons.md §1): cert holds a PEM certificate (a chain may follow it), key an unencrypted
// PEM private key of that certificate, ca one or more PEM CA certificates under which the
// certificate verifies now (the peers check it against the same CA; RFC 5280 §6). The key is
// parsed in memory and wiped; nothing of it is kept or echoed.
Status check_tls_files(const ConfigNode& tls, const diameter::TlsFiles& files) {
  auto cert_text = read_pem_file(files.cert_file);
  if (!cert_text) return std::unexpected(at_key(tls, "cert", cert_text.error().message()));
  std::vector<X509Ptr> chain = read_certificates(*cert_text);
  if (chain.empty()) {
    return std::unexpected(at_key(tls, "cert", files.cert_file + " holds no PEM certificate"));
  }

  auto key_text = read_pem_file(files.key_file);
  if (!key_text) return std::unexpected(at_key(tls, "key", key_text.error().message()));
  const bool encrypted = key_text->find("ENCRYPTED") != std::string::npos;
  std::unique_ptr<EVP_PKEY, EvpPkeyFree> key;
  if (BIO* bio = BIO_new_mem_buf(key_text->data(), static_cast<int>(key_text->size()))) {
    key.reset(PEM_read_bio_PrivateKey(bio, nullptr, no_passphrase, nullptr));
    BIO_free(bio);
  }
  OPENSSL_cleanse(key_text->data(), key_text->size());
  ERR_clear_error();
  if (!key) {
    return std::unexpected(at_key(
        tls, "key",
        encrypted ? files.key_file +
                        " is an encrypted private key: freeDiameter cannot ask for a passphrase; "
                        "store it unencrypted with mode 0600"
                  : files.key_file + " holds no PEM private key"));
  }
  if (X509_check_private_key(chain.front().get(), key.get()) != 1) {
    ERR_clear_error();
    return std::unexpected(at_key(tls, "key",
                                  files.key_file + " is not the private key of the certificate " +
                                      files.cert_file + " (diameter.tls.cert)"));
  }

  auto ca_text = read_pem_file(files.ca_file);
  if (!ca_text) return std::unexpected(at_key(tls, "ca", ca_text.error().message()));
  std::vector<X509Ptr> anchors = read_certificates(*ca_text);
  if (anchors.empty()) {
    return std::unexpected(at_key(tls, "ca", files.ca_file + " holds no PEM certificate"));
  }
  std::unique_ptr<X509_STORE, X509StoreFree> store(X509_STORE_new());
  std::unique_ptr<STACK_OF(X509), X509StackFree> untrusted(sk_X509_new_null());
  std::unique_ptr<X509_STORE_CTX, X509StoreCtxFree> ctx(X509_STORE_CTX_new());
  if (!store || !untrusted || !ctx) return std::unexpected(at_key(tls, "ca", "out of memory"));
  for (const X509Ptr& a : anchors) X509_STORE_add_cert(store.get(), a.get());
  // Like GnuTLS, any certificate of the CA file is a trust anchor, an intermediate one too.
  X509_STORE_set_flags(store.get(), X509_V_FLAG_PARTIAL_CHAIN);
  for (std::size_t i = 1; i < chain.size(); ++i) {
    X509_up_ref(chain[i].get());
    sk_X509_push(untrusted.get(), chain[i].get());
  }
  int verified = 0;
  if (X509_STORE_CTX_init(ctx.get(), store.get(), chain.front().get(), untrusted.get()) == 1) {
    verified = X509_verify_cert(ctx.get());
  }
  const int reason = X509_STORE_CTX_get_error(ctx.get());
  ERR_clear_error();
  if (verified != 1) {
    return std::unexpected(at_key(tls, "cert",
                                  files.cert_file + " does not verify under the CA in " +
                                      files.ca_file + " (diameter.tls.ca): " +
                                      X509_verify_cert_error_string(reason)));
  }
  return {};
}

// transport + tls, shared by both daemons (docs/daemons.md: "tcp with tls files" is an error).
Status parse_transport(const ConfigNode& d, diameter::DiameterConfig& out) {
  enum class Transport { kTls, kTcp };
  KMEBIND_TRY(transport, net::get_enum_as<Transport>(
                             d, "transport", {{"tls", Transport::kTls}, {"tcp", Transport::kTcp}}));
  KMEBIND_TRY(tls, net::find_map(d, "tls"));
  if (transport == Transport::kTcp) {
    if (tls) {
      return std::unexpected(tls->error(tls->line(), tls->path(),
                                        "given while transport is tcp (clear); remove it, or set "
                                        "transport: tls"));
    }
    out.clear_tcp = true;
    return {};
  }
  if (!tls) return std::unexpected(net::get_map(d, "tls").error());  // "missing (required)"
  KMEBIND_CHECK(net::check_keys(*tls, {"cert", "key", "ca"}));
  diameter::TlsFiles files;
  KMEBIND_TRY(cert, net::get_string(*tls, "cert"));
  KMEBIND_TRY(key, net::get_string(*tls, "key"));
  KMEBIND_TRY(ca, net::get_string(*tls, "ca"));
  files.cert_file = std::move(cert);
  files.key_file = std::move(key);
  files.ca_file = std::move(ca);
  KMEBIND_CHECK(check_tls_files(*tls, files));
  out.tls = std::move(files);
  return {};
}

// The keys both daemons share in `diameter:`.
Status parse_diameter_common(const ConfigNode& d, diameter::DiameterConfig& out) {
  KMEBIND_TRY(identity, net::get_string(d, "identity"));
  KMEBIND_TRY(realm, net::get_string(d, "realm"));
  out.identity = std::move(identity);
  out.realm = std::move(realm);
  KMEBIND_CHECK(parse_transport(d, out));
  KMEBIND_TRY(
      code, net::get_uint_or(d, "kme_command_code", 1, 0xFFFFFF, diameter::kDefaultKmeCommandCode));
  KMEBIND_TRY(threads, net::get_uint_or(d, "dispatch_threads", 1, 64, 4));
  out.kme_command_code = static_cast<std::uint32_t>(code);
  out.dispatch_threads = static_cast<unsigned>(threads);
  return {};
}

// Where a diameter::validate message belongs (docs/daemons.md §1: at the line of the key it
// names): the key of `diameter:` its wording is about, else the section itself.
Error place_diameter_error(const ConfigNode& d, const diameter::DiameterConfig& config,
                           const Error& e) {
  std::string_view m = e.message();
  constexpr std::string_view kPrefix = "diameter: ";
  if (m.starts_with(kPrefix)) m.remove_prefix(kPrefix.size());
  const auto in = [&](std::string_view map_key, std::string_view key) {
    auto map = net::find_map(d, map_key);
    return (map && *map) ? at_key(**map, key, m) : at_key(d, map_key, m);
  };
  if (m.starts_with("identity ")) return at_key(d, "identity", m);
  if (m.starts_with("realm ")) return at_key(d, "realm", m);
  if (m.starts_with("destination realm ")) return at_key(d, "destination_realm", m);
  if (m.starts_with("listen address ")) {
    return net::has_key(d, "listen") ? in("listen", "address") : at_key(d, "local_address", m);
  }
  if (m.starts_with("TLS certificate ")) return in("tls", "cert");
  if (m.starts_with("TLS key ")) return in("tls", "key");
  if (m.starts_with("TLS CA ")) return in("tls", "ca");
  if (m.starts_with("allowed peer ")) return at_key(d, "allowed_peers", m);
  if (m.starts_with("KME command code ")) return at_key(d, "kme_command_code", m);
  if (m.starts_with("peer ")) {
    // "peer <identity> ..." or "peer identity '<identity>' ...": the entry of `peers` it names.
    auto items = net::get_list(d, "peers");
    for (std::size_t i = 0; items && i < items->size() && i < config.peers.size(); ++i) {
      const std::string& id = config.peers[i].identity;
      if (!m.starts_with("peer " + id + " ") && m.find("'" + id + "'") == std::string_view::npos) {
        continue;
      }
      const std::string_view field = m.find(" address ") != std::string_view::npos ? "address"
                                     : m.find(" port ") != std::string_view::npos  ? "port"
                                                                                   : "identity";
      return at_key((*items)[i], field, m);
    }
    return at_key(d, "peers", m);
  }
  return at(d, e);
}

// At most `max` characters of a name taken from a certificate, unprintable ones as '?'.
std::string printable(std::string_view name, std::size_t max = 80) {
  std::string out;
  for (const char ch : name.substr(0, max)) {
    out += (ch >= 0x20 && ch < 0x7F) ? ch : '?';
  }
  return name.size() > max ? out + "..." : out;
}

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  return std::ranges::equal(a, b, [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

// What a certificate names for its peers' identity check: its subjectAltName dNSNames, else its
// subject CN (RFC 6125 §6.4.4), for the message of a certificate that does not name `identity`.
std::string names_of(X509* cert, std::string_view identity) {
  std::vector<std::string> dns;
  bool wildcard = false;
  if (auto* names = static_cast<GENERAL_NAMES*>(
          X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr))) {
    for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
      const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
      if (name->type != GEN_DNS) continue;
      const ASN1_IA5STRING* s = name->d.dNSName;
      const std::string_view text(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                  static_cast<std::size_t>(std::max(ASN1_STRING_length(s), 0)));
      wildcard = wildcard || text.find('*') != std::string_view::npos;
      if (dns.size() < 8) dns.push_back("DNS:" + printable(text));
    }
    GENERAL_NAMES_free(names);
  }
  std::string cn;
  const X509_NAME* subject = X509_get_subject_name(cert);
  const int at = subject == nullptr ? -1 : X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (at >= 0) {
    const ASN1_STRING* s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, at));
    cn = std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     static_cast<std::size_t>(std::max(ASN1_STRING_length(s), 0)));
  }
  ERR_clear_error();
  if (dns.empty()) {
    return cn.empty() ? "names no subjectAltName DNS name and no subject CN"
                      : "names only the subject CN " + printable(cn);
  }
  std::string out = "names subjectAltName ";
  for (std::size_t i = 0; i < dns.size(); ++i) out += (i > 0 ? ", " : "") + dns[i];
  if (wildcard) out += " (a wildcard is not accepted)";
  if (!cn.empty() && equal_ignoring_case(cn, identity)) {
    out += " (its subject CN is not looked at when it has a DNS name)";
  }
  return out;
}

// The peers bind this node's certificate to the Diameter identity it sends in its CER/CEA with
// diameter::certificate_names_identity (subjectAltName dNSName exact, the CN only without one,
// no wildcard: RFC 6125 §6.4.4), so a certificate that does not name diameter.identity would get
// the node refused by every peer (or stop freeDiameter's start): a configuration error at
// tls.cert. Runs after diameter::validate accepted the identity and after check_tls_files.
Status check_certificate_names_identity(const ConfigNode& d,
                                        const diameter::DiameterConfig& config) {
  if (!config.tls) return {};
  auto tls = net::find_map(d, "tls");
  if (!tls || !*tls) return {};
  const std::string& file = config.tls->cert_file;
  auto text = read_pem_file(file);
  if (!text) return std::unexpected(at_key(**tls, "cert", text.error().message()));
  std::vector<X509Ptr> chain = read_certificates(*text);
  if (chain.empty()) {
    return std::unexpected(at_key(**tls, "cert", file + " holds no PEM certificate"));
  }
  unsigned char* der = nullptr;
  const int length = i2d_X509(chain.front().get(), &der);
  const bool named =
      length > 0 && diameter::certificate_names_identity(
                        ByteView(der, static_cast<std::size_t>(length)), config.identity);
  OPENSSL_free(der);
  ERR_clear_error();
  if (named) return {};
  return std::unexpected(at_key(
      **tls, "cert",
      file + " does not name diameter.identity '" + config.identity + "': it " +
          names_of(chain.front().get(), config.identity) +
          "; the peers match the identity to a subjectAltName DNS name exactly (to the subject "
          "CN only when there is none, no wildcard: RFC 6125 §6.4.4); use a certificate issued "
          "for " +
          config.identity));
}

Status validate_diameter(const ConfigNode& d, const diameter::DiameterConfig& config) {
  if (auto st = diameter::validate(config); !st) {
    return std::unexpected(place_diameter_error(d, config, st.error()));
  }
  return check_certificate_names_identity(d, config);
}

Result<std::vector<CookieKeyEntry>> parse_cookie_keys(const ConfigNode& root) {
  KMEBIND_TRY(items, net::get_list(root, "cookie_keys"));
  std::vector<CookieKeyEntry> entries;
  std::set<std::uint32_t> ids;
  const ConfigNode* active_item = nullptr;
  for (const ConfigNode& item : items) {
    KMEBIND_CHECK(net::check_keys(item, {"id", "key_file", "state"}));
    CookieKeyEntry e;
    KMEBIND_TRY(id, net::get_uint(item, "id", 1, 0xFFFFFFFF));
    e.id = static_cast<std::uint32_t>(id);
    KMEBIND_TRY(state, net::get_enum_as<CookieKeyState>(item, "state",
                                                        {{"active", CookieKeyState::kActive},
                                                         {"accepted", CookieKeyState::kAccepted},
                                                         {"retired", CookieKeyState::kRetired}}));
    e.state = state;
    if (state == CookieKeyState::kRetired) {
      KMEBIND_TRY(file, get_string_or_empty(item, "key_file"));
      e.key_file = std::move(file);
    } else {
      KMEBIND_TRY(file, net::get_string(item, "key_file"));
      e.key_file = std::move(file);
    }
    e.where = where(item) + ".key_file";
    if (!ids.insert(e.id).second) {
      return std::unexpected(item.error(item.line(), item.path() + ".id",
                                        "id " + std::to_string(e.id) + " listed twice"));
    }
    if (state == CookieKeyState::kActive) {
      if (active_item != nullptr) {
        return std::unexpected(item.error(
            item.line(), item.path() + ".state",
            "a second active key (first: " + active_item->path() + "); exactly one is active"));
      }
      active_item = &item;
    }
    entries.push_back(std::move(e));
  }
  if (active_item == nullptr) {
    return std::unexpected(root.error(key_line(root, "cookie_keys"), "cookie_keys",
                                      "no key has state: active (exactly one must be: it seals "
                                      "new Cookies)"));
  }
  return entries;
}

Result<std::uint32_t> parse_uint_item(const ConfigNode& item, std::uint64_t max) {
  const std::string expected = "an integer 0.." + std::to_string(max);
  if (!item.yaml().IsScalar()) {
    return std::unexpected(item.error(item.line(), item.path(), "expected " + expected));
  }
  const std::string& text = item.yaml().Scalar();
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  const bool leading_zero = text.size() > 1 && text[0] == '0';
  if (ec != std::errc() || end != text.data() + text.size() || text.empty() || leading_zero ||
      v > max) {
    return std::unexpected(item.error(
        item.line(), item.path(), "expected " + expected + ", got '" + text.substr(0, 40) + "'"));
  }
  return static_cast<std::uint32_t>(v);
}

// The field a CnnConfig::validate message is about ("CNN configuration: <field>: ...").
std::string field_of(const std::string& message) {
  constexpr std::string_view prefix = "CNN configuration: ";
  if (!message.starts_with(prefix)) return {};
  const std::size_t colon = message.find(':', prefix.size());
  return colon == std::string::npos ? std::string()
                                    : message.substr(prefix.size(), colon - prefix.size());
}

Status parse_cnn_section(const ConfigNode& root, cnn::CnnConfig& c) {
  KMEBIND_TRY(section, net::get_map(root, "cnn"));
  KMEBIND_CHECK(net::check_keys(
      section,
      {"plmn", "mme_group_id", "mme_code", "tacs", "apn", "ipv4_pool", "max_ues", "max_attaching",
       "t3346_s", "s6a_answer_timeout_ms", "kme_procedures", "kme_prefetch"}));
  KMEBIND_TRY(plmn, net::get_string(section, "plmn"));
  c.plmn = std::move(plmn);
  KMEBIND_TRY(group, net::get_uint_or(section, "mme_group_id", 0, 0xFFFF, c.mme_group_id));
  KMEBIND_TRY(code, net::get_uint_or(section, "mme_code", 0, 0xFF, c.mme_code));
  c.mme_group_id = static_cast<std::uint16_t>(group);
  c.mme_code = static_cast<std::uint8_t>(code);
  if (net::has_key(section, "tacs")) {
    KMEBIND_TRY(items, net::get_list(section, "tacs"));
    c.tacs.clear();
    for (const ConfigNode& item : items) {
      KMEBIND_TRY(tac, parse_uint_item(item, 0xFFFF));
      c.tacs.push_back(static_cast<std::uint16_t>(tac));
    }
  }
  KMEBIND_TRY(apn, net::get_string_or(section, "apn", c.apn));
  KMEBIND_TRY(pool, net::get_string_or(section, "ipv4_pool", c.ipv4_pool));
  KMEBIND_TRY(max_ues, net::get_uint_or(section, "max_ues", 1, 100'000'000, c.max_ues));
  KMEBIND_TRY(max_attaching,
              net::get_uint_or(section, "max_attaching", 1, 100'000'000, c.max_attaching));
  KMEBIND_TRY(t3346, net::get_uint_or(section, "t3346_s", 1, 11'160, c.t3346_s));
  KMEBIND_TRY(s6a_timeout, net::get_uint_or(section, "s6a_answer_timeout_ms", 10, 600'000,
                                            static_cast<std::uint64_t>(c.s6a_answer_timeout_ms)));
  c.apn = std::move(apn);
  c.ipv4_pool = std::move(pool);
  c.max_ues = static_cast<std::size_t>(max_ues);
  c.max_attaching = static_cast<std::size_t>(max_attaching);
  c.t3346_s = static_cast<std::uint32_t>(t3346);
  c.s6a_answer_timeout_ms = static_cast<std::int64_t>(s6a_timeout);
  if (net::has_key(section, "kme_procedures")) {
    KMEBIND_TRY(items, net::get_list(section, "kme_procedures"));
    std::uint8_t bits = 0;
    for (const ConfigNode& item : items) {
      KMEBIND_TRY(p, parse_uint_item(item, 2));
      if (p == 0) {
        return std::unexpected(item.error(item.line(), item.path(), "expected 1 or 2, got '0'"));
      }
      bits = static_cast<std::uint8_t>(bits | (1u << (p - 1)));
    }
    c.supported_kme_procedures = bits;
  }
  KMEBIND_TRY(prefetch, net::get_bool_or(section, "kme_prefetch", c.kme_prefetch));
  c.kme_prefetch = prefetch;
  if (auto st = c.validate(); !st) {
    const std::string field = field_of(st.error().message());
    const std::string& message = st.error().message();
    const std::string problem = message.substr(std::min(
        message.size(), std::string_view("CNN configuration: ").size() + field.size() + 2));
    if (!field.empty() && net::has_key(section, field)) {
      return std::unexpected(
          section.error(key_line(section, field), section.child_path(field), problem));
    }
    return std::unexpected(at(section, st.error()));
  }
  return {};
}

}  // namespace

std::string_view to_string(CookieKeyState state) {
  switch (state) {
    case CookieKeyState::kActive:
      return "active";
    case CookieKeyState::kAccepted:
      return "accepted";
    case CookieKeyState::kRetired:
      return "retired";
  }
  return "?";
}

Result<HssDaemonConfig> parse_hss_config(const net::YamlDoc& doc) {
  const ConfigNode root = doc.root();
  KMEBIND_CHECK(
      net::check_keys(root, {"store", "cookie_keys", "diameter", "hss", "metrics", "log"}));
  HssDaemonConfig c;

  KMEBIND_TRY(store, net::get_map(root, "store"));
  KMEBIND_CHECK(net::check_keys(store, {"location", "key_file"}));
  KMEBIND_TRY(location, net::get_string(store, "location"));
  c.store.location = std::move(location);
  if (net::has_key(store, "key_file")) {
    KMEBIND_TRY(key_file, get_string_or_empty(store, "key_file"));
    if (!key_file.empty()) c.store.key_file = std::move(key_file);
  }
  c.store.where = where(store);

  KMEBIND_TRY(cookie_keys, parse_cookie_keys(root));
  c.cookie_keys = std::move(cookie_keys);

  KMEBIND_TRY(d, net::get_map(root, "diameter"));
  KMEBIND_CHECK(net::check_keys(d, {"identity", "realm", "listen", "transport", "tls",
                                    "allowed_peers", "kme_command_code", "dispatch_threads"}));
  KMEBIND_CHECK(parse_diameter_common(d, c.diameter));
  KMEBIND_TRY(listen, net::get_map(d, "listen"));
  KMEBIND_CHECK(net::check_keys(listen, {"address", "port"}));
  KMEBIND_TRY(listen_address, net::get_string(listen, "address"));
  KMEBIND_TRY(listen_port, get_port(listen, "port", 1));
  c.diameter.listen_address = std::move(listen_address);
  c.diameter.listen_port = listen_port;
  KMEBIND_TRY(allowed, net::get_string_list(d, "allowed_peers"));
  if (allowed.empty()) {
    return std::unexpected(d.error(key_line(d, "allowed_peers"), d.child_path("allowed_peers"),
                                   "empty: no CNN could connect; list their Diameter identities"));
  }
  c.diameter.allowed_peers = std::move(allowed);

  KMEBIND_TRY(hss, net::find_map(root, "hss"));
  c.workers_where = root.source() + ": hss.workers";
  if (hss && net::has_key(*hss, "workers")) {
    c.workers_where = hss->source() + ":" + std::to_string(key_line(*hss, "workers")) + ": " +
                      hss->child_path("workers");
  }
  if (hss) {
    KMEBIND_CHECK(net::check_keys(
        *hss, {"workers", "queue_limit", "cookie_lifetime_s", "challenge_lifetime_s",
               "allow_procedure1", "max_vectors_per_air", "kme_prefetch"}));
    KMEBIND_TRY(workers, net::get_uint_or(*hss, "workers", 1, 256, c.workers));
    KMEBIND_TRY(queue, net::get_uint_or(*hss, "queue_limit", 1, 1'000'000, c.queue_limit));
    KMEBIND_TRY(lifetime, net::get_uint_or(*hss, "cookie_lifetime_s", 1, 86'400,
                                           static_cast<std::uint64_t>(c.hss.cookie_lifetime_s)));
    KMEBIND_TRY(challenge,
                net::get_uint_or(*hss, "challenge_lifetime_s", 1, 3'600,
                                 static_cast<std::uint64_t>(c.hss.challenge_lifetime_s)));
    KMEBIND_TRY(p1, net::get_bool_or(*hss, "allow_procedure1", c.hss.allow_procedure1));
    KMEBIND_TRY(vectors,
                net::get_uint_or(*hss, "max_vectors_per_air", 1, 32, c.hss.max_vectors_per_air));
    KMEBIND_TRY(prefetch, net::get_bool_or(*hss, "kme_prefetch", c.hss.kme_prefetch));
    c.workers = static_cast<unsigned>(workers);
    c.queue_limit = static_cast<std::size_t>(queue);
    c.hss.cookie_lifetime_s = static_cast<std::int64_t>(lifetime);
    c.hss.challenge_lifetime_s = static_cast<std::int64_t>(challenge);
    c.hss.allow_procedure1 = p1;
    c.hss.max_vectors_per_air = static_cast<std::uint32_t>(vectors);
    c.hss.kme_prefetch = prefetch;
    if (auto st = c.hss.validate(); !st) return std::unexpected(at(*hss, st.error()));
  }

  KMEBIND_TRY(metrics, parse_metrics(root));
  c.metrics = std::move(metrics);
  KMEBIND_TRY(log, parse_log(root, "hss"));
  c.log = std::move(log);
  c.diameter.fd_log_level = fd_log_level_for(c.log.level);
  KMEBIND_CHECK(validate_diameter(d, c.diameter));
  return c;
}

Result<CnnDaemonConfig> parse_cnn_config(const net::YamlDoc& doc) {
  const ConfigNode root = doc.root();
  KMEBIND_CHECK(net::check_keys(root, {"diameter", "nas", "cnn", "pcap", "metrics", "log"}));
  CnnDaemonConfig c;

  KMEBIND_TRY(d, net::get_map(root, "diameter"));
  KMEBIND_CHECK(net::check_keys(d, {"identity", "realm", "transport", "tls", "peers",
                                    "request_timeout_ms", "destination_realm", "local_address",
                                    "connect_wait_ms", "kme_command_code", "dispatch_threads"}));
  KMEBIND_CHECK(parse_diameter_common(d, c.diameter));
  KMEBIND_TRY(peers, net::get_list(d, "peers"));
  if (peers.empty()) {
    return std::unexpected(d.error(key_line(d, "peers"), d.child_path("peers"),
                                   "empty: list at least one HSS {identity, address, port}"));
  }
  for (const ConfigNode& item : peers) {
    KMEBIND_CHECK(net::check_keys(item, {"identity", "address", "port"}));
    diameter::PeerConfig p;
    KMEBIND_TRY(identity, net::get_string(item, "identity"));
    KMEBIND_TRY(address, net::get_string(item, "address"));
    KMEBIND_TRY(port, get_port(item, "port", 1));
    p.identity = std::move(identity);
    p.address = std::move(address);
    p.port = port;
    p.tls = !c.diameter.clear_tcp;
    c.diameter.peers.push_back(std::move(p));
  }
  KMEBIND_TRY(timeout, net::get_uint_or(d, "request_timeout_ms", 10, 600'000, 3000));
  c.diameter.request_timeout = std::chrono::milliseconds(timeout);
  KMEBIND_TRY(dest, net::get_string_or(d, "destination_realm", ""));
  c.diameter.destination_realm = std::move(dest);
  KMEBIND_TRY(local, net::get_string_or(d, "local_address", "127.0.0.1"));
  c.diameter.listen_address = std::move(local);
  c.diameter.listen_port = 0;  // a client: no listener
  KMEBIND_TRY(wait, net::get_uint_or(d, "connect_wait_ms", 0, 600'000, 5000));
  c.connect_wait = std::chrono::milliseconds(wait);

  KMEBIND_TRY(nas, net::get_map(root, "nas"));
  KMEBIND_CHECK(net::check_keys(nas, {"listen", "max_connections"}));
  KMEBIND_TRY(listen, net::get_map(nas, "listen"));
  KMEBIND_CHECK(net::check_keys(listen, {"address", "port"}));
  KMEBIND_TRY(nas_address, net::get_string(listen, "address"));
  KMEBIND_TRY(nas_port, get_port(listen, "port", 0));
  KMEBIND_TRY(max_conn, net::get_uint_or(nas, "max_connections", 1, 100'000, 1024));
  c.nas.address = std::move(nas_address);
  c.nas.port = nas_port;
  c.nas.max_connections = static_cast<std::size_t>(max_conn);

  KMEBIND_CHECK(parse_cnn_section(root, c.cnn));

  KMEBIND_TRY(pcap, net::find_map(root, "pcap"));
  if (pcap) {
    KMEBIND_CHECK(net::check_keys(*pcap, {"file"}));
    KMEBIND_TRY(file, get_string_or_empty(*pcap, "file"));
    if (!file.empty()) KMEBIND_CHECK(check_directory_of(*pcap, "file", file));
    c.pcap_file = std::move(file);
  }
  KMEBIND_TRY(metrics, parse_metrics(root));
  c.metrics = std::move(metrics);
  KMEBIND_TRY(log, parse_log(root, "cnn"));
  c.log = std::move(log);
  c.diameter.fd_log_level = fd_log_level_for(c.log.level);
  KMEBIND_CHECK(validate_diameter(d, c.diameter));
  return c;
}

Result<HssDaemonConfig> load_hss_config(const std::filesystem::path& path) {
  KMEBIND_TRY(doc, net::load_yaml(path));
  return parse_hss_config(doc);
}

Result<CnnDaemonConfig> load_cnn_config(const std::filesystem::path& path) {
  KMEBIND_TRY(doc, net::load_yaml(path));
  return parse_cnn_config(doc);
}

Result<crypto::CookieKeyRing> load_cookie_key_ring(const std::vector<CookieKeyEntry>& entries) {
  crypto::CookieKeyRing ring;
  std::optional<std::uint32_t> active;
  for (const CookieKeyEntry& e : entries) {
    if (e.state == CookieKeyState::kRetired) continue;
    // Same file format as the store master key: 64 hex digits, mode 0600.
    auto key = store::read_master_key_file(e.key_file);
    if (!key) {
      std::string why;
      switch (key.error().code()) {
        case Code::kNotFound:
          why = "not found (64 hex digits, mode 0600: openssl rand -hex 32)";
          break;
        case Code::kNotAllowed:
          why = "is accessible to group or others; chmod 600 it";
          break;
        case Code::kInvalidArgument:
          why = "must hold 64 hex digits (a 32-octet key)";
          break;
        default:
          why = "cannot be read: " + key.error().message();
          break;
      }
      return fail(key.error().code(), e.where + ": " + e.key_file + " " + why);
    }
    if (auto st = ring.add_key(e.id, std::move(*key)); !st) {
      return fail(Code::kInvalidArgument, e.where + ": " + st.error().message());
    }
    if (e.state == CookieKeyState::kActive) active = e.id;
  }
  if (!active) return fail(Code::kInvalidArgument, "cookie_keys: no active key");
  if (auto st = ring.set_active(*active); !st) {
    return fail(Code::kInvalidArgument, "cookie_keys: " + st.error().message());
  }
  return ring;
}

Result<SecretBytes> load_store_master_key(const StoreSettings& store) {
  if (store.key_file) {
    auto key = store::read_master_key_file(*store.key_file);
    if (!key) return fail(key.error().code(), store.where + ".key_file: " + key.error().message());
    return key;
  }
  const char* env = std::getenv(store::kMasterKeyEnv);
  if (env == nullptr || *env == '\0') {
    return fail(Code::kInvalidArgument,
                store.where + ".key_file: missing, and " + store::kMasterKeyEnv + " is not set");
  }
  return store::parse_master_key(env, store::kMasterKeyEnv);
}

}  // namespace kmebind::app
