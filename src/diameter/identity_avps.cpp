#include "diameter/identity_avps.h"

#include "diameter/wire_limits.h"

namespace kmebind::diameter::detail {

Decoded<std::string> read_imsi(const AvpReader& r, const S6aDictionary& d) {
  auto a = r.one(d.user_name);
  if (!a) return std::unexpected(a.error());
  auto imsi = read_octets(r, d.user_name, *a, 0, limits::kImsiMaxDigits);
  if (!imsi || !all_digits(*imsi, limits::kImsiMinDigits, limits::kImsiMaxDigits)) {
    return std::unexpected(r.invalid(d.user_name, *a, "not an IMSI of 6-15 digits"));
  }
  return to_string(*imsi);
}

Status add_terminal_information(void* parent, const S6aDictionary& d,
                                const s6a::TerminalInformation& t) {
  auto g = add_group(parent, d.terminal_information);
  if (!g) return std::unexpected(g.error());
  if (auto st = add_string(*g, d.imei, t.imei); !st) return st;
  if (t.software_version.empty()) return {};
  return add_string(*g, d.software_version, t.software_version);
}

Decoded<s6a::TerminalInformation> read_terminal_information(const AvpReader& g,
                                                            const S6aDictionary& d) {
  s6a::TerminalInformation out;
  auto imei_avp = g.one(d.imei);
  if (!imei_avp) return std::unexpected(imei_avp.error());
  auto imei = read_octets(g, d.imei, *imei_avp, 0, limits::kImeiMaxDigits);
  if (!imei || !all_digits(*imei, limits::kImeiMinDigits, limits::kImeiMaxDigits)) {
    return std::unexpected(g.invalid(d.imei, *imei_avp, "not an IMEI of 14 or 15 digits"));
  }
  out.imei = to_string(*imei);
  auto svn_avp = g.optional(d.software_version);
  if (!svn_avp) return std::unexpected(svn_avp.error());
  if (*svn_avp != nullptr) {
    auto svn = read_octets(g, d.software_version, *svn_avp, 0, limits::kSvnDigits);
    if (!svn || !all_digits(*svn, limits::kSvnDigits, limits::kSvnDigits)) {
      return std::unexpected(g.invalid(d.software_version, *svn_avp, "not 2 digits"));
    }
    out.software_version = to_string(*svn);
  }
  return out;
}

}  // namespace kmebind::diameter::detail
