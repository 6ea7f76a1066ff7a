#include "diameter/peer_identity.h"

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include <string>

namespace kmebind::diameter {

bool certificate_names_identity(ByteView der, std::string_view identity) {
  if (der.empty() || identity.empty() || der.size() > 0xFFFFFFFFu) return false;
  gnutls_x509_crt_t crt = nullptr;
  if (gnutls_x509_crt_init(&crt) < 0) return false;
  gnutls_datum_t datum{const_cast<unsigned char*>(der.data()), static_cast<unsigned int>(der.size())};
  bool ok = false;
  if (gnutls_x509_crt_import(crt, &datum, GNUTLS_X509_FMT_DER) >= 0) {
    std::string name(identity);
    ok = gnutls_x509_crt_check_hostname2(crt, name.c_str(),
                                         GNUTLS_VERIFY_DO_NOT_ALLOW_WILDCARDS) != 0;
  }
  gnutls_x509_crt_deinit(crt);
  return ok;
}

}  // namespace kmebind::diameter
