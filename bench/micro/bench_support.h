// Shared set-up of the micro benchmarks: an HSS core on a real SQLite store in a temporary
// directory, with simulated devices provisioned into it (src/sim/provisioning.h), and the
// device/procedure combinations every benchmark is run for.
//
// The store lives under $KMEBIND_BENCH_DIR when set, else the system temporary directory
// ($TMPDIR or /tmp); it is deleted when the Bed is destroyed. Benchmarks abort (with a message
// on stderr) when the set-up fails: a benchmark of a broken set-up measures nothing.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cnn/cnn.h"
#include "crypto/cookie.h"
#include "crypto/ecies.h"
#include "crypto/signature.h"
#include "hss/hss.h"
#include "sim/provisioning.h"
#include "store/subscriber_store.h"
#include "ue/device_factory.h"

namespace kmebind::bench {

inline constexpr std::int64_t kNowUnix = 1'700'000'000;
inline constexpr std::string_view kPlmn = "001-01";

// Prints `what` and the error, then exits(1).
[[noreturn]] void die(std::string_view what, const Error& error);
template <class T>
T must(Result<T> r, std::string_view what) {
  if (!r) die(what, r.error());
  return std::move(*r);
}
inline void must(const Status& st, std::string_view what) {
  if (!st) die(what, st.error());
}

// One device kind: ECIES profile and signature algorithm, and the KME procedure to run.
struct Combo {
  int procedure = 2;  // 1 or 2
  crypto::EciesProfile ecies = crypto::EciesProfile::kA;
  crypto::SignatureAlgorithm sig = crypto::SignatureAlgorithm::kEd25519;

  // "proc2/A-ed25519"; procedure 1 has no signature: "proc1/A".
  std::string name() const;
};
// Procedure 1 for profiles A and B, procedure 2 for each profile × signature algorithm.
std::vector<Combo> all_combos();
// The four device kinds (profile × signature algorithm), procedure 2.
std::vector<Combo> device_combos();

std::string imsi_for(std::uint64_t n);

class Bed {
 public:
  // A fresh store; HSS with procedure 1 allowed (the in-process link is confidential).
  Bed();
  ~Bed();
  Bed(const Bed&) = delete;
  Bed& operator=(const Bed&) = delete;

  // Generates device n (IMSI imsi_for(n), IMEI simulated_imei14(n)) and provisions it with only
  // `procedure` allowed (0: both; binding mode kKmeRequired unless `binding` says otherwise).
  ue::UeProfile add_subscriber(std::uint64_t n, const Combo& combo,
                               store::BindingMode binding = store::BindingMode::kKmeRequired);

  static cnn::CnnConfig cnn_config();
  static ue::UeConfig ue_config();

  store::SubscriberStore& store() { return *store_; }
  const hss::Hss& hss() const { return *hss_; }
  const crypto::CookieKeyRing& ring() const { return ring_; }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<store::SubscriberStore> store_;
  crypto::CookieKeyRing ring_;
  std::unique_ptr<hss::Hss> hss_;
};

// The store master key of every Bed (TEST DATA).
SecretBytes bench_master_key();

// The serving network's SN id for kPlmn (TS 33.401 A.2), as the ULR and AIR carry it.
Bytes plmn();

// The ULR the CNN sends once the device answered (seed step 10): procedure 1 returns the KME and
// the Cookie of the provisioning (protocol.md §2); procedure 2 the Cookie and the device's
// signature over the transcript, made here as the device makes it (decrypt the payload, sign
// kme_transcript). `prov` is consumed.
s6a::UpdateLocationRequest confirming_ulr(const ue::UeProfile& p, const Combo& combo,
                                          s6a::KmeProvisioning& prov);

}  // namespace kmebind::bench
