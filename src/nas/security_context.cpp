#include "nas/security_context.h"

#include <algorithm>

#include "crypto/eea2.h"
#include "crypto/eia2.h"

namespace kmebind::nas {
namespace {

constexpr std::uint8_t kEmmPd = static_cast<std::uint8_t>(ProtocolDiscriminator::kEmm);

bool is_protected_type(SecurityHeaderType t) {
  return t == SecurityHeaderType::kIntegrityProtected || t == SecurityHeaderType::kIntegrityProtectedCiphered ||
         t == SecurityHeaderType::kIntegrityProtectedNewContext ||
         t == SecurityHeaderType::kIntegrityProtectedCipheredNewContext;
}

bool is_ciphered_type(SecurityHeaderType t) {
  return t == SecurityHeaderType::kIntegrityProtectedCiphered ||
         t == SecurityHeaderType::kIntegrityProtectedCipheredNewContext;
}

std::size_t index(Direction d) { return d == Direction::kUplink ? 0 : 1; }

}  // namespace

Result<NasSecurityContext> NasSecurityContext::create(NasSecurityAlgorithms algorithms, SecretBytes k_nas_int,
                                                      SecretBytes k_nas_enc, NasCount uplink, NasCount downlink) {
  if (algorithms.integrity != IntegrityAlgorithm::kEia0 && algorithms.integrity != IntegrityAlgorithm::kEia2) {
    return fail(Code::kInvalidArgument, "NAS security: integrity algorithm " + to_string(algorithms.integrity) + " is not supported");
  }
  if (algorithms.ciphering != CipheringAlgorithm::kEea0 && algorithms.ciphering != CipheringAlgorithm::kEea2) {
    return fail(Code::kInvalidArgument, "NAS security: ciphering algorithm " + to_string(algorithms.ciphering) + " is not supported");
  }
  if (k_nas_int.size() != crypto::kNasAlgKeySize || k_nas_enc.size() != crypto::kNasAlgKeySize) {
    return fail(Code::kInvalidArgument, "NAS security: KNASint and KNASenc must be 16 octets");
  }
  return NasSecurityContext(algorithms, std::move(k_nas_int), std::move(k_nas_enc), uplink.value(), downlink.value());
}

NasCount NasSecurityContext::next_count(Direction direction) const {
  return NasCount::from_value(next_[index(direction)]);
}

// TS 33.401 Annex B.2 (EIA0: TS 33.401 §5.1.4.1, MAC of 32 zero bits)
Result<std::array<std::uint8_t, 4>> NasSecurityContext::mac(std::uint32_t count, Direction direction,
                                                            ByteView sqn_and_message) const {
  if (algorithms_.integrity == IntegrityAlgorithm::kEia0) return std::array<std::uint8_t, 4>{};
  return crypto::eia2_mac(k_nas_int_, count, kNasBearer, static_cast<std::uint8_t>(direction), sqn_and_message,
                          sqn_and_message.size() * 8);
}

// TS 33.401 Annex B.1 (EEA0: identity)
Result<Bytes> NasSecurityContext::cipher(std::uint32_t count, Direction direction, ByteView message) const {
  if (algorithms_.ciphering == CipheringAlgorithm::kEea0) return Bytes(message.begin(), message.end());
  return crypto::eea2(k_nas_enc_, count, kNasBearer, static_cast<std::uint8_t>(direction), message, message.size() * 8);
}

// TS 24.301 §9.1, §9.3.1, §4.4.5
Result<Bytes> NasSecurityContext::protect(ByteView plain_pdu, SecurityHeaderType header_type, Direction direction) {
  if (!is_protected_type(header_type)) {
    return fail(Code::kInvalidArgument, "NAS security: cannot protect with security header type " + to_string(header_type));
  }
  if (plain_pdu.size() < 2 || plain_pdu[0] != kEmmPd) {
    return fail(Code::kInvalidArgument, "NAS security: the inner message must be a plain EMM message");
  }
  const std::uint32_t count = next_[index(direction)];
  if (count >= kNasCountLimit) {
    return fail(Code::kNotAllowed, "NAS security: NAS COUNT exhausted; a new EPS security context is needed");
  }
  Bytes body;
  if (is_ciphered_type(header_type)) {
    auto c = cipher(count, direction, plain_pdu);
    if (!c) return std::unexpected(c.error());
    body = std::move(*c);
  } else {
    body.assign(plain_pdu.begin(), plain_pdu.end());
  }
  Bytes out;
  out.reserve(kSecurityHeaderSize + body.size());
  out.push_back(static_cast<std::uint8_t>((static_cast<std::uint8_t>(header_type) << 4) | kEmmPd));
  out.insert(out.end(), 4, 0);
  out.push_back(static_cast<std::uint8_t>(count & 0xff));
  out.insert(out.end(), body.begin(), body.end());
  auto m = mac(count, direction, ByteView(out).subspan(5));
  if (!m) return std::unexpected(m.error());
  std::copy(m->begin(), m->end(), out.begin() + 1);
  next_[index(direction)] = count + 1;
  return out;
}

// TS 24.301 §4.4.3.1-4.4.3.2, §9.1
Result<Unprotected> NasSecurityContext::unprotect(ByteView pdu, Direction direction) {
  if (pdu.size() < kSecurityHeaderSize + 2) {
    return fail(Code::kMalformed, "NAS security: protected message of " + std::to_string(pdu.size()) + " octets is too short");
  }
  if ((pdu[0] & 0x0f) != kEmmPd) return fail(Code::kMalformed, "NAS security: not an EMM message");
  const auto header_type = static_cast<SecurityHeaderType>(pdu[0] >> 4);
  if (!is_protected_type(header_type)) {
    return fail(Code::kMalformed, "NAS security: security header type " + to_string(header_type) + " is not handled here");
  }
  const std::uint32_t expected = next_[index(direction)];
  const std::uint8_t sqn = pdu[5];
  std::uint32_t count = (expected & ~0xffu) | sqn;
  if (count < expected) count += 0x100;  // the SQN wrapped: overflow counter + 1
  const ByteView covered = pdu.subspan(5);
  const ByteView received_mac = pdu.subspan(1, 4);
  auto refuse = [&](std::string why) { return fail(Code::kAuthFailed, "NAS security: " + std::move(why)); };
  if (count >= kNasCountLimit) return refuse("NAS COUNT exhausted; a new EPS security context is needed");

  auto m = mac(count, direction, covered);
  if (!m) return std::unexpected(m.error());
  if (!equal_ct(*m, received_mac)) {
    if (count >= 0x100 && algorithms_.integrity != IntegrityAlgorithm::kEia0) {
      auto old = mac(count - 0x100, direction, covered);
      if (old && equal_ct(*old, received_mac)) {
        return refuse("replayed message (NAS COUNT " + std::to_string(count - 0x100) + " was already used)");
      }
    }
    return refuse("MAC mismatch (message modified, replayed or out of order)");
  }
  Unprotected out;
  out.header_type = header_type;
  out.count = NasCount::from_value(count);
  const ByteView inner = pdu.subspan(kSecurityHeaderSize);
  if (is_ciphered_type(header_type)) {
    auto c = cipher(count, direction, inner);
    if (!c) return std::unexpected(c.error());
    out.plain = std::move(*c);
  } else {
    out.plain.assign(inner.begin(), inner.end());
  }
  next_[index(direction)] = count + 1;
  return out;
}

}  // namespace kmebind::nas
