// Helpers for the store tests: a temporary directory, a master key and sample records.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <random>
#include <string>

#include "store/subscriber_store.h"

namespace kmebind::store::testing {

class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("kmebind-store-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

inline SecretBytes key_of(std::uint8_t fill, std::size_t size = 32) {
  SecretBytes k(size);
  for (std::size_t i = 0; i < size; ++i) k.data()[i] = static_cast<std::uint8_t>(fill + i);
  return k;
}

inline SubscriberRecord sample_subscriber(const std::string& imsi, std::uint8_t fill = 1) {
  SubscriberRecord r;
  r.imsi = imsi;
  r.k = key_of(fill, 16);
  r.opc = key_of(static_cast<std::uint8_t>(fill + 100), 16);
  r.amf = {0x80, 0x00};
  r.sqn = 32;
  r.binding_mode = BindingMode::kKmeRequired;
  r.procedure1_allowed = true;
  r.procedure2_allowed = false;
  return r;
}

inline DeviceRecord sample_device(const std::string& imei) {
  DeviceRecord d;
  d.imei = imei;
  d.enc_profile = EncProfile::kA;
  d.enc_public_key = Bytes(32, 0x11);
  d.sig_alg = SigAlgorithm::kEcdsaP256Sha256;
  d.sig_public_key = Bytes(33, 0x22);
  d.sig_public_key[0] = 0x02;
  return d;
}

inline std::unique_ptr<SubscriberStore> open_or_die(const std::string& path, std::uint8_t key_fill = 7) {
  auto store = open_store(path, key_of(key_fill));
  EXPECT_TRUE(store.has_value()) << (store ? "" : store.error().what());
  return store ? std::move(*store) : nullptr;
}

}  // namespace kmebind::store::testing
