#include "echo_server.h"

#include <algorithm>

namespace kmebind::bench {

EchoHandler::EchoHandler() {
  // Sizes of a real vector (TS 33.401 §6.1.1): RAND 16, XRES 8, AUTN 16, KASME 32. Fixed filler
  // values: nothing checks them, the point is the same message size as the HSS's answers.
  vector_.rand = Bytes(16, 0x5a);
  vector_.xres = Bytes(8, 0x3c);
  vector_.autn = Bytes(16, 0xa5);
  vector_.kasme = SecretBytes(32);
}

void EchoHandler::on_air(const diameter::LinkInfo&, s6a::AuthenticationInformationRequest&& air,
                         diameter::AirReply reply) {
  s6a::AuthenticationInformationAnswer aia;
  const std::uint32_t n = std::clamp<std::uint32_t>(air.number_of_vectors, 1, 5);
  for (std::uint32_t i = 0; i < n; ++i) aia.vectors.push_back(vector_.clone());
  reply(std::move(aia));
}

void EchoHandler::on_ulr(const diameter::LinkInfo&, s6a::UpdateLocationRequest&&,
                         diameter::UlrReply reply) {
  reply(s6a::UpdateLocationAnswer{});
}

void EchoHandler::on_kme_request(const diameter::LinkInfo&, s6a::KmeRequest&&,
                                 diameter::KmeReply reply) {
  s6a::KmeAnswer kma;
  kma.result = s6a::kUnableToComply;
  reply(std::move(kma));
}

}  // namespace kmebind::bench
