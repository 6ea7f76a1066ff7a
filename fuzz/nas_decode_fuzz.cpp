// libFuzzer harness: the plain NAS codec (TS 24.301 §8, §9; src/nas/nas_message.h) on arbitrary
// octets, as the CNN and the UE meet them after unprotecting. Input: one plain NAS PDU, decoded
// as travelling in each direction.
// Properties: decode_nas never crashes, reads out of bounds or hits UB; a decoded message can be
// described; when it re-encodes, the encoding decodes to the same message (the codec's two halves
// agree on every message the decoder accepts).
#include <cstddef>
#include <cstdint>

#include "fuzz_fixture.h"
#include "nas/nas_message.h"

using namespace kmebind;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  for (nas::Direction direction : {nas::Direction::kUplink, nas::Direction::kDownlink}) {
    nas::Layout layout;
    auto decoded = nas::decode_nas(fuzz::view(data, size), direction, layout);
    if (!decoded) continue;
    (void)nas::describe(*decoded);
    (void)nas::message_name(*decoded);
    auto encoded = nas::encode_nas(*decoded);
    if (!encoded) continue;
    auto again = nas::decode_nas(*encoded, direction);
    KMEBIND_FUZZ_CHECK(again.has_value());
    KMEBIND_FUZZ_CHECK(*again == *decoded);
  }
  return 0;
}
