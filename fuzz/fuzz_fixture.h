// Shared by the libFuzzer harnesses and the seed generator (docs/fuzzing.md): the fixed test key
// material the harnesses open inputs with, and a check that aborts (so libFuzzer records the
// input) when a property of the code under test does not hold. Nothing here is a production key.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "common/bytes.h"
#include "common/secret.h"

namespace kmebind::fuzz {

// A broken invariant is a finding: print it and abort so that libFuzzer saves the input.
[[noreturn]] inline void fail(const char* what, const char* file, int line) {
  std::fprintf(stderr, "fuzz property broken at %s:%d: %s\n", file, line, what);
  std::abort();
}
#define KMEBIND_FUZZ_CHECK(cond) \
  ((cond) ? static_cast<void>(0) : ::kmebind::fuzz::fail(#cond, __FILE__, __LINE__))

inline ByteView view(const std::uint8_t* data, std::size_t size) { return ByteView(data, size); }

inline SecretBytes fixed_key(std::size_t size, std::uint8_t first) {
  SecretBytes k(size);
  for (std::size_t i = 0; i < size; ++i) k.data()[i] = static_cast<std::uint8_t>(first + 3 * i);
  return k;
}

// NAS security context keys (KNASint, KNASenc) of the nas_security harness.
inline SecretBytes nas_int_key() { return fixed_key(16, 0x11); }
inline SecretBytes nas_enc_key() { return fixed_key(16, 0x51); }

// ECIES home/device private keys (profile A: X25519, B: P-256 scalar well inside [1, n-1]).
inline SecretBytes ecies_private_a() { return fixed_key(32, 0x21); }
inline SecretBytes ecies_private_b() { return fixed_key(32, 0x01); }
// Ephemeral keys the seed generator encrypts with, so that the seeds are reproducible.
inline SecretBytes ecies_eph_a() { return fixed_key(32, 0x41); }
inline SecretBytes ecies_eph_b() { return fixed_key(32, 0x02); }

// The Cookie key ring: one key, id 7.
inline constexpr std::uint32_t kCookieKeyId = 7;
inline SecretBytes cookie_key() { return fixed_key(32, 0x61); }
inline constexpr std::string_view kImsi = "001010123456789";
inline constexpr std::string_view kImei = "356938035643809";
inline constexpr std::int64_t kNowUnixS = 1'790'000'000;
inline constexpr std::int64_t kCookieLifetimeS = 300;

// Device signing keys (Ed25519 seed, ECDSA P-256 scalar).
inline SecretBytes signing_private_ed25519() { return fixed_key(32, 0x31); }
inline SecretBytes signing_private_p256() { return fixed_key(32, 0x03); }

}  // namespace kmebind::fuzz
