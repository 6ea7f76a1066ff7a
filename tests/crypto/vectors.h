// Loads the published test data in tests/vectors/*.json (see tests/vectors/README.md).
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "common/bytes.h"
#include "common/secret.h"

namespace kmebind::crypto::testing {

inline nlohmann::json load_vectors(const std::string& file) {
  const std::string path = std::string(KMEBIND_TEST_VECTORS_DIR) + "/" + file;
  std::ifstream in(path);
  if (!in) {
    ADD_FAILURE() << "cannot open " << path;
    return nlohmann::json::object();
  }
  return nlohmann::json::parse(in);
}

// The "entries" of a vector file; fails the test if there are none.
inline nlohmann::json entries(const std::string& file) {
  auto doc = load_vectors(file);
  if (!doc.contains("entries") || doc["entries"].empty()) {
    ADD_FAILURE() << file << " has no entries";
    return nlohmann::json::array();
  }
  return doc["entries"];
}

inline Bytes hex(const nlohmann::json& v) {
  auto b = from_hex(v.get<std::string>());
  if (!b) {
    ADD_FAILURE() << b.error().what();
    return {};
  }
  return *b;
}

inline SecretBytes secret(const nlohmann::json& v) {
  return SecretBytes(hex(v));
}

template <std::size_t N>
std::string to_hex(const std::array<std::uint8_t, N>& a) {
  return kmebind::to_hex(ByteView(a));
}

}  // namespace kmebind::crypto::testing
