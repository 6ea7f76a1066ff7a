// The echo server of kmebind_s6a_bench: an S6a server with no HSS behind it. Each AIR is answered
// at once, on freeDiameter's dispatch thread, with DIAMETER_SUCCESS and the requested number of
// (at most 5) fixed E-UTRAN vectors of the real sizes; each ULR with a plain success ULA. No store,
// no crypto: the rate it sustains is what freeDiameter and the S6a codecs alone allow over the
// same transport, the ceiling against which the HSS's rate is reported.
#pragma once

#include "diameter/s6a_server.h"

namespace kmebind::bench {

class EchoHandler final : public diameter::S6aHandler {
 public:
  EchoHandler();
  void on_air(const diameter::LinkInfo& link, s6a::AuthenticationInformationRequest&& air,
              diameter::AirReply reply) override;
  void on_ulr(const diameter::LinkInfo& link, s6a::UpdateLocationRequest&& ulr,
              diameter::UlrReply reply) override;
  void on_kme_request(const diameter::LinkInfo& link, s6a::KmeRequest&& kmr,
                      diameter::KmeReply reply) override;

 private:
  s6a::EutranVector vector_;
};

}  // namespace kmebind::bench
