// The store master key: 32 octets that seal K, OPc and KME at rest (DESIGN.md §4). It lives in a
// key file (64 hex digits, mode 0600, created by `kmebind admin init`) or in the environment
// variable KMEBIND_MASTER_KEY (64 hex digits).
#pragma once

#include <filesystem>
#include <optional>

#include "common/error.h"
#include "common/secret.h"

namespace kmebind::store {

inline constexpr std::size_t kMasterKeySize = 32;
inline constexpr const char* kMasterKeyEnv = "KMEBIND_MASTER_KEY";

// A fresh random master key from OpenSSL's DRBG.
Result<SecretBytes> generate_master_key();

// Parses 64 hex digits (surrounding whitespace allowed). The message never echoes the digits.
Result<SecretBytes> parse_master_key(std::string_view text, std::string_view what);

// Reads a key file. Fails kNotFound (message says to run `kmebind admin init`) when it does not
// exist, kNotAllowed when group or others may read or write it (it must be 0600 or stricter),
// kInvalidArgument when it does not hold 64 hex digits, kIo on a read error.
Result<SecretBytes> read_master_key_file(const std::filesystem::path& path);

// Creates `path` with mode 0600 holding the key as hex and a newline, synced to disk. Fails
// kAlreadyExists if the file exists and !overwrite. An overwrite replaces the file atomically.
Status write_master_key_file(const std::filesystem::path& path, const SecretBytes& key,
                             bool overwrite);

// The key to use: the file given explicitly if any; else $KMEBIND_MASTER_KEY if set; else the
// default file. Errors name their origin (file path or the environment variable).
Result<SecretBytes> resolve_master_key(const std::optional<std::filesystem::path>& explicit_file,
                                       const std::filesystem::path& default_file);

}  // namespace kmebind::store
