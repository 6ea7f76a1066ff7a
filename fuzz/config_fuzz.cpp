// libFuzzer harness: the YAML configuration loaders (src/net/yaml_config.h and the hss/cnn/sim
// parsers of apps/kmebind: daemon_config.h, sim_config.h). Input: the text of one configuration
// file, given to all three parsers (seeds: config/*.yaml).
// Properties: no yaml-cpp exception escapes, nothing crashes or leaks, and every refusal is an
// error message that names the file (docs/operations.md §5).
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "daemon_config.h"
#include "fuzz_fixture.h"
#include "net/yaml_config.h"
#include "sim_config.h"

using namespace kmebind;

namespace {

constexpr std::string_view kSource = "fuzz.yaml";

template <class T>
void check_refusal(const Result<T>& r, std::string_view source) {
  if (r) return;
  KMEBIND_FUZZ_CHECK(r.error().message().starts_with(source));
}

// load_sim_config reads a file: an in-memory one, rewritten for each input.
void load_sim(const std::uint8_t* data, std::size_t size) {
  static const int fd = memfd_create("sim.yaml", 0);
  KMEBIND_FUZZ_CHECK(fd >= 0);
  static const std::string path = "/proc/self/fd/" + std::to_string(fd);
  KMEBIND_FUZZ_CHECK(ftruncate(fd, 0) == 0);
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = pwrite(fd, data + done, size - done, static_cast<off_t>(done));
    KMEBIND_FUZZ_CHECK(n > 0);
    done += static_cast<std::size_t>(n);
  }
  check_refusal(app::load_sim_config(path), path);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto doc = net::parse_yaml(text, std::string(kSource));
  check_refusal(doc, kSource);
  if (doc) {
    check_refusal(app::parse_hss_config(*doc), kSource);
    check_refusal(app::parse_cnn_config(*doc), kSource);
  }
  load_sim(data, size);
  return 0;
}
