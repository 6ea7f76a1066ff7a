// libFuzzer harness: the KME containers (docs/nas.md §KME; src/nas/kme_messages.h) and the KME
// payload the device decrypts (src/nas/kme_payload.h). Input: a Generic message container value,
// also read as a decrypted payload.
// Properties: neither decoder crashes; a decoded container can be described; when it re-encodes,
// the encoding decodes to the same message; a decoded payload re-encodes to exactly the input
// (the payload has one encoding), and its IMEI is 15 digits.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "fuzz_fixture.h"
#include "nas/kme_messages.h"
#include "nas/kme_payload.h"

using namespace kmebind;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteView input = fuzz::view(data, size);
  if (auto message = nas::decode_kme(input)) {
    (void)nas::describe(*message);
    if (auto encoded = nas::encode_kme(*message)) {
      auto again = nas::decode_kme(*encoded);
      KMEBIND_FUZZ_CHECK(again.has_value());
      KMEBIND_FUZZ_CHECK(*again == *message);
    }
  }
  if (auto payload = nas::decode_kme_payload(input)) {
    KMEBIND_FUZZ_CHECK(payload->imei.size() == 15);
    KMEBIND_FUZZ_CHECK(payload->kme.size() == nas::kKmeSize);
    auto encoded = nas::encode_kme_payload(*payload);
    KMEBIND_FUZZ_CHECK(encoded.has_value());
    KMEBIND_FUZZ_CHECK(encoded->view().size() == size);
    KMEBIND_FUZZ_CHECK(std::equal(input.begin(), input.end(), encoded->view().begin()));
  }
  return 0;
}
