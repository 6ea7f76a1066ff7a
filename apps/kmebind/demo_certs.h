// The demo's throw-away PKI (docs/demo.md §2), made with the OpenSSL 3 C API (no `openssl` CLI):
// one CA and, per Diameter node, an ECDSA P-256 key with a certificate whose CN and SAN dNSName
// are the node's Diameter Identity (what freeDiameter checks, docs/diameter.md §5), valid for
// both TLS client and server use, signed with ECDSA-SHA256 (RFC 5280 profile: basicConstraints,
// keyUsage, extendedKeyUsage, subject and authority key identifiers).
//
// For demos and tests only: the CA key is written next to the certificates.
#pragma once

#include <filesystem>
#include <string>

#include "common/error.h"

namespace kmebind::app {

struct CertificateAuthority {
  std::filesystem::path cert;  // PEM
  std::filesystem::path key;   // PEM PKCS #8, mode 0600
};

// Creates a self-signed CA named `common_name`, valid from an hour ago for `days` days, and
// writes `<dir>/<name>.pem` and `<dir>/<name>.key`. kIo naming the file on a write error,
// kInternal when OpenSSL fails.
Result<CertificateAuthority> make_certificate_authority(const std::filesystem::path& dir,
                                                        const std::string& name,
                                                        const std::string& common_name, int days);

// Issues a certificate for `identity` (CN = SAN dNSName = identity) signed by `ca`, and writes
// `<dir>/<name>.pem` and `<dir>/<name>.key` (0600). Same errors; kInvalidArgument when the CA
// files do not load.
Status issue_certificate(const CertificateAuthority& ca, const std::filesystem::path& dir,
                         const std::string& name, const std::string& identity, int days);

}  // namespace kmebind::app
