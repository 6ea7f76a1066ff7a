// Ue: the KME procedures' transport (docs/nas.md §5: Downlink/Uplink generic NAS transport,
// container type 0x81, always under NAS security). The procedures themselves are in
// kme_procedures.cpp.
#include "ue/kme_procedures.h"
#include "ue/ue.h"

namespace kmebind::ue {

// TS 24.301 §5.6.4 (generic transport of NAS messages), with kmebind's KME container.
void Ue::on_downlink_generic_nas_transport(const nas::DownlinkGenericNasTransport& m, UeOutput& out) {
  if (m.generic_message_container_type != nas::GenericMessageContainerType::kKme) {
    discard("generic message container type " + nas::to_string(m.generic_message_container_type) +
                " not supported",
            out);
    return;
  }
  if (!current_) {  // receive_message lets only integrity-checked transports through; belt and braces
    discard("KME container without NAS security", out);
    return;
  }
  const bool attaching = state_ == UeState::kRegisteredInitiated;
  KmeHandling handled = handle_kme_container(m.generic_message_container.value, usim_.imsi(), me_, attaching);
  if (handled.pending_confirmed) kme_confirmed_this_attach_ = true;
  if (handled.reply) {
    auto container = nas::encode_kme(*handled.reply);
    if (!container) {
      discard("could not encode KME reply: " + container.error().message(), out);
      return;
    }
    nas::UplinkGenericNasTransport uplink;
    uplink.generic_message_container_type = nas::GenericMessageContainerType::kKme;
    uplink.generic_message_container = nas::Octets{std::move(*container)};
    send(uplink, out);
  }
  emit(std::move(handled.event), out);
}

}  // namespace kmebind::ue
