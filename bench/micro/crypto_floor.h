// The crypto floor of each role (HSS, CNN, UE) per procedure: the public-key and symmetric
// operations a role cannot avoid, run through the real functions of src/crypto (and the store's
// AES-256-GCM sealing, store/key_wrap.h) on the inputs of one device kind. Everything else a role
// spends — encoding, the store's SQL, allocation, copies — is overhead over this floor.
//
// Per attach (EPS-AKA, Security mode with IMEISV, KME procedure, Attach accept/complete):
//   HSS AIR        open K and OPc (2 × AES-256-GCM), RAND (DRBG), MILENAGE set-up and f1-f5,
//                  KASME (KDF)
//   HSS KME-Req    KME (DRBG), ECIES encryption (ephemeral key pair, ECDH, X9.63 KDF, AES-CTR,
//                  HMAC) and a Cookie seal (AES-GCM); procedure 2 adds Nonce (DRBG), XRsp (HMAC)
//   HSS ULR        seal KME at rest (AES-256-GCM) after opening the Cookie (AES-GCM); procedure 2
//                  also builds the transcript (SHA-256) and verifies the signature (key parsed)
//   CNN            K_NASenc/K_NASint (2 KDF), 1 integrity-only and 5 integrity+ciphered NAS PDUs
//                  (128-EIA2 + 128-EEA2); procedure 1 adds Nonce (DRBG) and XRsp (HMAC)
//   UE             f5 then f1-f5 (MILENAGE), KASME and NAS keys (3 KDF), the same NAS PDUs as
//                  the CNN; the KME provisioning: ECIES decryption (ECDH, KDF, HMAC, AES-CTR),
//                  Rsp (HMAC), procedure 2 transcript (SHA-256) and signature, with the device's
//                  private keys parsed once (crypto::EciesDecryptor, crypto::Signer), as the ME
//                  keeps them
// NAS PDUs are counted at 64 octets each (the real ones are 10-150 octets; EIA2/EEA2 cost is
// mostly per call).
#pragma once

#include <memory>

#include "bench_support.h"

namespace kmebind::bench {

class CryptoFloor {
 public:
  // Inputs for `combo` (a generated device; everything sealed/encrypted/signed once up front).
  explicit CryptoFloor(const Combo& combo);
  ~CryptoFloor();
  CryptoFloor(CryptoFloor&&) noexcept;

  void hss_air();
  void hss_kme_request();
  void hss_ulr();
  void hss_attach() {
    hss_air();
    hss_kme_request();
    hss_ulr();
  }

  void cnn_attach();

  void ue_aka();               // MILENAGE f5 + f1-f5, KASME, NAS keys
  void ue_kme_provisioning();  // KME command in, response out (2 NAS PDUs)
  void ue_attach();            // ue_aka + ue_kme_provisioning + the other 4 NAS PDUs

  // One X25519 ECDH derive with both keys already parsed (EVP_PKEY_derive only), and one
  // signature of the transcript with the device's algorithm and parsed key: the UE target's
  // unit.
  void x25519_derive();
  void device_sign();

 private:
  struct Inputs;
  std::unique_ptr<Inputs> in_;
  Combo combo_;
};

}  // namespace kmebind::bench
