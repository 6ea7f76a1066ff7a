#include "diameter/wireshark_dictionary.h"

#include <array>
#include <string_view>

#include "diameter/avp_specs.h"
#include "diameter/dictionary.h"

namespace kmebind::diameter {
namespace {

using namespace avp_spec;

struct GroupMembers {
  std::string_view group;
  std::span<const std::string_view> members;
};

// docs/diameter.md §3: the members of each kmebind grouped AVP, in the order the codec writes
// them. freeDiameter's dictionary has no rules for them (the codec checks presence itself), so
// they are listed here, for Wireshark only.
constexpr std::array<std::string_view, 7> kProvisioning{
    "KME-Procedure", "KME-ECIES-Profile", "KME-Version", "KME-Encrypted-Payload",
    "KME",           "KME-Cookie",        "KME-XRsp"};
constexpr std::array<std::string_view, 4> kDeviceChallenge{"KME-Version", "KME-Nonce", "KME-HXRsp",
                                                           "KME-Challenge-Token"};
constexpr std::array<std::string_view, 6> kConfirm{
    "KME-Procedure",           "KME-Version",  "KME", "KME-Cookie",
    "KME-Signature-Algorithm", "KME-Signature"};
constexpr std::array<std::string_view, 3> kDeviceProof{"KME-Version", "KME-Challenge-Token",
                                                       "KME-Rsp"};
// Terminal-Information is 3GPP's (Wireshark's TGPP.xml defines it).
constexpr std::array<std::string_view, 3> kPrefetch{"Terminal-Information", "KME-Provisioning",
                                                    "KME-Device-Challenge"};
constexpr std::array kGroups{
    GroupMembers{"KME-Provisioning", kProvisioning},
    GroupMembers{"KME-Device-Challenge", kDeviceChallenge}, GroupMembers{"KME-Confirm", kConfirm},
    GroupMembers{"KME-Device-Proof", kDeviceProof}, GroupMembers{"KME-Prefetch", kPrefetch}};

// Wireshark's base type names (its dictionary.xml <typedefn>s).
std::string_view type_name(Kind kind) {
  switch (kind) {
    case Kind::kOctets:
      return "OctetString";
    case Kind::kUtf8:
      return "UTF8String";
    case Kind::kUnsigned32:
      return "Unsigned32";
    case Kind::kEnumerated:
      return "Enumerated";
    case Kind::kGrouped:
      return "Grouped";
  }
  return "OctetString";
}

const GroupMembers* members_of(std::string_view name) {
  for (const GroupMembers& g : kGroups) {
    if (g.group == name) return &g;
  }
  return nullptr;
}

// An AVP of the table: kmebind's, or one of the 3GPP AVPs Wireshark already knows.
bool is_known_avp(std::string_view name) {
  for (const AvpSpec& spec : kSpecs) {
    if (name == spec.name) return true;
  }
  return false;
}

void append_avp(std::string& out, const AvpSpec& spec, const GroupMembers* group) {
  // V must, M as in the table (must not for every kmebind AVP: docs/diameter.md §3).
  out += "\t<avp name=\"";
  out += spec.name;
  out += "\" code=\"" + std::to_string(spec.code) + "\" vendor-id=\"kmebind\" mandatory=\"" +
         (spec.mandatory ? "must" : "mustnot") +
         "\" protected=\"may\" may-encrypt=\"no\" vendor-bit=\"must\">\n";
  if (spec.kind == Kind::kGrouped) {
    out += "\t\t<grouped>\n";
    for (std::string_view member : group->members) {
      out += "\t\t\t<gavp name=\"";
      out += member;
      out += "\"/>\n";
    }
    out += "\t\t</grouped>\n";
  } else {
    out += "\t\t<type type-name=\"";
    out += type_name(spec.kind);
    out += "\"/>\n";
    for (const EnumValue& value : spec.values) {
      out += "\t\t<enum name=\"";
      out += value.name;
      out += "\" code=\"" + std::to_string(value.value) + "\"/>\n";
    }
  }
  out += "\t</avp>\n";
}

}  // namespace

Result<std::string> wireshark_dictionary_xml(std::uint32_t kme_command_code) {
  if (auto st = check_kme_command_code(kme_command_code); !st) return std::unexpected(st.error());
  std::string out;
  out +=
      "<!-- kmebind: the KME extension of S6a (3GPP TR 33.868 §5.4.4.2.3.3), docs/diameter.md.\n"
      "     Written by `kmebind wireshark-dictionary`; installed by "
      "scripts/wireshark-dictionary.sh "
      "-->\n";
  // Wireshark names a command "<name> Request" / "<name> Answer".
  out += "<application id=\"" + std::to_string(kS6aApplicationId) +
         "\" name=\"3GPP S6a/S6d\" uri=\"https://www.3gpp.org/DynaReport/29272.htm\">\n";
  out += "\t<command name=\"KME\" code=\"" + std::to_string(kme_command_code) +
         "\" vendor-id=\"None\"/>\n";
  out += "</application>\n";
  out += "<vendor vendor-id=\"kmebind\" code=\"" + std::to_string(s6a::kVendorKmebind) +
         "\" name=\"kmebind (IANA example 32473)\">\n";
  for (const AvpSpec& spec : kSpecs) {
    if (spec.vendor != kKmeb) continue;
    const GroupMembers* group = nullptr;
    if (spec.kind == Kind::kGrouped) {
      group = members_of(spec.name);
      if (group == nullptr) {
        return fail(Code::kInternal, std::string("no members listed for grouped AVP ") + spec.name);
      }
      for (std::string_view member : group->members) {
        if (!is_known_avp(member)) {
          return fail(Code::kInternal,
                      std::string(spec.name) + " lists an unknown member " + std::string(member));
        }
      }
    }
    append_avp(out, spec, group);
  }
  out += "</vendor>\n";
  return out;
}

}  // namespace kmebind::diameter
