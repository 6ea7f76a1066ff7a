// libFuzzer harness: what the S6a server and client do with the octets of a received Diameter
// message (docs/diameter.md; src/diameter/s6a_codec.h). Input: one Diameter message. It is
// parsed as freeDiameter does on receipt (fd_msg_parse_buffer, then our receive guard as the
// HOOK_MESSAGE_RECEIVED callback does (diameter/receive_guard.h), then fd_msg_parse_dict against the
// kmebind dictionary, defined in a core that is initialised but never started, as in
// tests/diameter/codec_fixture.h), then handed to the decoder of its command: AIR/ULR/KME-Request
// (server side; a decode error is answered with the server's own error answer, RFC 6733 §7.1.5)
// or AIA/ULA/KME-Answer (client side). Secret AVPs are then wiped as the server does. The capture
// blanking of secret AVPs (diameter/secret_blanking.h) runs on the raw octets first.
// Properties: nothing crashes, leaks or reads out of bounds; blanking is idempotent, keeps the
// size and leaves a parsable message parsable; every error answer encodes and parses again.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "diameter/error_answer.h"
#include "diameter/receive_guard.h"
#include "diameter/s6a_codec.h"
#include "diameter/secret_blanking.h"
#include "diameter_fixture.h"
#include "fuzz_fixture.h"

using namespace kmebind;
using namespace kmebind::diameter;

namespace {

using fuzz::MsgPtr;

const S6aDictionary* g_dict = nullptr;

// freeDiameter's receive path: the buffer becomes the message's (freed with it).
MsgPtr parse(ByteView octets, bool& dict_ok) {
  dict_ok = false;
  auto* buffer = static_cast<std::uint8_t*>(std::malloc(octets.size() + 1));
  if (buffer == nullptr) return nullptr;
  if (!octets.empty()) std::memcpy(buffer, octets.data(), octets.size());
  struct msg* m = nullptr;
  if (fd_msg_parse_buffer(&buffer, octets.size(), &m) != 0) {
    std::free(buffer);
    return nullptr;
  }
  MsgPtr owned(m);
  detail::guard_received(m);  // the live receive path: HOOK_MESSAGE_RECEIVED runs here
  dict_ok = detail::parse_dict(m, g_dict->dict) == 0;
  return owned;
}

// The server's answer to a request that does not decode must go on the wire.
template <class T>
void answer_if_refused(const Decoded<T>& decoded, MsgPtr& request) {
  if (decoded) return;
  KMEBIND_FUZZ_CHECK(!decoded.error().message.empty());
  struct msg* m = request.release();
  const int rc = detail::answer_decode_error(*g_dict, &m, decoded.error());
  MsgPtr answer(m);
  if (rc != 0) return;  // freeDiameter refused (e.g. a Failed-AVP it cannot copy)
  std::uint8_t* buffer = nullptr;
  std::size_t len = 0;
  KMEBIND_FUZZ_CHECK(fd_msg_bufferize(answer.get(), &buffer, &len) == 0);
  bool dict_ok = false;
  MsgPtr parsed = parse(ByteView(buffer, len), dict_ok);
  std::free(buffer);
  KMEBIND_FUZZ_CHECK(parsed != nullptr && dict_ok);
}

// freeDiameter's own error answer to a request that does not parse (fd_msg_parse_or_error, which
// its routing runs before dispatch; RFC 6733 §7.1.5) must go on the wire too: one it cannot
// bufferize is not sent, and the link to the peer is dropped.
void answer_parse_error(MsgPtr& m) {
  msg_hdr* hdr = nullptr;
  if (fd_msg_hdr(m.get(), &hdr) != 0 || (hdr->msg_flags & CMD_FLAG_REQUEST) == 0) return;
  struct msg* request = m.release();
  struct msg* error = nullptr;
  (void)fd_msg_parse_or_error(&request, &error);
  m.reset(request);  // null when the error answer took the request over
  if (error == nullptr) return;
  MsgPtr answer(error);
  std::uint8_t* buffer = nullptr;
  std::size_t len = 0;
  KMEBIND_FUZZ_CHECK(fd_msg_bufferize(answer.get(), &buffer, &len) == 0);
  std::free(buffer);
}

void decode_message(MsgPtr& m) {
  msg_hdr* hdr = nullptr;
  if (fd_msg_hdr(m.get(), &hdr) != 0) return;
  const bool request = (hdr->msg_flags & CMD_FLAG_REQUEST) != 0;
  const S6aDictionary& d = *g_dict;
  if (hdr->msg_code == kCmdAuthenticationInformation) {
    if (request) {
      auto r = decode_air(d, m.get());
      answer_if_refused(r, m);
    } else {
      (void)decode_aia(d, m.get());
    }
  } else if (hdr->msg_code == kCmdUpdateLocation) {
    if (request) {
      auto r = decode_ulr(d, m.get());
      answer_if_refused(r, m);
    } else {
      (void)decode_ula(d, m.get());
    }
  } else if (hdr->msg_code == d.kme_command_code) {
    if (request) {
      auto r = decode_kmr(d, m.get());
      answer_if_refused(r, m);
    } else {
      (void)decode_kma(d, m.get());
    }
  }
  if (m) wipe_secret_avps(d, m.get());
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  g_dict = &fuzz::s6a_dictionary();
  // The daemons' hooks: fd_msg_parse_or_error calls the parsing error one, as on a live link.
  if (!detail::install_receive_guard()) std::abort();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteView input = fuzz::view(data, size);

  // Capture blanking, on a copy (the tap sees a copy of the octets too).
  Bytes blanked(input.begin(), input.end());
  const std::size_t blanked_count = blank_secret_avps(blanked);
  Bytes twice = blanked;
  const std::size_t second_count = blank_secret_avps(twice);
  KMEBIND_FUZZ_CHECK(twice == blanked);
  KMEBIND_FUZZ_CHECK(second_count == blanked_count);

  bool dict_ok = false;
  MsgPtr m = parse(input, dict_ok);
  if (m == nullptr) return 0;
  bool blanked_dict_ok = false;
  MsgPtr blanked_msg = parse(blanked, blanked_dict_ok);
  KMEBIND_FUZZ_CHECK(blanked_msg != nullptr);
  if (!dict_ok) {
    answer_parse_error(m);
    return 0;
  }
  decode_message(m);
  return 0;
}
