#include "store/master_key.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "crypto/random.h"

namespace kmebind::store {
namespace {

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

std::string errno_text() { return std::strerror(errno); }

// Makes a rename/link in the directory durable.
void sync_parent_dir(const std::filesystem::path& path) {
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : ".";
  Fd d{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (d.fd >= 0) ::fsync(d.fd);
}

std::string_view trim(std::string_view s) {
  const auto ws = " \t\r\n";
  const auto first = s.find_first_not_of(ws);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(ws) - first + 1);
}

}  // namespace

Result<SecretBytes> generate_master_key() { return crypto::random_secret(kMasterKeySize); }

Result<SecretBytes> parse_master_key(std::string_view text, std::string_view what) {
  auto key = SecretBytes::from_hex(trim(text), kMasterKeySize, what);
  if (!key) {
    return fail(Code::kInvalidArgument,
                std::string(what) + " must hold 64 hex digits (a 32-octet master key)");
  }
  return key;
}

Result<SecretBytes> read_master_key_file(const std::filesystem::path& path) {
  if (path.empty()) {
    return fail(Code::kInvalidArgument, std::string("the master key file name is empty; give the "
                                                    "file `kmebind admin init` wrote, or set ") +
                                            kMasterKeyEnv);
  }
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) {
    if (errno == ENOENT) {
      return fail(Code::kNotFound, "master key file " + path.string() +
                                       " not found; create it with `kmebind admin init` or set " +
                                       kMasterKeyEnv);
    }
    return fail(Code::kIo, "cannot open master key file " + path.string() + ": " + errno_text());
  }
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) {
    return fail(Code::kIo, "cannot stat master key file " + path.string() + ": " + errno_text());
  }
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return fail(Code::kNotAllowed, "master key file " + path.string() + " has mode " + mode +
                                       "; it must not be accessible to group or others (chmod 600 " +
                                       path.string() + ")");
  }
  SecretBytes buf(256);
  std::size_t used = 0;
  while (used < buf.size()) {
    const ssize_t n = ::read(f.fd, buf.data() + used, buf.size() - used);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(Code::kIo, "cannot read master key file " + path.string() + ": " + errno_text());
    }
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
  }
  const std::string_view text(reinterpret_cast<const char*>(buf.data()), used);
  return parse_master_key(text, "master key file " + path.string());
}

Status write_master_key_file(const std::filesystem::path& path, const SecretBytes& key,
                             bool overwrite) {
  if (key.size() != kMasterKeySize) {
    return fail(Code::kInvalidArgument, "master key must be 32 octets");
  }
  std::error_code ec;
  if (!overwrite && std::filesystem::exists(path, ec)) {
    return fail(Code::kAlreadyExists,
                "master key file " + path.string() + " exists; refusing to overwrite it");
  }
  // Write a temporary file next to the target, sync it, then rename over the target.
  const std::filesystem::path tmp = path.string() + ".tmp";
  ::unlink(tmp.c_str());
  Fd f{::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)};
  if (f.fd < 0) {
    return fail(Code::kIo, "cannot create " + tmp.string() + ": " + errno_text());
  }
  // The hex text is built in a wiping buffer: 64 digits and a newline.
  SecretBytes text(2 * kMasterKeySize + 1);
  {
    std::string hex = key.reveal_hex();
    std::memcpy(text.data(), hex.data(), hex.size());
    OPENSSL_cleanse(hex.data(), hex.size());
    text.data()[hex.size()] = '\n';
  }
  std::size_t done = 0;
  Status st;
  while (done < text.size()) {
    const ssize_t n = ::write(f.fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      st = fail(Code::kIo, "cannot write " + tmp.string() + ": " + errno_text());
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  if (st && ::fsync(f.fd) != 0) st = fail(Code::kIo, "cannot sync " + tmp.string() + ": " + errno_text());
  if (!st) {
    ::unlink(tmp.c_str());
    return st;
  }
  if (!overwrite) {
    // link() fails with EEXIST instead of replacing a file created meanwhile.
    if (::link(tmp.c_str(), path.c_str()) != 0) {
      const int err = errno;
      ::unlink(tmp.c_str());
      if (err == EEXIST) {
        return fail(Code::kAlreadyExists,
                    "master key file " + path.string() + " exists; refusing to overwrite it");
      }
      return fail(Code::kIo, "cannot create " + path.string() + ": " + std::strerror(err));
    }
    ::unlink(tmp.c_str());
  } else if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return fail(Code::kIo, "cannot replace " + path.string() + ": " + std::strerror(err));
  }
  sync_parent_dir(path);
  return {};
}

Result<SecretBytes> resolve_master_key(const std::optional<std::filesystem::path>& explicit_file,
                                       const std::filesystem::path& default_file) {
  if (explicit_file) return read_master_key_file(*explicit_file);
  if (const char* env = std::getenv(kMasterKeyEnv); env != nullptr && *env != '\0') {
    return parse_master_key(env, std::string("environment variable ") + kMasterKeyEnv);
  }
  return read_master_key_file(default_file);
}

}  // namespace kmebind::store
