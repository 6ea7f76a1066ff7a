// The device file: what `kmebind admin generate` writes next to the store rows and what
// `kmebind sim` and `kmebind demo` read to build their UEs (docs/demo.md §3). For each simulated
// device it holds the USIM (IMSI, K, OPc, SQN store), the mobile equipment (IMEI, software
// version, ECIES and signature private keys, committed KME) and what the test expects of it: its
// role (a normal device, or an attacker abusing another device's subscription) and, for a normal
// device, the KME procedure its subscription allows.
//
// It holds SECRETS (K, OPc, device private keys, KMEs): it is written with mode 0600 and read only
// when group and others have no access, like the store's master key file. While it is parsed the
// secret hex strings are wiped once they have been turned into SecretBytes.
//
// Format: one JSON document, one device per line (so it can be grepped and diffed):
//   {"format":"kmebind-devices","version":1,"devices":[
//   {"imsi":"001010000000001","k":"…","opc":"…","imei":"001010010000000","software_version":"01",
//    "ecies_profile":"A","ecies_private_key":"…","signature_algorithm":"ed25519",
//    "signature_private_key":"…","role":"normal","procedure":1},
//   …
//   ]}
// Optional per device: "victim" (attackers: index of the device whose subscription is abused),
// "kme": {"version": v, "key": hex} (the committed KME, saved by the sim after a run), "sqn":
// [32 integers] (the USIM's SEQ_MS array, TS 33.102 Annex C.1.2).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "ue/device_factory.h"
#include "ue/kme_store.h"
#include "ue/sqn_array.h"

namespace kmebind::app {

// What the device is for in a test run (docs/demo.md §3).
enum class DeviceRole {
  kNormal,      // its IMSI/IMEI pair is allowed and its keys registered: it must attach
  kUiccMoved,   // a subscriber's UICC in another, registered device whose pair is not allowed:
                // TR 33.868 §5.4.4.2.1.3 binding violation, Attach reject #6
  kClonedImei,  // a device claiming an allowed IMEI without its private keys: it cannot open the
                // KME payload or answer the device challenge, Attach reject #6
};
std::string_view to_string(DeviceRole role);  // "normal" | "uicc-moved" | "cloned-imei"
Result<DeviceRole> parse_device_role(std::string_view text);

struct DeviceEntry {
  ue::UeProfile profile;
  DeviceRole role = DeviceRole::kNormal;
  // kNormal: the KME procedure its subscription allows (1 or 2); 0 for attackers.
  std::uint8_t procedure = 0;
  // Attackers: index (in the same file) of the device whose subscription they abuse.
  std::optional<std::size_t> victim;
  // The KME the device has committed, if any (restored into its KmeStore).
  std::optional<ue::StoredKme> kme;
  // The USIM's SEQ_MS(0..31); a new card (all 0) when absent.
  std::optional<ue::SqnArray::Slots> sqn;
};

struct DeviceFile {
  std::vector<DeviceEntry> devices;
};

// Writes `file` to `path` atomically (a temporary file in the same directory, synced, renamed),
// mode 0600. kIo naming the path on failure (the previous file, if any, is then unchanged).
Status write_device_file(const std::filesystem::path& path, const DeviceFile& file);

// Reads a device file. kNotFound if it does not exist; kNotAllowed when group or others have any
// access to it; kInvalidArgument naming the device index and field for anything malformed (a bad
// hex string, an IMEI check digit, a private key that is not a valid key of its algorithm, a
// victim index out of range, ...). The message never holds a secret.
Result<DeviceFile> read_device_file(const std::filesystem::path& path);

}  // namespace kmebind::app
