#include "nas/nas_message.h"

#include <array>
#include <cstdio>

#include "nas/message_tables.h"

namespace kmebind::nas {
namespace {

template <class Msg>
constexpr bool kIsEsm = requires { Msg::eps_bearer_identity; };

template <class Msg>
Result<Bytes> encode_message(const Msg& msg) {
  ByteWriter w;
  if constexpr (kIsEsm<Msg>) {
    if (msg.eps_bearer_identity > 15) return fail(Code::kInvalidArgument, std::string(Msg::kName) + ": EPS bearer identity above 15");
    w.u8(static_cast<std::uint8_t>((msg.eps_bearer_identity << 4) | static_cast<std::uint8_t>(ProtocolDiscriminator::kEsm)));
    w.u8(msg.procedure_transaction_identity);
  } else {
    w.u8(static_cast<std::uint8_t>(ProtocolDiscriminator::kEmm));  // security header type 0
  }
  w.u8(static_cast<std::uint8_t>(Msg::kMessageType));
  if (auto ok = encode_ies(msg, IeTable<Msg>::kIes, Msg::kName, w); !ok) return std::unexpected(ok.error());
  return w.take();
}

template <class Msg>
Result<NasMessage> decode_message(ByteView pdu, const NasHeader& header, Layout* layout) {
  Msg msg{};
  std::size_t body = 2;
  if constexpr (kIsEsm<Msg>) {
    msg.eps_bearer_identity = header.eps_bearer_identity;
    msg.procedure_transaction_identity = header.procedure_transaction_identity;
    body = 3;
  }
  if (auto ok = decode_ies(pdu.subspan(body), body, IeTable<Msg>::kIes, Msg::kName, msg, layout); !ok) {
    return std::unexpected(ok.error());
  }
  return NasMessage{std::move(msg)};
}

using Decoder = Result<NasMessage> (*)(ByteView, const NasHeader&, Layout*);

struct Entry {
  ProtocolDiscriminator pd{};
  MessageType type{};
  std::optional<Direction> direction;  // set only where the message type alone is ambiguous
  Decoder decode = nullptr;
};

template <class Msg>
constexpr Entry entry(std::optional<Direction> direction = std::nullopt) {
  return {kIsEsm<Msg> ? ProtocolDiscriminator::kEsm : ProtocolDiscriminator::kEmm, Msg::kMessageType, direction,
          &decode_message<Msg>};
}

// Message type → decoder (TS 24.301 §9.8).
constexpr std::array kRegistry = {
    entry<AttachRequest>(),
    entry<AttachAccept>(),
    entry<AttachComplete>(),
    entry<AttachReject>(),
    entry<AuthenticationRequest>(),
    entry<AuthenticationResponse>(),
    entry<AuthenticationFailure>(),
    entry<AuthenticationReject>(),
    entry<SecurityModeCommand>(),
    entry<SecurityModeComplete>(),
    entry<SecurityModeReject>(),
    entry<IdentityRequest>(),
    entry<IdentityResponse>(),
    entry<DetachRequestUeOriginating>(Direction::kUplink),
    entry<DetachRequestUeTerminated>(Direction::kDownlink),
    entry<DetachAccept>(),
    entry<EmmStatus>(),
    entry<DownlinkGenericNasTransport>(),
    entry<UplinkGenericNasTransport>(),
    entry<PdnConnectivityRequest>(),
    entry<ActivateDefaultEpsBearerContextRequest>(),
    entry<ActivateDefaultEpsBearerContextAccept>(),
};
static_assert(kRegistry.size() == std::variant_size_v<NasMessage>);

std::string hex8(std::uint8_t v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02x", v);
  return buf;
}

Result<NasMessage> decode_impl(ByteView pdu, Direction direction, Layout* layout) {
  auto header = peek_header(pdu);
  if (!header) return std::unexpected(header.error());
  if (header->protocol_discriminator == ProtocolDiscriminator::kEmm &&
      header->security_header_type != SecurityHeaderType::kPlain) {
    return fail(Code::kMalformed, "NAS: security header type " + to_string(header->security_header_type) +
                                      " is not a plain message (unprotect it first)");
  }
  for (const Entry& e : kRegistry) {
    if (e.pd == header->protocol_discriminator && static_cast<std::uint8_t>(e.type) == header->message_type &&
        (!e.direction || *e.direction == direction)) {
      return e.decode(pdu, *header, layout);
    }
  }
  return fail(Code::kMalformed, std::string("NAS: unknown ") +
                                    (header->protocol_discriminator == ProtocolDiscriminator::kEmm ? "EMM" : "ESM") +
                                    " message type " + hex8(*header->message_type));
}

}  // namespace

std::string to_string(SecurityHeaderType t) {
  switch (t) {
    case SecurityHeaderType::kPlain: return "0 (plain NAS message)";
    case SecurityHeaderType::kIntegrityProtected: return "1 (integrity protected)";
    case SecurityHeaderType::kIntegrityProtectedCiphered: return "2 (integrity protected and ciphered)";
    case SecurityHeaderType::kIntegrityProtectedNewContext: return "3 (integrity protected with new EPS security context)";
    case SecurityHeaderType::kIntegrityProtectedCipheredNewContext:
      return "4 (integrity protected and ciphered with new EPS security context)";
    case SecurityHeaderType::kServiceRequest: return "12 (security header for the SERVICE REQUEST message)";
  }
  return std::to_string(static_cast<int>(t)) + " (reserved)";
}

// TS 24.007 §11.2.3, TS 24.301 §9.2, §9.3
Result<NasHeader> peek_header(ByteView pdu) {
  if (pdu.empty()) return fail(Code::kMalformed, "NAS: empty PDU");
  NasHeader h;
  const std::uint8_t pd = pdu[0] & 0x0f;
  if (pd == static_cast<std::uint8_t>(ProtocolDiscriminator::kEmm)) {
    h.protocol_discriminator = ProtocolDiscriminator::kEmm;
    h.security_header_type = static_cast<SecurityHeaderType>(pdu[0] >> 4);
    if (h.security_header_type == SecurityHeaderType::kPlain) {
      if (pdu.size() < 2) return fail(Code::kMalformed, "NAS: EMM message too short for its message type (TS 24.301 §7.2)");
      h.message_type = pdu[1];
    }
    return h;
  }
  if (pd == static_cast<std::uint8_t>(ProtocolDiscriminator::kEsm)) {
    h.protocol_discriminator = ProtocolDiscriminator::kEsm;
    h.eps_bearer_identity = static_cast<std::uint8_t>(pdu[0] >> 4);
    if (pdu.size() < 3) return fail(Code::kMalformed, "NAS: ESM message too short for its message type (TS 24.301 §7.2)");
    h.procedure_transaction_identity = pdu[1];
    h.message_type = pdu[2];
    return h;
  }
  return fail(Code::kMalformed, "NAS: protocol discriminator " + std::to_string(pd) + " is neither EMM (7) nor ESM (2)");
}

Result<Bytes> encode_nas(const NasMessage& message) {
  return std::visit([](const auto& m) { return encode_message(m); }, message);
}

Result<NasMessage> decode_nas(ByteView pdu, Direction direction) { return decode_impl(pdu, direction, nullptr); }

Result<NasMessage> decode_nas(ByteView pdu, Direction direction, Layout& layout) {
  layout.clear();
  return decode_impl(pdu, direction, &layout);
}

std::string describe(const NasMessage& message) {
  return std::visit(
      [](const auto& m) {
        using Msg = std::decay_t<decltype(m)>;
        std::string head(Msg::kName);
        if constexpr (kIsEsm<Msg>) {
          head += " [EBI " + std::to_string(m.eps_bearer_identity) + ", PTI " + std::to_string(m.procedure_transaction_identity) + "]";
        }
        return head + " {" + describe_ies(m, IeTable<Msg>::kIes) + "}";
      },
      message);
}

std::string_view message_name(const NasMessage& message) {
  return std::visit([](const auto& m) { return std::decay_t<decltype(m)>::kName; }, message);
}

// TS 24.301 §9.9.3.15: the container holds a plain ESM message; show it decoded.
std::string EsmMessageContainer::describe() const {
  auto inner = decode_nas(value, Direction::kUplink);  // ESM decoding ignores the direction
  if (!inner) return "undecodable ESM message (" + inner.error().message() + ")";
  return nas::describe(*inner);
}

}  // namespace kmebind::nas
