// ULR / ULA, TS 29.272 §7.2.3-7.2.4 (procedure §5.2.1.1), plus KME-Confirm or KME-Device-Proof in
// the ULR and KME-Stored-Version in the ULA; MSISDN TBCD coding (TS 29.329 §6.3.2).
#include "diameter/avp_io.h"
#include "diameter/identity_avps.h"
#include "diameter/kme_avps.h"
#include "diameter/s6a_codec.h"
#include "diameter/wire_limits.h"

namespace kmebind::diameter {

using detail::AvpReader;

Result<Bytes> encode_tbcd_msisdn(std::string_view digits) {
  if (digits.empty() || digits.size() > limits::kMsisdnMaxDigits) {
    return fail(Code::kInvalidArgument, "MSISDN must have 1-15 digits");
  }
  Bytes out((digits.size() + 1) / 2, 0xFF);
  for (std::size_t i = 0; i < digits.size(); ++i) {
    char c = digits[i];
    if (c < '0' || c > '9') return fail(Code::kInvalidArgument, "MSISDN must be decimal digits");
    auto nibble = static_cast<std::uint8_t>(c - '0');
    std::uint8_t& octet = out[i / 2];
    octet = (i % 2 == 0) ? static_cast<std::uint8_t>((octet & 0xF0) | nibble)
                         : static_cast<std::uint8_t>((octet & 0x0F) | (nibble << 4));
  }
  return out;
}

Result<std::string> decode_tbcd_msisdn(ByteView tbcd) {
  if (tbcd.empty() || tbcd.size() > (limits::kMsisdnMaxDigits + 1) / 2) {
    return fail(Code::kMalformed, "MSISDN of " + std::to_string(tbcd.size()) + " octets");
  }
  std::string out;
  for (std::size_t i = 0; i < tbcd.size() * 2; ++i) {
    std::uint8_t nibble = (i % 2 == 0) ? (tbcd[i / 2] & 0x0F) : (tbcd[i / 2] >> 4);
    bool last = i + 1 == tbcd.size() * 2;
    if (nibble == 0x0F && last && !out.empty()) break;  // filler after an odd count
    if (nibble > 9) return fail(Code::kMalformed, "MSISDN is not a TBCD digit string");
    out.push_back(static_cast<char>('0' + nibble));
  }
  return out;
}

// TS 29.272 §7.2.3: { Auth-Session-State } { User-Name } [ Terminal-Information ] { RAT-Type }
// { ULR-Flags } { Visited-PLMN-Id }; kmebind adds [ KME-Confirm ] [ KME-Device-Proof ].
Status append_request(const S6aDictionary& d, const s6a::UpdateLocationRequest& ulr,
                      struct msg* request) {
  if (auto st = detail::add_auth_session_state(request, d); !st) return st;
  if (auto st = detail::add_string(request, d.user_name, ulr.imsi); !st) return st;
  if (ulr.terminal) {
    if (auto st = detail::add_terminal_information(request, d, *ulr.terminal); !st) return st;
  }
  if (ulr.rat_type > 0x7FFFFFFF) return fail(Code::kInvalidArgument, "RAT-Type out of range");
  if (auto st = detail::add_i32(request, d.rat_type, static_cast<std::int32_t>(ulr.rat_type)); !st) {
    return st;
  }
  if (auto st = detail::add_u32(request, d.ulr_flags, ulr.ulr_flags); !st) return st;
  if (auto st = detail::add_octets(request, d.visited_plmn_id, ulr.visited_plmn_id); !st) return st;
  if (ulr.kme_confirm) {
    if (auto st = detail::add_kme_confirm(request, d, *ulr.kme_confirm); !st) return st;
  }
  if (ulr.device_proof) return detail::add_kme_device_proof(request, d, *ulr.device_proof);
  return {};
}

Decoded<s6a::UpdateLocationRequest> decode_ulr(const S6aDictionary& d, struct msg* request) {
  AvpReader r(request, "");
  if (auto st = detail::require_auth_session_state(r, d); !st) return std::unexpected(st.error());
  s6a::UpdateLocationRequest ulr;
  auto imsi = detail::read_imsi(r, d);
  if (!imsi) return std::unexpected(imsi.error());
  ulr.imsi = std::move(*imsi);

  auto plmn = r.octets(d.visited_plmn_id, limits::kPlmnIdSize, limits::kPlmnIdSize);
  if (!plmn) return std::unexpected(plmn.error());
  ulr.visited_plmn_id.assign(plmn->begin(), plmn->end());

  auto rat = r.i32(d.rat_type);
  if (!rat) return std::unexpected(rat.error());
  if (*rat < 0) return std::unexpected(r.invalid(d.rat_type, *r.one(d.rat_type), "negative"));
  ulr.rat_type = static_cast<std::uint32_t>(*rat);

  auto flags = r.u32(d.ulr_flags);
  if (!flags) return std::unexpected(flags.error());
  ulr.ulr_flags = *flags;

  auto terminal = r.optional(d.terminal_information);
  if (!terminal) return std::unexpected(terminal.error());
  if (*terminal != nullptr) {
    auto t = detail::read_terminal_information(r.group(*terminal, d.terminal_information), d);
    if (!t) return std::unexpected(t.error());
    ulr.terminal = std::move(*t);
  }

  auto confirm = r.optional(d.kme_confirm);
  if (!confirm) return std::unexpected(confirm.error());
  if (*confirm != nullptr) {
    auto c = detail::read_kme_confirm(r.group(*confirm, d.kme_confirm), d);
    if (!c) return std::unexpected(c.error());
    ulr.kme_confirm = std::move(*c);
  }

  auto proof = r.optional(d.kme_device_proof);
  if (!proof) return std::unexpected(proof.error());
  if (*proof != nullptr) {
    auto p = detail::read_kme_device_proof(r.group(*proof, d.kme_device_proof), d);
    if (!p) return std::unexpected(p.error());
    ulr.device_proof = std::move(*p);
  }
  return ulr;
}

// TS 29.272 §7.2.4: result, { Auth-Session-State } [ ULA-Flags ] [ Subscription-Data ]; kmebind
// adds [ KME-Stored-Version ]. Subscription-Data (§7.3.2) is the minimum a serving node needs:
// [ Subscriber-Status ] [ MSISDN ] [ Network-Access-Mode ], on success only.
Status append_answer(const S6aDictionary& d, const s6a::UpdateLocationAnswer& ula,
                     struct msg* answer) {
  auto body = detail::add_answer_head(answer, d, ula.result);
  if (!body) return std::unexpected(body.error());
  if (!*body) return {};
  if (auto st = detail::add_u32(answer, d.ula_flags, ula.ula_flags); !st) return st;
  if (ula.result.ok()) {
    auto sub = detail::add_group(answer, d.subscription_data);
    if (!sub) return std::unexpected(sub.error());
    if (auto st = detail::add_i32(*sub, d.subscriber_status, kServiceGranted); !st) return st;
    if (!ula.msisdn.empty()) {
      auto tbcd = encode_tbcd_msisdn(ula.msisdn);
      if (!tbcd) return std::unexpected(tbcd.error());
      if (auto st = detail::add_octets(*sub, d.msisdn, *tbcd); !st) return st;
    }
    if (auto st = detail::add_i32(*sub, d.network_access_mode, kOnlyPacket); !st) return st;
  }
  if (ula.kme_version_stored) {
    return detail::add_u32(answer, d.kme_stored_version, *ula.kme_version_stored);
  }
  return {};
}

Decoded<s6a::UpdateLocationAnswer> decode_ula(const S6aDictionary& d, struct msg* answer) {
  AvpReader r(answer, "");
  s6a::UpdateLocationAnswer ula;
  ula.ula_flags = 0;
  auto result = detail::read_result(r, d);
  if (!result) return std::unexpected(result.error());
  ula.result = *result;
  if (detail::has_error_bit(answer)) return ula;

  auto flags = r.optional_u32(d.ula_flags);
  if (!flags) return std::unexpected(flags.error());
  ula.ula_flags = flags->value_or(0);

  auto sub = r.optional(d.subscription_data);
  if (!sub) return std::unexpected(sub.error());
  if (*sub != nullptr) {
    AvpReader s = r.group(*sub, d.subscription_data);
    auto msisdn_avp = s.optional(d.msisdn);
    if (!msisdn_avp) return std::unexpected(msisdn_avp.error());
    if (*msisdn_avp != nullptr) {
      auto octets = detail::read_octets(s, d.msisdn, *msisdn_avp, 1, (limits::kMsisdnMaxDigits + 1) / 2);
      if (!octets) return std::unexpected(octets.error());
      auto digits = decode_tbcd_msisdn(*octets);
      if (!digits) return std::unexpected(s.invalid(d.msisdn, *msisdn_avp, "not a TBCD digit string"));
      ula.msisdn = std::move(*digits);
    }
  }
  auto stored = r.optional_u32(d.kme_stored_version);
  if (!stored) return std::unexpected(stored.error());
  ula.kme_version_stored = *stored;
  return ula;
}

}  // namespace kmebind::diameter
