// Internal to src/store: what putting a device did (upsert_device of both engines) and the
// audit detail it is recorded with (action "device-put", docs/store.md).
#pragma once

#include <string>

#include "store/subscriber_store.h"

namespace kmebind::store {

enum class DeviceChange {
  kUnchanged,  // the same keys, in the form already stored: nothing written
  kAdded,
  kReplaced,   // other keys or algorithms
  kReencoded,  // the same keys; a P-256 key stored compressed is now stored uncompressed
};

// What to store when `given` carries the same keys as `stored` (same_device_keys): `stored`, with
// each P-256 key that it holds compressed (33 octets) and `given` uncompressed (65) taken from
// `given` — the form the HSS loads without a square root. Never the other way round.
DeviceRecord reencoded(const DeviceRecord& stored, const DeviceRecord& given);

// What putting `given` over the `stored` row of the same IMEI does: kUnchanged (nothing to
// write), kReencoded (the same keys: write `to_store` = reencoded(stored, given)) or kReplaced
// (write `to_store` = given).
DeviceChange change_over(const DeviceRecord& stored, const DeviceRecord& given,
                         DeviceRecord& to_store);

// "added: enc profile A key … , sig ed25519 key …", "keys replaced: …", "same keys, P-256
// re-encoded uncompressed: …". REQUIRES: change is not kUnchanged.
std::string device_put_detail(DeviceChange change, const DeviceRecord& device);

}  // namespace kmebind::store
