// Shared helpers for the NAS tests: hex literals with spaces, and the reference PDUs every
// codec test walks (hand-assembled from the TS 24.301 / TS 24.008 octet diagrams).
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "nas/nas_message.h"

namespace kmebind::nas::test {

// Hex with optional spaces: "07 41 71".
inline Bytes hex(std::string_view spaced) {
  std::string compact;
  for (char c : spaced) {
    if (c != ' ' && c != '\n') compact.push_back(c);
  }
  auto b = from_hex(compact);
  EXPECT_TRUE(b) << spaced;
  return b ? *b : Bytes{};
}

struct ReferencePdu {
  std::string name;
  Direction direction;
  NasMessage message;
  Bytes pdu;
};

}  // namespace kmebind::nas::test

#include "reference_pdus.h"  // IWYU pragma: export
