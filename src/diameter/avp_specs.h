// The S6a and kmebind AVPs kmebind defines in freeDiameter's dictionary (dictionary.cpp), as one
// table of code, vendor, name, type, M bit and enumerated values. The Wireshark dictionary
// fragment (wireshark_dictionary.h) is written from the same table, so the two cannot disagree.
// Codes, types and flags are tabulated with their clauses in docs/diameter.md.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "diameter/dictionary.h"
#include "s6a/result_code.h"

namespace kmebind::diameter::avp_spec {

enum class Kind { kOctets, kUtf8, kUnsigned32, kEnumerated, kGrouped };

struct EnumValue {
  const char* name;
  std::int32_t value;
};

struct AvpSpec {
  AvpDef S6aDictionary::*slot;
  std::uint32_t code;
  std::uint32_t vendor;
  const char* name;
  Kind kind;
  bool mandatory;  // M bit set (must) or clear (must not); the V bit is always set
  std::span<const EnumValue> values;
};

inline constexpr std::uint32_t k3gpp = s6a::kVendor3gpp;
inline constexpr std::uint32_t kKmeb = s6a::kVendorKmebind;

// TS 29.212 §5.3.31 (values as in Wireshark's TGPP.xml)
inline constexpr std::array kRatTypeValues{
    EnumValue{"WLAN", 0},      EnumValue{"VIRTUAL", 1},          EnumValue{"UTRAN", 1000},
    EnumValue{"GERAN", 1001},  EnumValue{"GAN", 1002},           EnumValue{"HSPA_EVOLUTION", 1003},
    EnumValue{"EUTRAN", 1004}, EnumValue{"EUTRAN-NB-IoT", 1005}, EnumValue{"NG-RAN", 1006},
    EnumValue{"LTE-M", 1007},  EnumValue{"CDMA2000_1X", 2000},   EnumValue{"HRPD", 2001},
    EnumValue{"UMB", 2002},    EnumValue{"EHRPD", 2003}};
// TS 29.272 §7.3.21
inline constexpr std::array kNetworkAccessModeValues{
    EnumValue{"PACKET_AND_CIRCUIT", 0}, EnumValue{"Reserved", 1}, EnumValue{"ONLY_PACKET", 2}};
// TS 29.272 §7.3.29
inline constexpr std::array kSubscriberStatusValues{EnumValue{"SERVICE_GRANTED", 0},
                                                    EnumValue{"OPERATOR_DETERMINED_BARRING", 1}};
// docs/diameter.md §3 (s6a::BindingRequirement, KmeProcedure, KmeProvisioning::ecies_profile,
// KmeConfirm::signature_algorithm)
inline constexpr std::array kBindingValues{EnumValue{"NONE", 0}, EnumValue{"IMEI_CHECK", 1},
                                           EnumValue{"KME_REQUIRED", 2}};
inline constexpr std::array kProcedureValues{EnumValue{"SHARED_WITH_CNN", 1},
                                             EnumValue{"HIDDEN_FROM_CNN", 2}};
inline constexpr std::array kEciesProfileValues{EnumValue{"PROFILE_A", 1},
                                                EnumValue{"PROFILE_B", 2}};
inline constexpr std::array kSignatureAlgorithmValues{EnumValue{"ED25519", 1},
                                                      EnumValue{"ECDSA_P256_SHA256", 2}};

using D = S6aDictionary;

// Children before their groups: rules are not defined (the codec checks presence itself), but
// the order keeps the table readable bottom-up.
inline constexpr std::array kSpecs{
    // TS 29.272 §7.3 (and TS 29.212 / TS 29.329 for RAT-Type / MSISDN)
    AvpSpec{&D::msisdn, 701, k3gpp, "MSISDN", Kind::kOctets, true, {}},
    // TS 29.212 table 5.3.1: V must, M must not (unlike the TS 29.272 AVPs)
    AvpSpec{&D::rat_type, 1032, k3gpp, "RAT-Type", Kind::kEnumerated, false, kRatTypeValues},
    AvpSpec{&D::imei, 1402, k3gpp, "IMEI", Kind::kUtf8, true, {}},
    AvpSpec{&D::software_version, 1403, k3gpp, "Software-Version", Kind::kUtf8, true, {}},
    AvpSpec{
        &D::terminal_information, 1401, k3gpp, "Terminal-Information", Kind::kGrouped, true, {}},
    AvpSpec{&D::ulr_flags, 1405, k3gpp, "ULR-Flags", Kind::kUnsigned32, true, {}},
    AvpSpec{&D::ula_flags, 1406, k3gpp, "ULA-Flags", Kind::kUnsigned32, true, {}},
    AvpSpec{&D::visited_plmn_id, 1407, k3gpp, "Visited-PLMN-Id", Kind::kOctets, true, {}},
    AvpSpec{&D::number_of_requested_vectors,
            1410,
            k3gpp,
            "Number-Of-Requested-Vectors",
            Kind::kUnsigned32,
            true,
            {}},
    AvpSpec{&D::re_synchronization_info,
            1411,
            k3gpp,
            "Re-Synchronization-Info",
            Kind::kOctets,
            true,
            {}},
    AvpSpec{&D::immediate_response_preferred,
            1412,
            k3gpp,
            "Immediate-Response-Preferred",
            Kind::kUnsigned32,
            true,
            {}},
    AvpSpec{&D::requested_eutran_authentication_info,
            1408,
            k3gpp,
            "Requested-EUTRAN-Authentication-Info",
            Kind::kGrouped,
            true,
            {}},
    AvpSpec{&D::rand, 1447, k3gpp, "RAND", Kind::kOctets, true, {}},
    AvpSpec{&D::xres, 1448, k3gpp, "XRES", Kind::kOctets, true, {}},
    AvpSpec{&D::autn, 1449, k3gpp, "AUTN", Kind::kOctets, true, {}},
    AvpSpec{&D::kasme, 1450, k3gpp, "KASME", Kind::kOctets, true, {}},
    AvpSpec{&D::eutran_vector, 1414, k3gpp, "E-UTRAN-Vector", Kind::kGrouped, true, {}},
    AvpSpec{&D::authentication_info, 1413, k3gpp, "Authentication-Info", Kind::kGrouped, true, {}},
    AvpSpec{&D::network_access_mode, 1417, k3gpp, "Network-Access-Mode", Kind::kEnumerated, true,
            kNetworkAccessModeValues},
    AvpSpec{&D::subscriber_status, 1424, k3gpp, "Subscriber-Status", Kind::kEnumerated, true,
            kSubscriberStatusValues},
    AvpSpec{&D::subscription_data, 1400, k3gpp, "Subscription-Data", Kind::kGrouped, true, {}},
    // kmebind (vendor 32473): V set, M clear so that a peer without the extension may ignore them
    AvpSpec{&D::kme_binding_requirement, 1, kKmeb, "KME-Binding-Requirement", Kind::kEnumerated,
            false, kBindingValues},
    AvpSpec{&D::kme_supported_procedures,
            2,
            kKmeb,
            "KME-Supported-Procedures",
            Kind::kUnsigned32,
            false,
            {}},
    AvpSpec{&D::kme_procedure, 3, kKmeb, "KME-Procedure", Kind::kEnumerated, false,
            kProcedureValues},
    AvpSpec{&D::kme_version, 4, kKmeb, "KME-Version", Kind::kUnsigned32, false, {}},
    AvpSpec{&D::kme_ecies_profile, 5, kKmeb, "KME-ECIES-Profile", Kind::kEnumerated, false,
            kEciesProfileValues},
    AvpSpec{&D::kme_encrypted_payload, 6, kKmeb, "KME-Encrypted-Payload", Kind::kOctets, false, {}},
    AvpSpec{&D::kme, 7, kKmeb, "KME", Kind::kOctets, false, {}},
    AvpSpec{&D::kme_cookie, 8, kKmeb, "KME-Cookie", Kind::kOctets, false, {}},
    AvpSpec{&D::kme_xrsp, 9, kKmeb, "KME-XRsp", Kind::kOctets, false, {}},
    AvpSpec{&D::kme_nonce, 10, kKmeb, "KME-Nonce", Kind::kOctets, false, {}},
    AvpSpec{&D::kme_signature_algorithm, 11, kKmeb, "KME-Signature-Algorithm", Kind::kEnumerated,
            false, kSignatureAlgorithmValues},
    AvpSpec{&D::kme_signature, 12, kKmeb, "KME-Signature", Kind::kOctets, false, {}},
    AvpSpec{&D::kme_challenge_token, 17, kKmeb, "KME-Challenge-Token", Kind::kOctets, false, {}},
    AvpSpec{&D::kme_rsp, 18, kKmeb, "KME-Rsp", Kind::kOctets, false, {}},
    AvpSpec{&D::kme_hxrsp, 20, kKmeb, "KME-HXRsp", Kind::kOctets, false, {}},
    AvpSpec{&D::kme_provisioning, 13, kKmeb, "KME-Provisioning", Kind::kGrouped, false, {}},
    AvpSpec{&D::kme_device_challenge, 14, kKmeb, "KME-Device-Challenge", Kind::kGrouped, false, {}},
    AvpSpec{&D::kme_confirm, 15, kKmeb, "KME-Confirm", Kind::kGrouped, false, {}},
    AvpSpec{&D::kme_stored_version, 16, kKmeb, "KME-Stored-Version", Kind::kUnsigned32, false, {}},
    AvpSpec{&D::kme_device_proof, 19, kKmeb, "KME-Device-Proof", Kind::kGrouped, false, {}},
    AvpSpec{&D::kme_prefetch, 21, kKmeb, "KME-Prefetch", Kind::kGrouped, false, {}},
};

}  // namespace kmebind::diameter::avp_spec
