#include "nas/ie_emm.h"

namespace kmebind::nas {

std::string to_string(EpsAttachType v) {
  switch (v) {
    case EpsAttachType::kEpsAttach: return "EPS attach";
    case EpsAttachType::kCombinedEpsImsiAttach: return "combined EPS/IMSI attach";
    case EpsAttachType::kEpsRlosAttach: return "EPS RLOS attach";
    case EpsAttachType::kEpsEmergencyAttach: return "EPS emergency attach";
  }
  return "unused (" + std::to_string(static_cast<int>(v)) + ")";
}

std::string to_string(EpsAttachResult v) {
  switch (v) {
    case EpsAttachResult::kEpsOnly: return "EPS only";
    case EpsAttachResult::kCombinedEpsImsiAttach: return "combined EPS/IMSI attach";
  }
  return "reserved (" + std::to_string(static_cast<int>(v)) + ")";
}

std::string to_string(AdditionalUpdateResult v) {
  switch (v) {
    case AdditionalUpdateResult::kNoAdditionalInformation: return "no additional information";
    case AdditionalUpdateResult::kCsFallbackNotPreferred: return "CS Fallback not preferred";
    case AdditionalUpdateResult::kSmsOnly: return "SMS only";
  }
  return "reserved (" + std::to_string(static_cast<int>(v)) + ")";
}

std::string to_string(EmmCause v) {
  const int n = static_cast<int>(v);
  const char* name = nullptr;
  switch (v) {
    case EmmCause::kImsiUnknownInHss: name = "IMSI unknown in HSS"; break;
    case EmmCause::kIllegalUe: name = "Illegal UE"; break;
    case EmmCause::kImeiNotAccepted: name = "IMEI not accepted"; break;
    case EmmCause::kIllegalMe: name = "Illegal ME"; break;
    case EmmCause::kEpsServicesNotAllowed: name = "EPS services not allowed"; break;
    case EmmCause::kEpsAndNonEpsServicesNotAllowed: name = "EPS services and non-EPS services not allowed"; break;
    case EmmCause::kUeIdentityCannotBeDerived: name = "UE identity cannot be derived by the network"; break;
    case EmmCause::kImplicitlyDetached: name = "Implicitly detached"; break;
    case EmmCause::kPlmnNotAllowed: name = "PLMN not allowed"; break;
    case EmmCause::kTrackingAreaNotAllowed: name = "Tracking Area not allowed"; break;
    case EmmCause::kRoamingNotAllowedInThisTrackingArea: name = "Roaming not allowed in this tracking area"; break;
    case EmmCause::kEpsServicesNotAllowedInThisPlmn: name = "EPS services not allowed in this PLMN"; break;
    case EmmCause::kNoSuitableCellsInTrackingArea: name = "No Suitable Cells In tracking area"; break;
    case EmmCause::kMscTemporarilyNotReachable: name = "MSC temporarily not reachable"; break;
    case EmmCause::kNetworkFailure: name = "Network failure"; break;
    case EmmCause::kCsDomainNotAvailable: name = "CS domain not available"; break;
    case EmmCause::kEsmFailure: name = "ESM failure"; break;
    case EmmCause::kMacFailure: name = "MAC failure"; break;
    case EmmCause::kSynchFailure: name = "Synch failure"; break;
    case EmmCause::kCongestion: name = "Congestion"; break;
    case EmmCause::kUeSecurityCapabilitiesMismatch: name = "UE security capabilities mismatch"; break;
    case EmmCause::kSecurityModeRejectedUnspecified: name = "Security mode rejected, unspecified"; break;
    case EmmCause::kNotAuthorizedForThisCsg: name = "Not authorized for this CSG"; break;
    case EmmCause::kNonEpsAuthenticationUnacceptable: name = "Non-EPS authentication unacceptable"; break;
    case EmmCause::kRequestedServiceOptionNotAuthorizedInThisPlmn: name = "Requested service option not authorized in this PLMN"; break;
    case EmmCause::kCsServiceTemporarilyNotAvailable: name = "CS service temporarily not available"; break;
    case EmmCause::kNoEpsBearerContextActivated: name = "No EPS bearer context activated"; break;
    case EmmCause::kSevereNetworkFailure: name = "Severe network failure"; break;
    case EmmCause::kSemanticallyIncorrectMessage: name = "Semantically incorrect message"; break;
    case EmmCause::kInvalidMandatoryInformation: name = "Invalid mandatory information"; break;
    case EmmCause::kMessageTypeNonExistent: name = "Message type non-existent or not implemented"; break;
    case EmmCause::kMessageTypeNotCompatibleWithProtocolState: name = "Message type not compatible with the protocol state"; break;
    case EmmCause::kInformationElementNonExistent: name = "Information element non-existent or not implemented"; break;
    case EmmCause::kConditionalIeError: name = "Conditional IE error"; break;
    case EmmCause::kMessageNotCompatibleWithProtocolState: name = "Message not compatible with the protocol state"; break;
    case EmmCause::kProtocolErrorUnspecified: name = "Protocol error, unspecified"; break;
  }
  return "#" + std::to_string(n) + (name ? std::string(" ") + name : std::string(" (unlisted)"));
}

// TS 24.301 §9.9.3.33
TaiList TaiList::single(Tai tai) {
  PartialTaiList p;
  p.type = PartialTaiList::Type::kNonConsecutiveTacs;
  p.tais.push_back(std::move(tai));
  return TaiList{{std::move(p)}};
}

Status TaiList::encode(ByteWriter& w) const {
  if (lists.empty()) return fail(Code::kInvalidArgument, "TAI list is empty");
  std::size_t total = 0;
  for (const auto& p : lists) {
    const std::size_t n = p.type == PartialTaiList::Type::kConsecutiveTacs ? p.consecutive : p.tais.size();
    if (n < 1 || n > 16) return fail(Code::kInvalidArgument, "partial TAI list of " + std::to_string(n) + " elements");
    if (p.tais.empty() || (p.type == PartialTaiList::Type::kConsecutiveTacs && p.tais.size() != 1)) {
      return fail(Code::kInvalidArgument, "consecutive-TAC partial list needs exactly its first TAI");
    }
    total += n;
    w.u8(static_cast<std::uint8_t>((static_cast<std::uint8_t>(p.type) << 5) | (n - 1)));
    switch (p.type) {
      case PartialTaiList::Type::kNonConsecutiveTacs: {
        auto plmn = encode_plmn(p.tais[0].plmn);
        if (!plmn) return std::unexpected(plmn.error());
        w.bytes(*plmn);
        for (const auto& t : p.tais) {
          if (!(t.plmn == p.tais[0].plmn)) return fail(Code::kInvalidArgument, "TACs of one partial list must share a PLMN");
          w.u16(t.tac);
        }
        break;
      }
      case PartialTaiList::Type::kConsecutiveTacs:
        if (auto ok = p.tais[0].encode(w); !ok) return ok;
        break;
      case PartialTaiList::Type::kMultiplePlmns:
        for (const auto& t : p.tais) {
          if (auto ok = t.encode(w); !ok) return ok;
        }
        break;
      default:
        return fail(Code::kInvalidArgument, "reserved type of list");
    }
  }
  if (total > 16) return fail(Code::kInvalidArgument, "more than 16 TAIs");
  return {};
}

Result<TaiList> TaiList::decode(ByteView in) {
  TaiList out;
  std::size_t total = 0;
  ByteReader r(in);
  while (!r.empty()) {
    const std::uint8_t head = *r.u8("type of list");
    PartialTaiList p;
    const std::uint8_t type = (head >> 5) & 0x03;
    const std::size_t n = (head & 0x1f) + 1u;
    if (n > 16) return fail(Code::kMalformed, "partial list of " + std::to_string(n) + " elements");
    switch (type) {
      case 0: {
        p.type = PartialTaiList::Type::kNonConsecutiveTacs;
        auto plmn_octets = r.take(kPlmnSize, "PLMN");
        if (!plmn_octets) return std::unexpected(plmn_octets.error());
        auto plmn = decode_plmn(*plmn_octets);
        if (!plmn) return std::unexpected(plmn.error());
        for (std::size_t i = 0; i < n; ++i) {
          auto tac = r.u16("TAC");
          if (!tac) return std::unexpected(tac.error());
          p.tais.push_back(Tai{*plmn, *tac});
        }
        break;
      }
      case 1: {
        p.type = PartialTaiList::Type::kConsecutiveTacs;
        p.consecutive = static_cast<std::uint8_t>(n);
        auto octets = r.take(5, "TAI");
        if (!octets) return std::unexpected(octets.error());
        auto tai = Tai::decode(*octets);
        if (!tai) return std::unexpected(tai.error());
        p.tais.push_back(std::move(*tai));
        break;
      }
      case 2: {
        p.type = PartialTaiList::Type::kMultiplePlmns;
        for (std::size_t i = 0; i < n; ++i) {
          auto octets = r.take(5, "TAI");
          if (!octets) return std::unexpected(octets.error());
          auto tai = Tai::decode(*octets);
          if (!tai) return std::unexpected(tai.error());
          p.tais.push_back(std::move(*tai));
        }
        break;
      }
      default:
        return fail(Code::kMalformed, "reserved type of list 3");
    }
    total += n;
    out.lists.push_back(std::move(p));
  }
  if (out.lists.empty()) return fail(Code::kMalformed, "empty TAI list");
  if (total > 16) return fail(Code::kMalformed, "more than 16 TAIs");
  return out;
}

std::string TaiList::describe() const {
  std::string s = "[";
  for (const auto& p : lists) {
    for (const auto& t : p.tais) {
      if (s.size() > 1) s += "; ";
      s += t.describe();
    }
    if (p.type == PartialTaiList::Type::kConsecutiveTacs) s += " (+" + std::to_string(p.consecutive - 1) + " consecutive)";
  }
  return s + "]";
}

std::string DetachType::describe() const {
  return std::string(switch_off ? "switch off, " : "") + "type " + std::to_string(type_of_detach);
}

std::string to_string(GenericMessageContainerType v) {
  switch (v) {
    case GenericMessageContainerType::kLpp: return "LPP";
    case GenericMessageContainerType::kLocationServices: return "location services";
    case GenericMessageContainerType::kKme: return "KME (kmebind, 0x81)";
  }
  return "unassigned (" + std::to_string(static_cast<int>(v)) + ")";
}

}  // namespace kmebind::nas
