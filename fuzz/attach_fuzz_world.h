// The world of the attach harness (fuzz/attach_fuzz.cpp, docs/fuzzing.md): five simulated
// devices provisioned once per process into a template SQLite store, and per input a fresh copy
// of that store with a fresh Hss, InProcessNetwork, Cnn and Ue set, so that every input starts
// from the same state and a crash input reproduces alone.
//
// The devices (TR 33.868 §5.4.4.2.3.3 step 0 provisioning, binding mode kme-required):
//   kProcedure1   ECIES profile A, Ed25519,    only procedure 1 allowed, no KME yet
//   kProcedure2   ECIES profile B, ECDSA P-256, only procedure 2 allowed, no KME yet
//   kChallenged   ECIES profile A, Ed25519,    both allowed, KME version 1 held by the HSS and the
//                 ME (the device-challenge path runs)
//   kRenewal      ECIES profile B, ECDSA P-256, both allowed, KME version 1 held by both and a
//                 renewal requested (`kme renew`): the HSS provisions version 2 over it
//   kNotAllowed   ECIES profile B, ECDSA P-256, its IMSI/IMEI pair is not on the binding list
// The store lives under /dev/shm (tmpfs; SQLite's synchronous=FULL syncs cost nothing there), or
// the temporary directory where there is no /dev/shm.
// Nothing here is a production key.
#pragma once

#include <signal.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>

#include "crypto/cookie.h"
#include "fuzz_fixture.h"
#include "hss/hss.h"
#include "scratch_dirs.h"
#include "sim/in_process_network.h"
#include "sim/provisioning.h"
#include "store/subscriber_store.h"
#include "ue/device_factory.h"

namespace kmebind::fuzz::attach {

enum Device : std::size_t {
  kProcedure1,
  kProcedure2,
  kChallenged,
  kRenewal,
  kNotAllowed,
  kDeviceCount
};
inline constexpr std::int64_t kStartUnix = 1'790'000'000;  // the virtual clock's 0
inline constexpr std::string_view kPlmn = "001-01";
inline constexpr std::uint32_t kChallengedVersion = 1;

template <class T>
T must(Result<T> r, const char* what) {
  if (!r) fail(what, __FILE__, __LINE__);
  return std::move(*r);
}
inline void must(const Status& st, const char* what) {
  if (!st) fail(what, __FILE__, __LINE__);
}

inline SecretBytes store_master_key() {
  return fixed_key(32, 0x81);
}
inline SecretBytes challenged_kme() {
  return fixed_key(32, 0x91);
}
inline SecretBytes renewal_kme() {
  return fixed_key(32, 0xa1);
}

inline ue::UeConfig ue_config() {
  ue::UeConfig c;
  c.plmn = std::string(kPlmn);
  return c;
}
inline cnn::CnnConfig cnn_config() {
  cnn::CnnConfig c;
  c.plmn = std::string(kPlmn);
  return c;
}
inline hss::HssConfig hss_config() {
  hss::HssConfig c;
  c.allow_procedure1 = true;
  return c;
}

// Built once per process: the device profiles (key generation is the expensive part), the Cookie
// key ring and the template store's octets.
class Fixture {
 public:
  static Fixture& get() {
    static Fixture fixture;
    return fixture;
  }
  const ue::UeProfile& profile(Device d) const { return profiles_[d]; }
  const crypto::CookieKeyRing& ring() const { return ring_; }
  // Writes a fresh copy of the template store and returns its path.
  std::string fresh_store_path() const {
    std::error_code ec;
    std::filesystem::remove(work_ + "-wal", ec);
    std::filesystem::remove(work_ + "-shm", ec);
    std::ofstream out(work_, std::ios::binary | std::ios::trunc);
    out.write(template_.data(), static_cast<std::streamsize>(template_.size()));
    out.close();
    if (!out) fail("cannot write the working store", __FILE__, __LINE__);
    return work_;
  }
  Fixture(const Fixture&) = delete;
  Fixture& operator=(const Fixture&) = delete;
  ~Fixture() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

 private:
  Fixture() {
    std::error_code ec;
    const std::filesystem::path base = std::filesystem::is_directory("/dev/shm", ec)
                                           ? std::filesystem::path("/dev/shm")
                                           : std::filesystem::temp_directory_path();
    remove_stale_scratch_dirs(base, kDirPrefix);
    dir_ = (base / (std::string(kDirPrefix) + std::to_string(::getpid()))).string();
    std::filesystem::create_directories(dir_);
    work_ = dir_ + "/work.db";
    must(ring_.add_key(kCookieKeyId, cookie_key()), "cookie key");
    make_profiles();
    const std::string path = dir_ + "/template.db";
    {
      auto store = must(store::open_store(path, store_master_key()), "open template store");
      provision(*store);
    }  // closed: the WAL is checkpointed into the file and removed
    std::ifstream in(path, std::ios::binary);
    template_.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (template_.empty()) fail("empty template store", __FILE__, __LINE__);
  }

  static constexpr std::string_view kDirPrefix = "kmebind-attach-fuzz-";

  void make_profiles() {
    using crypto::EciesProfile;
    using crypto::SignatureAlgorithm;
    for (std::size_t d = 0; d < kDeviceCount; ++d) {
      const bool b = d == kProcedure2 || d == kRenewal || d == kNotAllowed;
      profiles_[d] = must(ue::make_ue_profile("00101000000000" + std::to_string(d + 1), d + 1,
                                              b ? EciesProfile::kB : EciesProfile::kA,
                                              b ? SignatureAlgorithm::kEcdsaP256Sha256
                                                : SignatureAlgorithm::kEd25519),
                          "device profile");
    }
  }

  void provision(store::SubscriberStore& store) const {
    sim::SubscriptionPolicy p1;
    p1.procedure2_allowed = false;
    must(sim::provision_subscription(store, profiles_[kProcedure1], p1), "provision procedure 1");
    sim::SubscriptionPolicy p2;
    p2.procedure1_allowed = false;
    must(sim::provision_subscription(store, profiles_[kProcedure2], p2), "provision procedure 2");
    must(sim::provision_subscription(store, profiles_[kChallenged], {}), "provision challenged");
    const ue::UeProfile& c = profiles_[kChallenged];
    const auto v =
        must(store.store_kme(c.imsi, c.imei14, challenged_kme(), store::kKmeProcedure2, "hss", 0u),
             "store the challenged device's KME");
    if (v != kChallengedVersion) fail("challenged KME version", __FILE__, __LINE__);
    const ue::UeProfile& r = profiles_[kRenewal];
    must(sim::provision_subscription(store, r, {}), "provision renewal");
    must(store.store_kme(r.imsi, r.imei14, renewal_kme(), store::kKmeProcedure2, "hss", 0u),
         "store the renewal device's KME");
    must(store.request_kme_renewal(r.imsi, "sim"), "request the renewal");
    sim::SubscriptionPolicy na;
    na.allow_pair = false;
    must(sim::provision_subscription(store, profiles_[kNotAllowed], na), "provision not allowed");
  }

  std::string dir_;
  std::string work_;
  std::string template_;
  crypto::CookieKeyRing ring_;
  std::array<ue::UeProfile, kDeviceCount> profiles_;
};

// One input's world; the UE of device d has network index d (UE id d + 1).
struct World {
  std::unique_ptr<store::SubscriberStore> store;
  std::unique_ptr<hss::Hss> hss;
  std::unique_ptr<sim::InProcessNetwork> net;

  World() {
    const Fixture& f = Fixture::get();
    store = must(store::open_store(f.fresh_store_path(), store_master_key()), "open work store");
    hss = std::make_unique<hss::Hss>(must(hss::Hss::create(*store, f.ring(), hss_config()), "hss"));
    net = std::make_unique<sim::InProcessNetwork>(*hss, cnn_config(), kStartUnix,
                                                  hss::LinkInfo{.confidential = true});
    for (std::size_t d = 0; d < kDeviceCount; ++d) {
      ue::Ue u = must(ue::make_ue(f.profile(static_cast<Device>(d)), ue_config()), "make ue");
      if (d == kChallenged)
        u.mobile_equipment().kmes().set_committed(kChallengedVersion, challenged_kme());
      if (d == kRenewal) u.mobile_equipment().kmes().set_committed(1, renewal_kme());
      net->add_ue(std::move(u));
    }
  }
  // The KME the HSS holds for device d's pair now, if any.
  std::optional<store::KmeRecord> hss_kme(Device d) {
    const ue::UeProfile& p = Fixture::get().profile(d);
    return must(store->get_kme(p.imsi, p.imei14), "get_kme");
  }
};

}  // namespace kmebind::fuzz::attach
