// Test support for tests/system/secret_leak_test.cpp: looks for known secrets in files (logs,
// stdout/stderr captures, /metrics scrapes, pcaps, the store). A secret is searched for in every
// form a program could print it in: hex (lower and upper case, plain and with ':' or ' ' between
// octets), base64 and base64url of the value, the raw octets, and the hex of its first 8 octets
// (a truncated print). PEM private keys are also searched for by their base64 body lines.
//
// Findings name the secret's kind, its owner (an IMSI, a file name), the form and the file, and
// show at most the first two octets of the value: a failing test must not print the secret.
#pragma once

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "common/bytes.h"

namespace kmebind::test {

// One secret the run generated; `value` is the key's octets. For a PEM key, `pem_lines` holds the
// base64 body lines of the file and `value` the private scalar.
struct Secret {
  std::string kind;   // "K", "OPc", "KME", "KASME", "master key", "TLS private key", …
  std::string owner;  // "IMSI 001010000000001", "hss.key", …
  Bytes value;
  std::vector<std::string> pem_lines;
};

// Where a secret was found: never the secret itself.
struct Finding {
  std::string kind;
  std::string owner;
  std::string form;
  std::string file;
  std::string hint;  // first two octets in hex, then "…"

  std::string describe() const {
    return kind + " (" + owner + ", begins " + hint + ") found as " + form + " in " + file;
  }
};

namespace leak_detail {

inline std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c; });
  return s;
}

inline std::string separated_hex(ByteView v, char sep) {
  std::string out;
  const std::string hex = to_hex(v);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    if (i != 0) out.push_back(sep);
    out.append(hex, i, 2);
  }
  return out;
}

// Base64 (RFC 4648 §4) of the whole 3-octet groups of `v`: what any encoder prints for these
// octets when they start a base64 run, whatever follows them.
inline std::string base64_prefix(ByteView v) {
  const std::size_t whole = v.size() / 3 * 3;
  std::string out(4 * whole / 3 + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), v.data(),
                                static_cast<int>(whole));
  out.resize(static_cast<std::size_t>(std::max(n, 0)));
  return out;
}

}  // namespace leak_detail

// The forms searched for, as (form name, needle) pairs.
inline std::vector<std::pair<std::string, std::string>> needles(const Secret& s) {
  using namespace leak_detail;
  std::vector<std::pair<std::string, std::string>> out;
  const ByteView v(s.value);
  if (v.size() >= 16) {
    const std::string hex = to_hex(v);
    out.emplace_back("hex", hex);
    out.emplace_back("HEX", upper(hex));
    out.emplace_back("hex with ':'", separated_hex(v, ':'));
    out.emplace_back("HEX with ':'", upper(separated_hex(v, ':')));
    out.emplace_back("hex with ' '", separated_hex(v, ' '));
    out.emplace_back("HEX with ' '", upper(separated_hex(v, ' ')));
    std::string b64 = base64_prefix(v);
    out.emplace_back("base64", b64);
    std::replace(b64.begin(), b64.end(), '+', '-');
    std::replace(b64.begin(), b64.end(), '/', '_');
    out.emplace_back("base64url", b64);
    out.emplace_back("raw octets", std::string(v.begin(), v.end()));
    const std::string head = to_hex(v.first(8));
    out.emplace_back("hex of the first 8 octets", head);
    out.emplace_back("HEX of the first 8 octets", upper(head));
    out.emplace_back("hex of the first 8 octets with ':'", separated_hex(v.first(8), ':'));
    out.emplace_back("HEX of the first 8 octets with ':'", upper(separated_hex(v.first(8), ':')));
  }
  for (const std::string& line : s.pem_lines) out.emplace_back("PEM line", line);
  return out;
}

// Every form of every secret found in `file`.
inline std::vector<Finding> scan_file(const std::filesystem::path& file,
                                      const std::vector<Secret>& secrets) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  std::vector<Finding> found;
  for (const Secret& s : secrets) {
    for (const auto& [form, needle] : needles(s)) {
      if (needle.empty() || text.find(needle) == std::string::npos) continue;
      const std::string hint =
          s.value.size() >= 2 ? to_hex(ByteView(s.value).first(2)) + "…" : std::string("…");
      found.push_back(Finding{s.kind, s.owner, form, file.string(), hint});
    }
  }
  return found;
}

inline std::vector<Finding> scan_files(const std::vector<std::filesystem::path>& files,
                                       const std::vector<Secret>& secrets) {
  std::vector<Finding> found;
  for (const auto& f : files) {
    auto more = scan_file(f, secrets);
    found.insert(found.end(), more.begin(), more.end());
  }
  return found;
}

// A PEM private key file as a secret: its base64 body lines (those of at least 16 characters)
// and its private scalar (EC keys; OSSL_PKEY_PARAM_PRIV_KEY). nullopt if it does not load.
inline std::optional<Secret> pem_private_key(const std::filesystem::path& file,
                                             const std::string& kind) {
  Secret s{kind, file.filename().string(), {}, {}};
  {
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("-----", 0) == 0 || line.size() < 16) continue;
      s.pem_lines.push_back(line);
    }
  }
  FILE* f = std::fopen(file.c_str(), "r");
  if (f == nullptr) return std::nullopt;
  EVP_PKEY* key = PEM_read_PrivateKey(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  if (key == nullptr) return std::nullopt;
  BIGNUM* priv = nullptr;
  if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_PRIV_KEY, &priv) == 1 && priv != nullptr) {
    s.value.resize(static_cast<std::size_t>(BN_num_bytes(priv)));
    BN_bn2bin(priv, s.value.data());
    if (s.value.size() < 32) s.value.insert(s.value.begin(), 32 - s.value.size(), 0);
  }
  BN_clear_free(priv);
  EVP_PKEY_free(key);
  if (s.value.empty() || s.pem_lines.empty()) return std::nullopt;
  return s;
}

// A secret from hex text (a key file's 64 digits, a JSON field); nullopt if it is not hex.
inline std::optional<Secret> hex_secret(const std::string& kind, const std::string& owner,
                                        std::string hex) {
  while (!hex.empty() && (hex.back() == '\n' || hex.back() == '\r' || hex.back() == ' '))
    hex.pop_back();
  auto bytes = from_hex(hex);
  if (!bytes || bytes->empty()) return std::nullopt;
  return Secret{kind, owner, std::move(*bytes), {}};
}

}  // namespace kmebind::test
