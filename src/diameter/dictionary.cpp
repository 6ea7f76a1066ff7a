#include "diameter/dictionary.h"

#include <array>
#include <cerrno>
#include <cstring>
#include <span>
#include <string>

#include "diameter/avp_specs.h"
#include "diameter/fd_include.h"
#include "s6a/result_code.h"

namespace kmebind::diameter {
namespace {

using namespace avp_spec;

struct BaseSpec {
  AvpDef S6aDictionary::*slot;
  std::uint32_t code;
  const char* name;
};

// RFC 6733 §4.5, present in freeDiameter's base dictionary.
constexpr std::array kBaseSpecs{
    BaseSpec{&D::user_name, 1, "User-Name"},
    BaseSpec{&D::session_id, 263, "Session-Id"},
    BaseSpec{&D::origin_host, 264, "Origin-Host"},
    BaseSpec{&D::vendor_id, 266, "Vendor-Id"},
    BaseSpec{&D::result_code, 268, "Result-Code"},
    BaseSpec{&D::auth_session_state, 277, "Auth-Session-State"},
    BaseSpec{&D::destination_realm, 283, "Destination-Realm"},
    BaseSpec{&D::origin_realm, 296, "Origin-Realm"},
    BaseSpec{&D::experimental_result, 297, "Experimental-Result"},
    BaseSpec{&D::experimental_result_code, 298, "Experimental-Result-Code"},
};

char* mutable_name(const char* s) { return const_cast<char*>(s); }

Error refused(std::string_view what, int rc) {
  return Error(Code::kInternal, "freeDiameter refused to define " + std::string(what) + ": " +
                                    std::strerror(rc));
}

Result<dict_object*> find_type(struct dictionary* dict, const char* name) {
  dict_object* type = nullptr;
  int rc = fd_dict_search(dict, DICT_TYPE, TYPE_BY_NAME, name, &type, ENOENT);
  if (rc != 0 || type == nullptr) {
    return fail(Code::kInternal, std::string("freeDiameter base dictionary lacks type ") + name);
  }
  return type;
}

Result<dict_object*> define_enum_type(struct dictionary* dict, const AvpSpec& spec) {
  std::string type_name = std::string("Enumerated(") + (spec.vendor == k3gpp ? "3GPP/" : "kmebind/") +
                          spec.name + ")";
  dict_type_data data{};
  data.type_base = AVP_TYPE_INTEGER32;
  data.type_name = type_name.data();
  dict_object* type = nullptr;
  if (int rc = fd_dict_new(dict, DICT_TYPE, &data, nullptr, &type); rc != 0) {
    return std::unexpected(refused(type_name, rc));
  }
  for (const EnumValue& value : spec.values) {
    dict_enumval_data ev{};
    ev.enum_name = mutable_name(value.name);
    ev.enum_value.i32 = value.value;
    if (int rc = fd_dict_new(dict, DICT_ENUMVAL, &ev, type, nullptr); rc != 0) {
      return std::unexpected(refused(type_name + " value " + value.name, rc));
    }
  }
  return type;
}

Status define_avp(struct dictionary* dict, const AvpSpec& spec, dict_object* utf8,
                  S6aDictionary& out) {
  dict_avp_data data{};
  data.avp_code = spec.code;
  data.avp_vendor = spec.vendor;
  data.avp_name = mutable_name(spec.name);
  data.avp_flag_mask = AVP_FLAG_VENDOR | AVP_FLAG_MANDATORY;
  data.avp_flag_val = AVP_FLAG_VENDOR | (spec.mandatory ? AVP_FLAG_MANDATORY : 0);
  dict_object* parent_type = nullptr;
  switch (spec.kind) {
    case Kind::kOctets: data.avp_basetype = AVP_TYPE_OCTETSTRING; break;
    case Kind::kUtf8:
      data.avp_basetype = AVP_TYPE_OCTETSTRING;
      parent_type = utf8;
      break;
    case Kind::kUnsigned32: data.avp_basetype = AVP_TYPE_UNSIGNED32; break;
    case Kind::kGrouped: data.avp_basetype = AVP_TYPE_GROUPED; break;
    case Kind::kEnumerated: {
      data.avp_basetype = AVP_TYPE_INTEGER32;
      auto type = define_enum_type(dict, spec);
      if (!type) return std::unexpected(type.error());
      parent_type = *type;
      break;
    }
  }
  dict_object* model = nullptr;
  if (int rc = fd_dict_new(dict, DICT_AVP, &data, parent_type, &model); rc != 0) {
    return std::unexpected(refused(std::string("AVP ") + spec.name, rc));
  }
  out.*spec.slot = AvpDef{model, spec.code, spec.vendor, spec.name};
  return {};
}

Status define_command_pair(struct dictionary* dict, dict_object* app, std::uint32_t code,
                           const char* request_name, const char* answer_name,
                           dict_object*& request, dict_object*& answer) {
  // RFC 6733 §3: R and P fixed (TS 29.272 §7.2: "REQ, PXY" / "PXY").
  dict_cmd_data data{code, mutable_name(request_name),
                     static_cast<std::uint8_t>(CMD_FLAG_REQUEST | CMD_FLAG_PROXIABLE),
                     static_cast<std::uint8_t>(CMD_FLAG_REQUEST | CMD_FLAG_PROXIABLE)};
  if (int rc = fd_dict_new(dict, DICT_COMMAND, &data, app, &request); rc != 0) {
    return std::unexpected(refused(request_name, rc));
  }
  data.cmd_name = mutable_name(answer_name);
  data.cmd_flag_val = CMD_FLAG_PROXIABLE;
  if (int rc = fd_dict_new(dict, DICT_COMMAND, &data, app, &answer); rc != 0) {
    return std::unexpected(refused(answer_name, rc));
  }
  return {};
}

bool reserved_command_code(std::uint32_t code) {
  // RFC 6733 §3.1 base commands and the S6a commands defined here.
  constexpr std::array kTaken{257u, 258u, 271u, 274u, 275u, 280u, 282u, kCmdUpdateLocation,
                              kCmdAuthenticationInformation};
  for (std::uint32_t taken : kTaken) {
    if (code == taken) return true;
  }
  return false;
}

}  // namespace

Status check_kme_command_code(std::uint32_t code) {
  if (code == 0 || code > 0xFFFFFF || reserved_command_code(code)) {
    return fail(Code::kInvalidArgument,
                "KME command code " + std::to_string(code) +
                    " is not a free 24-bit command code (default 16777214, RFC 6733 §11.2.1)");
  }
  return {};
}

Result<S6aDictionary> define_s6a_dictionary(struct dictionary* dict,
                                            const DictionaryOptions& options) {
  if (dict == nullptr) return fail(Code::kInvalidArgument, "no freeDiameter dictionary");
  if (auto st = check_kme_command_code(options.kme_command_code); !st) {
    return std::unexpected(st.error());
  }
  S6aDictionary out;
  out.dict = dict;
  out.kme_command_code = options.kme_command_code;

  for (const BaseSpec& base : kBaseSpecs) {
    dict_object* model = nullptr;
    avp_code_t code = base.code;
    if (fd_dict_search(dict, DICT_AVP, AVP_BY_CODE, &code, &model, ENOENT) != 0 || !model) {
      return fail(Code::kInternal,
                  std::string("freeDiameter base dictionary lacks AVP ") + base.name);
    }
    out.*base.slot = AvpDef{model, base.code, 0, base.name};
  }

  dict_vendor_data v3gpp{s6a::kVendor3gpp, mutable_name("3GPP")};
  if (int rc = fd_dict_new(dict, DICT_VENDOR, &v3gpp, nullptr, &out.vendor_3gpp); rc != 0) {
    return std::unexpected(refused("vendor 3GPP (10415)", rc));
  }
  dict_vendor_data vkme{s6a::kVendorKmebind, mutable_name("kmebind (IANA example 32473)")};
  if (int rc = fd_dict_new(dict, DICT_VENDOR, &vkme, nullptr, &out.vendor_kmebind); rc != 0) {
    return std::unexpected(refused("vendor 32473", rc));
  }
  dict_application_data app{kS6aApplicationId, mutable_name("S6a/S6d")};
  if (int rc = fd_dict_new(dict, DICT_APPLICATION, &app, out.vendor_3gpp, &out.app_s6a);
      rc != 0) {
    return std::unexpected(refused("application S6a/S6d (16777251)", rc));
  }

  auto utf8 = find_type(dict, "UTF8String");
  if (!utf8) return std::unexpected(utf8.error());
  for (const AvpSpec& spec : kSpecs) {
    if (auto st = define_avp(dict, spec, *utf8, out); !st) return std::unexpected(st.error());
  }

  // TS 29.272 §7.2.3-7.2.6
  if (auto st = define_command_pair(dict, out.app_s6a, kCmdUpdateLocation,
                                    "Update-Location-Request", "Update-Location-Answer", out.ulr,
                                    out.ula);
      !st) {
    return std::unexpected(st.error());
  }
  if (auto st = define_command_pair(dict, out.app_s6a, kCmdAuthenticationInformation,
                                    "Authentication-Information-Request",
                                    "Authentication-Information-Answer", out.air, out.aia);
      !st) {
    return std::unexpected(st.error());
  }
  // kmebind, docs/diameter.md §2
  if (auto st = define_command_pair(dict, out.app_s6a, options.kme_command_code, "KME-Request",
                                    "KME-Answer", out.kmr, out.kma);
      !st) {
    return std::unexpected(st.error());
  }
  return out;
}

}  // namespace kmebind::diameter
