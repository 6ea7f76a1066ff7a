#include "store/device_change.h"

namespace kmebind::store {
namespace {

bool uncompressed_for_compressed(const Bytes& stored, const Bytes& given) {
  return stored.size() == 33 && given.size() == 65;
}

}  // namespace

DeviceRecord reencoded(const DeviceRecord& stored, const DeviceRecord& given) {
  DeviceRecord out = stored;
  if (uncompressed_for_compressed(stored.enc_public_key, given.enc_public_key)) {
    out.enc_public_key = given.enc_public_key;
  }
  if (uncompressed_for_compressed(stored.sig_public_key, given.sig_public_key)) {
    out.sig_public_key = given.sig_public_key;
  }
  return out;
}

DeviceChange change_over(const DeviceRecord& stored, const DeviceRecord& given,
                         DeviceRecord& to_store) {
  if (!same_device_keys(stored, given)) {
    to_store = given;
    return DeviceChange::kReplaced;
  }
  to_store = reencoded(stored, given);
  const bool same_octets = to_store.enc_public_key == stored.enc_public_key &&
                           to_store.sig_public_key == stored.sig_public_key;
  return same_octets ? DeviceChange::kUnchanged : DeviceChange::kReencoded;
}

std::string device_put_detail(DeviceChange change, const DeviceRecord& device) {
  std::string what = "added";
  if (change == DeviceChange::kReplaced) what = "keys replaced";
  if (change == DeviceChange::kReencoded) what = "same keys, P-256 re-encoded uncompressed";
  return what + ": enc profile " + std::string(to_string(device.enc_profile)) + " key " +
         to_hex(device.enc_public_key) + ", sig " + std::string(to_string(device.sig_alg)) +
         " key " + to_hex(device.sig_public_key);
}

}  // namespace kmebind::store
