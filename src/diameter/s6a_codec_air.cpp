// AIR / AIA, TS 29.272 §7.2.5-7.2.6 (procedure §5.2.3.1), plus kmebind's KME-Supported-Procedures
// in the AIR and KME-Binding-Requirement and KME-Prefetch in the AIA.
#include "diameter/avp_io.h"
#include "diameter/fd_include.h"
#include "diameter/identity_avps.h"
#include "diameter/kme_avps.h"
#include "diameter/s6a_codec.h"
#include "diameter/wire_limits.h"

namespace kmebind::diameter {

using detail::AvpReader;

// TS 29.272 §7.2.5: { Auth-Session-State } { User-Name } [ Requested-EUTRAN-Authentication-Info ]
// { Visited-PLMN-Id }; kmebind adds [ KME-Supported-Procedures ]: KME material on the AIA is
// wanted for these procedures (absent: none).
Status append_request(const S6aDictionary& d, const s6a::AuthenticationInformationRequest& air,
                      struct msg* request) {
  if (auto st = detail::add_auth_session_state(request, d); !st) return st;
  if (auto st = detail::add_string(request, d.user_name, air.imsi); !st) return st;
  // TS 29.272 §7.3.11
  auto info = detail::add_group(request, d.requested_eutran_authentication_info);
  if (!info) return std::unexpected(info.error());
  if (auto st = detail::add_u32(*info, d.number_of_requested_vectors, air.number_of_vectors); !st) {
    return st;
  }
  if (air.resync) {
    // TS 29.272 §7.3.15: RAND ‖ AUTS
    if (air.resync->rand.size() != limits::kRandSize || air.resync->auts.size() != limits::kAutsSize) {
      return fail(Code::kInvalidArgument,
                  "Re-Synchronization-Info needs a 16-octet RAND and a 14-octet AUTS");
    }
    Bytes resync = air.resync->rand;
    resync.insert(resync.end(), air.resync->auts.begin(), air.resync->auts.end());
    if (auto st = detail::add_octets(*info, d.re_synchronization_info, resync); !st) return st;
  }
  if (auto st = detail::add_octets(request, d.visited_plmn_id, air.visited_plmn_id); !st) return st;
  if (air.kme_prefetch_procedures == 0) return {};
  return detail::add_u32(request, d.kme_supported_procedures, air.kme_prefetch_procedures);
}

Decoded<s6a::AuthenticationInformationRequest> decode_air(const S6aDictionary& d,
                                                          struct msg* request) {
  AvpReader r(request, "");
  if (auto st = detail::require_auth_session_state(r, d); !st) return std::unexpected(st.error());
  s6a::AuthenticationInformationRequest air;

  auto imsi = detail::read_imsi(r, d);
  if (!imsi) return std::unexpected(imsi.error());
  air.imsi = std::move(*imsi);

  auto plmn = r.octets(d.visited_plmn_id, limits::kPlmnIdSize, limits::kPlmnIdSize);
  if (!plmn) return std::unexpected(plmn.error());
  air.visited_plmn_id.assign(plmn->begin(), plmn->end());

  // kmebind serves E-UTRAN vectors only: without this group there is nothing to answer.
  auto info_avp = r.one(d.requested_eutran_authentication_info);
  if (!info_avp) return std::unexpected(info_avp.error());
  AvpReader info = r.group(*info_avp, d.requested_eutran_authentication_info);
  auto count = info.u32(d.number_of_requested_vectors);
  if (!count) return std::unexpected(count.error());
  air.number_of_vectors = *count;
  auto resync = info.optional_octets(d.re_synchronization_info, limits::kResyncInfoSize,
                                     limits::kResyncInfoSize);
  if (!resync) return std::unexpected(resync.error());
  if (*resync) {
    ByteView v = **resync;
    air.resync = s6a::ResyncInfo{Bytes(v.begin(), v.begin() + limits::kRandSize),
                                 Bytes(v.begin() + limits::kRandSize, v.end())};
  }
  auto prefetch = r.optional_u32(d.kme_supported_procedures);
  if (!prefetch) return std::unexpected(prefetch.error());
  if (*prefetch) {
    if (**prefetch > 0xFF) {
      return std::unexpected(r.invalid(d.kme_supported_procedures,
                                       *r.one(d.kme_supported_procedures), "bits above 7 set"));
    }
    air.kme_prefetch_procedures = static_cast<std::uint8_t>(**prefetch);
  }
  return air;
}

// TS 29.272 §7.2.6: result, { Auth-Session-State } [ Authentication-Info ]; kmebind adds
// [ KME-Binding-Requirement ] (absent means NONE) and [ KME-Prefetch ].
Status append_answer(const S6aDictionary& d, const s6a::AuthenticationInformationAnswer& aia,
                     struct msg* answer) {
  auto body = detail::add_answer_head(answer, d, aia.result);
  if (!body) return std::unexpected(body.error());
  if (!*body) return {};
  if (!aia.vectors.empty()) {
    auto info = detail::add_group(answer, d.authentication_info);  // §7.3.17
    if (!info) return std::unexpected(info.error());
    for (const s6a::EutranVector& v : aia.vectors) {
      auto vec = detail::add_group(*info, d.eutran_vector);  // §7.3.18
      if (!vec) return std::unexpected(vec.error());
      if (auto st = detail::add_octets(*vec, d.rand, v.rand); !st) return st;
      if (auto st = detail::add_octets(*vec, d.xres, v.xres); !st) return st;
      if (auto st = detail::add_octets(*vec, d.autn, v.autn); !st) return st;
      if (auto st = detail::add_octets(*vec, d.kasme, v.kasme.view()); !st) return st;
    }
  }
  if (aia.binding != s6a::BindingRequirement::kNone) {
    if (auto st = detail::add_i32(answer, d.kme_binding_requirement,
                                  static_cast<std::int32_t>(aia.binding));
        !st) {
      return st;
    }
  }
  if (aia.kme_prefetch) return detail::add_kme_prefetch(answer, d, *aia.kme_prefetch);
  return {};
}

namespace {

Decoded<s6a::EutranVector> decode_vector(const AvpReader& v, const S6aDictionary& d) {
  s6a::EutranVector out;
  auto rand = v.octets(d.rand, limits::kRandSize, limits::kRandSize);
  if (!rand) return std::unexpected(rand.error());
  auto xres = v.octets(d.xres, limits::kXresMin, limits::kXresMax);
  if (!xres) return std::unexpected(xres.error());
  auto autn = v.octets(d.autn, limits::kAutnSize, limits::kAutnSize);
  if (!autn) return std::unexpected(autn.error());
  auto kasme = v.octets(d.kasme, limits::kKasmeSize, limits::kKasmeSize);
  if (!kasme) return std::unexpected(kasme.error());
  out.rand.assign(rand->begin(), rand->end());
  out.xres.assign(xres->begin(), xres->end());
  out.autn.assign(autn->begin(), autn->end());
  out.kasme = SecretBytes(*kasme);
  return out;
}

}  // namespace

Decoded<s6a::AuthenticationInformationAnswer> decode_aia(const S6aDictionary& d,
                                                         struct msg* answer) {
  AvpReader r(answer, "");
  s6a::AuthenticationInformationAnswer aia;
  auto result = detail::read_result(r, d);
  if (!result) return std::unexpected(result.error());
  aia.result = *result;
  if (detail::has_error_bit(answer)) return aia;

  auto info_avp = r.optional(d.authentication_info);
  if (!info_avp) return std::unexpected(info_avp.error());
  if (*info_avp != nullptr) {
    AvpReader info = r.group(*info_avp, d.authentication_info);
    auto vectors = info.all(d.eutran_vector);
    if (vectors.size() > limits::kMaxVectors) {
      return std::unexpected(info.invalid(d.eutran_vector, vectors.back(), "too many vectors"));
    }
    for (struct avp* vec : vectors) {
      auto v = decode_vector(info.group(vec, d.eutran_vector), d);
      if (!v) return std::unexpected(v.error());
      aia.vectors.push_back(std::move(*v));
    }
  }
  auto binding = r.optional_i32(d.kme_binding_requirement);
  if (!binding) return std::unexpected(binding.error());
  if (*binding) {
    if (**binding < 0 || **binding > static_cast<std::int32_t>(s6a::BindingRequirement::kKmeRequired)) {
      return std::unexpected(r.invalid(d.kme_binding_requirement,
                                       *r.one(d.kme_binding_requirement), "unknown value"));
    }
    aia.binding = static_cast<s6a::BindingRequirement>(**binding);
  }
  auto prefetch = r.optional(d.kme_prefetch);
  if (!prefetch) return std::unexpected(prefetch.error());
  if (*prefetch != nullptr) {
    auto p = detail::read_kme_prefetch(r.group(*prefetch, d.kme_prefetch), d);
    if (!p) return std::unexpected(p.error());
    aia.kme_prefetch = std::make_shared<s6a::KmePrefetch>(std::move(*p));
  }
  return aia;
}

}  // namespace kmebind::diameter
