// Binding a TLS peer's certificate to the Diameter Identity it claims: freeDiameter checks the
// chain against TLS_CA but not that the certificate names the identity in the CER/CEA
// (shared/notes/freediameter.md trap 10), so any holder of a certificate from the CA could claim
// an allowed identity. Both the server's peer validation and the client's connect check use this.
#pragma once

#include <string_view>

#include "common/bytes.h"

namespace kmebind::diameter {

// True when the DER certificate names `identity`: a dNSName in subjectAltName matches, or, when
// the certificate has no dNSName, its subject CN does (RFC 6125 §6.4.4, GnuTLS
// gnutls_x509_crt_check_hostname2). Case-insensitive; wildcards are NOT accepted. False for
// anything that does not parse as an X.509 certificate.
bool certificate_names_identity(ByteView der, std::string_view identity);

}  // namespace kmebind::diameter
