// Generates simulated devices and their subscriptions together (issue "network" §3, docs/demo.md
// §3): the store rows the HSS needs (TR 33.868 §5.4.4.2.3.3 step 0: subscriber with K/OPc, the
// allowed IMSI/IMEI pair, the device's public keys) and the device file the sim needs (the same
// K/OPc and the device private keys). Used by `kmebind admin generate` and `kmebind demo`.
//
//   normal device i (0 ≤ i < ues): IMSI imsi_base + i, IMEI of simulated device imei_base + i
//     (ue::simulated_imei14); ECIES profile A with Ed25519 for even i, profile B with ECDSA P-256
//     for odd i; binding mode kme-required; the KME procedure: 1, 2, or (mixed) 1 for even i and
//     2 for odd i — its subscription allows only that one.
//   attacker k (0 ≤ k < violations), victim = normal device k mod ues:
//     even k, "uicc-moved": the victim's USIM (IMSI, K, OPc) in device imei_base + ues + k, whose
//       keys are registered but whose pair with the IMSI is not allowed;
//     odd k, "cloned-imei": the victim's USIM and IMEI in a device with fresh keys the HSS does
//       not know.
//   Both must be rejected with EMM cause #6 (docs/protocol.md §3).
#pragma once

#include <cstdint>
#include <string>

#include "common/error.h"
#include "device_file.h"
#include "store/subscriber_store.h"

namespace kmebind::app {

enum class ProcedureMix { kProcedure1, kProcedure2, kMixed };
// "1" | "2" | "mixed"; kInvalidArgument otherwise.
Result<ProcedureMix> parse_procedure_mix(std::string_view text);

struct GenerateOptions {
  std::size_t ues = 0;
  ProcedureMix procedure = ProcedureMix::kMixed;
  std::size_t violations = 0;
  std::uint64_t imsi_base = 1010000000001;  // 001 01 0000000001: MCC 001, MNC 01 (test network)
  std::uint64_t imei_base = 0;              // simulated device index of the first device
};

struct GenerateStats {
  std::uint64_t subscribers = 0;
  std::uint64_t devices = 0;  // device keys registered
  std::uint64_t transactions = 0;
};

// Generates the devices (keys from OpenSSL's DRBG). kInvalidArgument for ues = 0 or above
// 1,000,000, more violations than ues, IMSIs beyond 15 digits, device indexes beyond 999,999.
Result<DeviceFile> generate_devices(const GenerateOptions& options);

// Fails with kAlreadyExists naming the first IMSI (of a normal device) or registered IMEI (of
// any device but the cloned ones) of `file` that is in the store already.
Status check_devices_absent(store::SubscriberStore& store, const DeviceFile& file);

// Writes the store rows of `file` (subscribers of the normal devices with their one allowed
// pair, keys of every device but the cloned ones) after check_devices_absent (nothing written
// when it fails). One BulkImport; on a store error during it, batches committed before stay
// (the message says so).
Result<GenerateStats> import_devices(store::SubscriberStore& store, const DeviceFile& file,
                                     std::string_view actor);

// The 15-digit IMSI imsi_base + offset.
std::string generated_imsi(std::uint64_t imsi_base, std::uint64_t offset);

}  // namespace kmebind::app
