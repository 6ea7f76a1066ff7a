#include "nas/kme_messages.h"

#include <algorithm>
#include <cstdio>
#include <tuple>

#include "nas/ie_table.h"

namespace kmebind::nas {
namespace {

// One field of a KME message table: declared once, drives encode, decode and describe.
template <class Msg, class Field>
struct KmeField {
  using Value = typename detail::OptionalTraits<Field>::Value;
  static constexpr bool kOptional = detail::OptionalTraits<Field>::kIsOptional;
  std::string_view name;
  KmeTag tag{};
  std::uint16_t min_length = 0;
  std::uint16_t max_length = 0;
  Presence presence = kM;  // kM, or kC (rule in validate())
  Field Msg::*member = nullptr;
};

template <class Msg, class Field>
constexpr KmeField<Msg, Field> field(std::string_view name, KmeTag tag, std::uint16_t lo, std::uint16_t hi,
                                     Presence presence, Field Msg::*member) {
  return {name, tag, lo, hi, presence, member};
}

// Value codecs: enums are one octet, integers big-endian, arrays fixed, Bytes as is.
template <class T>
struct FieldCodec;
template <class T>
  requires std::is_enum_v<T>
struct FieldCodec<T> {
  static void encode(T v, ByteWriter& w) { w.u8(static_cast<std::uint8_t>(v)); }
  static T decode(ByteView in) { return static_cast<T>(in[0]); }
  static std::string describe(T v) { return std::to_string(static_cast<int>(v)); }
};
template <>
struct FieldCodec<std::uint32_t> {
  static void encode(std::uint32_t v, ByteWriter& w) { w.u32(v); }
  static std::uint32_t decode(ByteView in) {
    return (std::uint32_t{in[0]} << 24) | (std::uint32_t{in[1]} << 16) | (std::uint32_t{in[2]} << 8) | in[3];
  }
  static std::string describe(std::uint32_t v) { return std::to_string(v); }
};
template <std::size_t N>
struct FieldCodec<std::array<std::uint8_t, N>> {
  static void encode(const std::array<std::uint8_t, N>& v, ByteWriter& w) { w.bytes(v); }
  static std::array<std::uint8_t, N> decode(ByteView in) {
    std::array<std::uint8_t, N> out{};
    std::copy_n(in.begin(), N, out.begin());
    return out;
  }
  static std::string describe(const std::array<std::uint8_t, N>& v) { return "0x" + to_hex(v); }
};
template <>
struct FieldCodec<Bytes> {
  static void encode(const Bytes& v, ByteWriter& w) { w.bytes(v); }
  static Bytes decode(ByteView in) { return Bytes(in.begin(), in.end()); }
  static std::string describe(const Bytes& v) { return std::to_string(v.size()) + " octets"; }
};

template <class Msg>
struct KmeTable;

template <>
struct KmeTable<KmeProvisioningCommand> {
  using M = KmeProvisioningCommand;
  static constexpr auto kFields = std::tuple{
      field("Procedure", KmeTag::kProcedure, 1, 1, kM, &M::procedure),
      field("ECIES profile", KmeTag::kEciesProfile, 1, 1, kM, &M::ecies_profile),
      field("ECIES scheme output", KmeTag::kEciesSchemeOutput, 1, 0xffff, kM, &M::ecies_scheme_output),
      field("Nonce", KmeTag::kNonce, kKmeNonceSize, kKmeNonceSize, kC, &M::nonce),
      field("KME version", KmeTag::kKmeVersion, 4, 4, kM, &M::kme_version),
  };
  // Procedure 1: the CNN's Nonce is here; procedure 2: it is inside the ECIES payload.
  static Status validate(const M& m) {
    if (m.procedure == KmeProcedure::kSharedWithCnn && !m.nonce) return fail(Code::kMalformed, "Nonce missing (procedure 1)");
    if (m.procedure == KmeProcedure::kNotSharedWithCnn && m.nonce) return fail(Code::kMalformed, "Nonce present (procedure 2)");
    return {};
  }
};

template <>
struct KmeTable<KmeProvisioningResponse> {
  using M = KmeProvisioningResponse;
  static constexpr auto kFields = std::tuple{
      field("Rsp", KmeTag::kRsp, kKmeRspSize, kKmeRspSize, kM, &M::rsp),
      field("Signature algorithm", KmeTag::kSignatureAlgorithm, 1, 1, kC, &M::signature_algorithm),
      field("Signature", KmeTag::kSignature, kKmeSignatureSize, kKmeSignatureSize, kC, &M::signature),
  };
  static Status validate(const M& m) {
    if (m.signature_algorithm.has_value() != m.signature.has_value()) {
      return fail(Code::kMalformed, "Signature and Signature algorithm must come together");
    }
    return {};
  }
};

template <>
struct KmeTable<KmeProvisioningReject> {
  using M = KmeProvisioningReject;
  static constexpr auto kFields = std::tuple{
      field("Cause", KmeTag::kCause, 1, 1, kM, &M::cause),
      field("KME version", KmeTag::kKmeVersion, 4, 4, kC, &M::committed_kme_version),
  };
  static Status validate(const M& m) {
    const bool rollback = m.cause == KmeProvisioningRejectCause::kVersionNotNewer;
    if (rollback && !m.committed_kme_version)
      return fail(Code::kMalformed, "KME version missing (cause 5)");
    if (!rollback && m.committed_kme_version)
      return fail(Code::kMalformed, "KME version present (cause not 5)");
    return {};
  }
};

template <>
struct KmeTable<DeviceAuthenticationRequest> {
  using M = DeviceAuthenticationRequest;
  static constexpr auto kFields = std::tuple{
      field("Nonce", KmeTag::kNonce, kKmeNonceSize, kKmeNonceSize, kM, &M::nonce),
      field("KME version", KmeTag::kKmeVersion, 4, 4, kM, &M::kme_version),
  };
  static Status validate(const M&) { return {}; }
};

template <>
struct KmeTable<DeviceAuthenticationResponse> {
  using M = DeviceAuthenticationResponse;
  static constexpr auto kFields = std::tuple{field("Rsp", KmeTag::kRsp, kKmeRspSize, kKmeRspSize, kM, &M::rsp)};
  static Status validate(const M&) { return {}; }
};

template <>
struct KmeTable<DeviceAuthenticationReject> {
  using M = DeviceAuthenticationReject;
  static constexpr auto kFields = std::tuple{field("Cause", KmeTag::kCause, 1, 1, kM, &M::cause)};
  static Status validate(const M&) { return {}; }
};

std::unexpected<Error> malformed(std::string_view message, std::string_view what) {
  return fail(Code::kMalformed, std::string(message) + ": " + std::string(what));
}

template <class Msg>
Result<Bytes> encode_message(const Msg& msg) {
  if (auto ok = KmeTable<Msg>::validate(msg); !ok) {
    return fail(Code::kInvalidArgument, std::string(Msg::kName) + ": " + ok.error().message());
  }
  ByteWriter w;
  w.u8(static_cast<std::uint8_t>(Msg::kMessageType));
  w.u8(kKmeContainerVersion);
  Status status;
  std::apply([&](const auto&... f) {
    auto one = [&](const auto& fd) -> Status {
      using F = std::decay_t<decltype(fd)>;
      using Value = typename F::Value;
      const Value* v = nullptr;
      if constexpr (F::kOptional) {
        if (!(msg.*(fd.member))) return {};
        v = &*(msg.*(fd.member));
      } else {
        v = &(msg.*(fd.member));
      }
      ByteWriter body;
      FieldCodec<Value>::encode(*v, body);
      if (body.size() < fd.min_length || body.size() > fd.max_length) {
        return fail(Code::kInvalidArgument, std::string(Msg::kName) + ": " + std::string(fd.name) + ": " +
                                                std::to_string(body.size()) + " octets outside " +
                                                std::to_string(fd.min_length) + ".." + std::to_string(fd.max_length));
      }
      w.u8(static_cast<std::uint8_t>(fd.tag));
      w.u16(static_cast<std::uint16_t>(body.size()));
      w.bytes(body.view());
      return {};
    };
    ((status = status ? one(f) : status), ...);
  }, KmeTable<Msg>::kFields);
  if (!status) return std::unexpected(status.error());
  return w.take();
}

template <class Msg>
Result<KmeMessage> decode_message(ByteReader& r) {
  Msg msg{};
  constexpr std::size_t kCount = std::tuple_size_v<decltype(KmeTable<Msg>::kFields)>;
  std::array<bool, kCount> seen{};
  while (!r.empty()) {
    if (r.remaining() < 3) return malformed(Msg::kName, "truncated field header");
    const auto tag = static_cast<KmeTag>(*r.u8("tag"));
    const std::uint16_t length = *r.u16("length");
    auto value = r.take(length, "value");
    if (!value) {
      return malformed(Msg::kName, "field length " + std::to_string(length) + " exceeds the " +
                                       std::to_string(r.remaining()) + " octet(s) left");
    }
    Status status;
    bool known = false;
    std::size_t index = 0;
    std::apply([&](const auto&... f) {
      auto one = [&](const auto& fd) {
        using F = std::decay_t<decltype(fd)>;
        const std::size_t i = index++;
        if (known || fd.tag != tag) return;
        known = true;
        if (seen[i]) { status = malformed(Msg::kName, std::string(fd.name) + ": repeated"); return; }
        seen[i] = true;
        if (value->size() < fd.min_length || value->size() > fd.max_length) {
          status = malformed(Msg::kName, std::string(fd.name) + ": length " + std::to_string(value->size()) +
                                             " outside " + std::to_string(fd.min_length) + ".." +
                                             std::to_string(fd.max_length));
          return;
        }
        msg.*(fd.member) = FieldCodec<typename F::Value>::decode(*value);
      };
      (one(f), ...);
    }, KmeTable<Msg>::kFields);
    if (!status) return std::unexpected(status.error());
    (void)known;  // unknown tags are skipped
  }
  Status status;
  std::size_t index = 0;
  std::apply([&](const auto&... f) {
    auto one = [&](const auto& fd) {
      const std::size_t i = index++;
      if (status && fd.presence == kM && !seen[i]) status = malformed(Msg::kName, std::string(fd.name) + ": missing");
    };
    (one(f), ...);
  }, KmeTable<Msg>::kFields);
  if (!status) return std::unexpected(status.error());
  if (auto ok = KmeTable<Msg>::validate(msg); !ok) return malformed(Msg::kName, ok.error().message());
  return KmeMessage{std::move(msg)};
}

template <class Msg>
std::string describe_message(const Msg& msg) {
  std::string out(Msg::kName);
  out += " {";
  bool first = true;
  std::apply([&](const auto&... f) {
    auto one = [&](const auto& fd) {
      using F = std::decay_t<decltype(fd)>;
      if constexpr (F::kOptional) {
        if (!(msg.*(fd.member))) return;
        out += (first ? "" : ", ") + std::string(fd.name) + "=" + FieldCodec<typename F::Value>::describe(*(msg.*(fd.member)));
      } else {
        out += (first ? "" : ", ") + std::string(fd.name) + "=" + FieldCodec<typename F::Value>::describe(msg.*(fd.member));
      }
      first = false;
    };
    (one(f), ...);
  }, KmeTable<Msg>::kFields);
  return out + "}";
}

}  // namespace

bool is_supported(KmeProcedure v) { return v == KmeProcedure::kSharedWithCnn || v == KmeProcedure::kNotSharedWithCnn; }
bool is_supported(EciesProfile v) { return v == EciesProfile::kProfileA || v == EciesProfile::kProfileB; }
bool is_supported(SignatureAlgorithm v) { return v == SignatureAlgorithm::kEd25519 || v == SignatureAlgorithm::kEcdsaP256; }

Result<Bytes> encode_kme(const KmeMessage& message) {
  return std::visit([](const auto& m) { return encode_message(m); }, message);
}

Result<KmeMessage> decode_kme(ByteView container) {
  ByteReader r(container);
  if (container.size() < 2) return fail(Code::kMalformed, "KME container: shorter than its 2-octet header");
  const std::uint8_t type = *r.u8("message type");
  const std::uint8_t version = *r.u8("version");
  if (version != kKmeContainerVersion) {
    return fail(Code::kMalformed, "KME container: version " + std::to_string(version) + " is not supported (expected 1)");
  }
  switch (static_cast<KmeMessageType>(type)) {
    case KmeMessageType::kProvisioningCommand: return decode_message<KmeProvisioningCommand>(r);
    case KmeMessageType::kProvisioningResponse: return decode_message<KmeProvisioningResponse>(r);
    case KmeMessageType::kProvisioningReject: return decode_message<KmeProvisioningReject>(r);
    case KmeMessageType::kDeviceAuthenticationRequest: return decode_message<DeviceAuthenticationRequest>(r);
    case KmeMessageType::kDeviceAuthenticationResponse: return decode_message<DeviceAuthenticationResponse>(r);
    case KmeMessageType::kDeviceAuthenticationReject: return decode_message<DeviceAuthenticationReject>(r);
  }
  return fail(Code::kMalformed, "KME container: unknown message type " + std::to_string(type));
}

std::string describe(const KmeMessage& message) {
  return std::visit([](const auto& m) { return describe_message(m); }, message);
}

}  // namespace kmebind::nas
