#include "device_file.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "ue/imei.h"

namespace kmebind::app {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::string_view kFormat = "kmebind-devices";
constexpr int kVersion = 1;

// A std::string that wipes itself: the file text and the JSON lines hold secret hex.
struct WipedString {
  std::string text;
  ~WipedString() {
    if (!text.empty()) OPENSSL_cleanse(text.data(), text.size());
  }
};

void append_device(std::string& out, const DeviceEntry& d) {
  const ue::UeProfile& p = d.profile;
  out += "{\"imsi\":\"" + p.imsi + "\",\"k\":\"";
  out += p.k.reveal_hex();
  out += "\",\"opc\":\"";
  out += p.opc.reveal_hex();
  out += "\",\"imei\":\"" + p.imei15 + "\",\"software_version\":\"" + p.software_version +
         "\",\"ecies_profile\":\"" + std::string(crypto::to_string(p.ecies_profile)) +
         "\",\"ecies_private_key\":\"";
  out += p.ecies.private_key.reveal_hex();
  out += "\",\"signature_algorithm\":\"" + std::string(crypto::to_string(p.signature_algorithm)) +
         "\",\"signature_private_key\":\"";
  out += p.signature.private_key.reveal_hex();
  out += "\",\"role\":\"" + std::string(to_string(d.role)) +
         "\",\"procedure\":" + std::to_string(d.procedure);
  if (d.victim) out += ",\"victim\":" + std::to_string(*d.victim);
  if (d.kme) {
    out += ",\"kme\":{\"version\":" + std::to_string(d.kme->version) + ",\"key\":\"";
    out += d.kme->kme.reveal_hex();
    out += "\"}";
  }
  if (d.sqn) {
    out += ",\"sqn\":[";
    for (std::size_t i = 0; i < d.sqn->size(); ++i) {
      if (i > 0) out += ',';
      out += std::to_string((*d.sqn)[i]);
    }
    out += ']';
  }
  out += '}';
}

Status write_all(int fd, std::string_view data, const fs::path& path) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(Code::kIo, "cannot write " + path.string() + ": " + std::strerror(errno));
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

// The value of a string member, wiped in the document once read (it may be secret).
Result<std::string> take_string(json& j, const char* key, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) {
    return fail(Code::kInvalidArgument, where + ": \"" + key + "\" missing or not a string");
  }
  std::string& s = it->get_ref<std::string&>();
  std::string value = s;
  OPENSSL_cleanse(s.data(), s.size());
  return value;
}

Result<SecretBytes> take_secret(json& j, const char* key, std::size_t size,
                                const std::string& where) {
  auto hex = take_string(j, key, where);
  if (!hex) return std::unexpected(hex.error());
  WipedString wiped{std::move(*hex)};
  auto secret = SecretBytes::from_hex(wiped.text, size, where + ": " + key);
  if (!secret) return std::unexpected(secret.error());
  return secret;
}

Result<std::uint64_t> get_uint(const json& j, const char* key, std::uint64_t max,
                               const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_unsigned() || it->get<std::uint64_t>() > max) {
    return fail(Code::kInvalidArgument,
                where + ": \"" + key + "\" missing or not an integer 0.." + std::to_string(max));
  }
  return it->get<std::uint64_t>();
}

Result<DeviceEntry> parse_device(json& j, std::size_t index, std::size_t count) {
  const std::string where = "device " + std::to_string(index);
  if (!j.is_object()) return fail(Code::kInvalidArgument, where + ": not an object");
  DeviceEntry d;
  ue::UeProfile& p = d.profile;
  auto imsi = take_string(j, "imsi", where);
  if (!imsi) return std::unexpected(imsi.error());
  p.imsi = std::move(*imsi);
  auto k = take_secret(j, "k", 16, where);
  if (!k) return std::unexpected(k.error());
  p.k = std::move(*k);
  auto opc = take_secret(j, "opc", 16, where);
  if (!opc) return std::unexpected(opc.error());
  p.opc = std::move(*opc);
  auto imei = take_string(j, "imei", where);
  if (!imei) return std::unexpected(imei.error());
  auto imei15 = ue::imei15_of(*imei);
  if (!imei15) return std::unexpected(imei15.error().with_context(where + ": imei"));
  p.imei15 = *imei15;
  p.imei14 = imei15->substr(0, 14);
  auto sv = take_string(j, "software_version", where);
  if (!sv) return std::unexpected(sv.error());
  p.software_version = std::move(*sv);

  auto profile_text = take_string(j, "ecies_profile", where);
  if (!profile_text) return std::unexpected(profile_text.error());
  auto profile = crypto::ecies_profile_from_string(*profile_text);
  if (!profile) return std::unexpected(profile.error().with_context(where));
  p.ecies_profile = *profile;
  auto ecies_private = take_secret(j, "ecies_private_key", 32, where);
  if (!ecies_private) return std::unexpected(ecies_private.error());
  auto ecies_public = crypto::ecies_public_from_private(p.ecies_profile, *ecies_private);
  if (!ecies_public)
    return fail(Code::kInvalidArgument, where + ": ecies_private_key is not a valid key");
  p.ecies = crypto::EciesKeyPair{std::move(*ecies_private), std::move(*ecies_public)};

  auto alg_text = take_string(j, "signature_algorithm", where);
  if (!alg_text) return std::unexpected(alg_text.error());
  auto alg = crypto::signature_algorithm_from_string(*alg_text);
  if (!alg) return std::unexpected(alg.error().with_context(where));
  p.signature_algorithm = *alg;
  auto sig_private = take_secret(j, "signature_private_key", 32, where);
  if (!sig_private) return std::unexpected(sig_private.error());
  auto sig_public = crypto::signature_public_from_private(p.signature_algorithm, *sig_private);
  if (!sig_public) {
    return fail(Code::kInvalidArgument, where + ": signature_private_key is not a valid key");
  }
  p.signature = crypto::SigningKeyPair{std::move(*sig_private), std::move(*sig_public)};
  // IMSI of 6-15 digits (TS 23.003 §2.2) and a 2-digit software version (§6.2.2); the USIM and
  // ME the sim builds from the entry check them again.
  const auto digits = [](const std::string& s) {
    return s.find_first_not_of("0123456789") == std::string::npos;
  };
  if (p.imsi.size() < 6 || p.imsi.size() > 15 || !digits(p.imsi)) {
    return fail(Code::kInvalidArgument, where + ": imsi must be 6 to 15 digits");
  }
  if (p.software_version.size() != 2 || !digits(p.software_version)) {
    return fail(Code::kInvalidArgument, where + ": software_version must be 2 digits");
  }

  auto role_text = take_string(j, "role", where);
  if (!role_text) return std::unexpected(role_text.error());
  auto role = parse_device_role(*role_text);
  if (!role) return std::unexpected(role.error().with_context(where));
  d.role = *role;
  auto procedure = get_uint(j, "procedure", 2, where);
  if (!procedure) return std::unexpected(procedure.error());
  d.procedure = static_cast<std::uint8_t>(*procedure);
  if ((d.role == DeviceRole::kNormal) != (d.procedure != 0)) {
    return fail(Code::kInvalidArgument,
                where + ": \"procedure\" must be 1 or 2 for a normal device and 0 for an attacker");
  }
  if (j.contains("victim")) {
    auto victim = get_uint(j, "victim", count == 0 ? 0 : count - 1, where);
    if (!victim) return std::unexpected(victim.error());
    d.victim = static_cast<std::size_t>(*victim);
  }
  if (auto it = j.find("kme"); it != j.end()) {
    const std::string kwhere = where + ": kme";
    auto version = get_uint(*it, "version", UINT32_MAX, kwhere);
    if (!version) return std::unexpected(version.error());
    auto key = take_secret(*it, "key", 32, kwhere);
    if (!key) return std::unexpected(key.error());
    d.kme = ue::StoredKme{static_cast<std::uint32_t>(*version), std::move(*key)};
  }
  if (auto it = j.find("sqn"); it != j.end()) {
    if (!it->is_array() || it->size() != ue::kIndEntries) {
      return fail(Code::kInvalidArgument, where + ": \"sqn\" must be a list of 32 integers");
    }
    ue::SqnArray::Slots slots{};
    for (std::size_t i = 0; i < slots.size(); ++i) {
      const json& v = (*it)[i];
      if (!v.is_number_unsigned()) {
        return fail(Code::kInvalidArgument, where + ": \"sqn\" must be a list of 32 integers");
      }
      slots[i] = v.get<std::uint64_t>();
    }
    d.sqn = slots;
  }
  return d;
}

}  // namespace

std::string_view to_string(DeviceRole role) {
  switch (role) {
    case DeviceRole::kNormal:
      return "normal";
    case DeviceRole::kUiccMoved:
      return "uicc-moved";
    case DeviceRole::kClonedImei:
      return "cloned-imei";
  }
  return "normal";
}

Result<DeviceRole> parse_device_role(std::string_view text) {
  if (text == "normal") return DeviceRole::kNormal;
  if (text == "uicc-moved") return DeviceRole::kUiccMoved;
  if (text == "cloned-imei") return DeviceRole::kClonedImei;
  return fail(Code::kInvalidArgument, "role must be normal, uicc-moved or cloned-imei, got '" +
                                          std::string(text.substr(0, 40)) + "'");
}

Status write_device_file(const fs::path& path, const DeviceFile& file) {
  const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  std::string tmpl = (dir / ("." + path.filename().string() + ".XXXXXX")).string();
  const int fd = ::mkstemp(tmpl.data());  // mode 0600
  if (fd < 0)
    return fail(Code::kIo, "cannot create a file in " + dir.string() + ": " + std::strerror(errno));
  const fs::path tmp = tmpl;
  auto abandon = [&](Error e) -> Status {
    ::close(fd);
    ::unlink(tmp.c_str());
    return std::unexpected(std::move(e));
  };
  WipedString chunk;
  chunk.text = "{\"format\":\"" + std::string(kFormat) +
               "\",\"version\":" + std::to_string(kVersion) + ",\"devices\":[\n";
  for (std::size_t i = 0; i < file.devices.size(); ++i) {
    append_device(chunk.text, file.devices[i]);
    chunk.text += i + 1 < file.devices.size() ? ",\n" : "\n";
    if (chunk.text.size() > (1u << 16)) {
      if (auto st = write_all(fd, chunk.text, path); !st) return abandon(st.error());
      OPENSSL_cleanse(chunk.text.data(), chunk.text.size());
      chunk.text.clear();
    }
  }
  chunk.text += "]}\n";
  if (auto st = write_all(fd, chunk.text, path); !st) return abandon(st.error());
  if (::fsync(fd) != 0)
    return abandon(Error(Code::kIo, "cannot sync " + path.string() + ": " + std::strerror(errno)));
  if (::close(fd) != 0) {
    ::unlink(tmp.c_str());
    return fail(Code::kIo, "cannot write " + path.string() + ": " + std::strerror(errno));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return fail(Code::kIo, "cannot replace " + path.string() + ": " + std::strerror(err));
  }
  return {};
}

Result<DeviceFile> read_device_file(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) {
      return fail(
          Code::kNotFound,
          path.string() + ": no such device file (write one with `kmebind admin generate`)");
    }
    return fail(Code::kIo, "cannot read " + path.string() + ": " + std::strerror(errno));
  }
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return fail(
        Code::kNotAllowed,
        path.string() + ": holds secret keys but group or others may access it; chmod 600 it");
  }
  WipedString text;
  {
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail(Code::kIo, "cannot read " + path.string());
    text.text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (in.bad()) return fail(Code::kIo, "cannot read " + path.string());
  }
  json doc = json::parse(text.text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return fail(Code::kInvalidArgument, path.string() + ": not a JSON document");
  }
  if (doc.value("format", std::string()) != kFormat || doc.value("version", 0) != kVersion) {
    return fail(Code::kInvalidArgument, path.string() + ": not a kmebind device file (format \"" +
                                            std::string(kFormat) + "\", version " +
                                            std::to_string(kVersion) + " expected)");
  }
  auto devices = doc.find("devices");
  if (devices == doc.end() || !devices->is_array()) {
    return fail(Code::kInvalidArgument, path.string() + ": \"devices\" missing or not a list");
  }
  DeviceFile file;
  file.devices.reserve(devices->size());
  for (std::size_t i = 0; i < devices->size(); ++i) {
    auto d = parse_device((*devices)[i], i, devices->size());
    if (!d) return std::unexpected(d.error().with_context(path.string()));
    file.devices.push_back(std::move(*d));
  }
  // Wipe what was not taken (unknown members are ignored but may hold secrets too).
  for (auto& d : *devices) {
    for (auto& [key, value] : d.items()) {
      if (value.is_string()) {
        auto& s = value.get_ref<std::string&>();
        OPENSSL_cleanse(s.data(), s.size());
      }
    }
  }
  return file;
}

}  // namespace kmebind::app
