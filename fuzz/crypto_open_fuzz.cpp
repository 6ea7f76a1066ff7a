// libFuzzer harness: the crypto inputs an attacker controls (src/crypto): ECIES scheme outputs
// opened by the device (TS 33.501 Annex C.3, profiles A and B, then the KME payload decoder),
// Cookies opened by the HSS (crypto/cookie.h) and device signatures verified by the HSS
// (crypto/signature.h), against the fixed test keys of fuzz_fixture.h.
// Input: octet 1 selects the target, the rest is its input:
//   0 / 1  ECIES scheme output, profile A / B
//   2      Cookie, presented for the fixture's IMSI and IMEI
//   3 / 4  Ed25519 / ECDSA P-256 with the fixture's public key: sig length (1) ‖ sig ‖ message
//   5 / 6  the same with an arbitrary public key: key length (1) ‖ key ‖ sig length (1) ‖ sig ‖
//          message
// Properties: nothing crashes or leaks; an opened ECIES output is as long as the input less the
// ephemeral key and tag; an opened Cookie is bound to the IMSI/IMEI it was presented with, holds
// a 32-octet KME and a 16-octet Nonce, and is within its lifetime; a signature is accepted only if
// it is 64 octets and the key is valid.
#include <cstddef>
#include <cstdint>

#include "crypto/cookie.h"
#include "crypto/ecies.h"
#include "crypto/signature.h"
#include "fuzz_fixture.h"
#include "nas/kme_payload.h"

using namespace kmebind;

namespace {

// Takes a length-prefixed field off the front of `in` (length octet ‖ octets, cut at the end).
ByteView take_field(ByteView& in) {
  if (in.empty()) return {};
  std::size_t n = in[0];
  in = in.subspan(1);
  if (n > in.size()) n = in.size();
  ByteView out = in.first(n);
  in = in.subspan(n);
  return out;
}

void open_ecies(crypto::EciesProfile profile, const SecretBytes& private_key, ByteView output) {
  auto plain = crypto::ecies_decrypt(profile, private_key, output);
  if (!plain) return;
  KMEBIND_FUZZ_CHECK(plain->size() + crypto::ecies_eph_public_key_size(profile) +
                         crypto::kEciesMacTagSize ==
                     output.size());
  (void)nas::decode_kme_payload(plain->view());
}

void open_cookie(ByteView cookie) {
  static const crypto::CookieKeyRing ring = [] {
    crypto::CookieKeyRing r;
    KMEBIND_FUZZ_CHECK(r.add_key(fuzz::kCookieKeyId, fuzz::cookie_key()).has_value());
    return r;
  }();
  auto content = crypto::open_cookie(ring, cookie, fuzz::kImsi, fuzz::kImei, fuzz::kNowUnixS,
                                     fuzz::kCookieLifetimeS);
  // A procedure-1 Cookie (another AAD label): never the same octets open as both.
  auto procedure1 = crypto::open_cookie(ring, cookie, fuzz::kImsi, fuzz::kImei, fuzz::kNowUnixS,
                                        fuzz::kCookieLifetimeS, crypto::CookieUse::kProcedure1);
  KMEBIND_FUZZ_CHECK(!(content && procedure1));
  if (!content) content = std::move(procedure1);
  if (!content) return;
  KMEBIND_FUZZ_CHECK(content->imsi == fuzz::kImsi && content->imei == fuzz::kImei);
  KMEBIND_FUZZ_CHECK(content->kme.size() == 32 && content->nonce.size() == 16);
  KMEBIND_FUZZ_CHECK(content->issued_at_unix_s <= fuzz::kNowUnixS + crypto::kCookieMaxClockSkewS);
  KMEBIND_FUZZ_CHECK(fuzz::kNowUnixS - content->issued_at_unix_s <= fuzz::kCookieLifetimeS);
}

void verify(crypto::SignatureAlgorithm alg, ByteView public_key, ByteView rest) {
  const ByteView sig = take_field(rest);
  const Status st = crypto::verify(alg, public_key, rest, sig);
  if (st) KMEBIND_FUZZ_CHECK(sig.size() == crypto::kSignatureSize);
  auto verifier = crypto::SignatureVerifier::create(alg, public_key);
  if (!verifier) {
    KMEBIND_FUZZ_CHECK(!st.has_value());
    return;
  }
  KMEBIND_FUZZ_CHECK(verifier->verify(rest, sig).has_value() == st.has_value());
}

const Bytes& fixture_public_key(crypto::SignatureAlgorithm alg) {
  static const Bytes ed = *crypto::signature_public_from_private(
      crypto::SignatureAlgorithm::kEd25519, fuzz::signing_private_ed25519());
  static const Bytes p256 = *crypto::signature_public_from_private(
      crypto::SignatureAlgorithm::kEcdsaP256Sha256, fuzz::signing_private_p256());
  return alg == crypto::SignatureAlgorithm::kEd25519 ? ed : p256;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  ByteView rest = fuzz::view(data + 1, size - 1);
  using crypto::SignatureAlgorithm;
  switch (data[0] % 7) {
    case 0: {
      static const SecretBytes key = fuzz::ecies_private_a();
      open_ecies(crypto::EciesProfile::kA, key, rest);
      break;
    }
    case 1: {
      static const SecretBytes key = fuzz::ecies_private_b();
      open_ecies(crypto::EciesProfile::kB, key, rest);
      break;
    }
    case 2:
      open_cookie(rest);
      break;
    case 3:
      verify(SignatureAlgorithm::kEd25519, fixture_public_key(SignatureAlgorithm::kEd25519), rest);
      break;
    case 4:
      verify(SignatureAlgorithm::kEcdsaP256Sha256,
             fixture_public_key(SignatureAlgorithm::kEcdsaP256Sha256), rest);
      break;
    case 5: {
      const ByteView key = take_field(rest);
      verify(SignatureAlgorithm::kEd25519, key, rest);
      break;
    }
    default: {
      const ByteView key = take_field(rest);
      verify(SignatureAlgorithm::kEcdsaP256Sha256, key, rest);
      break;
    }
  }
  return 0;
}
