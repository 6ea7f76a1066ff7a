// The S6a dictionary, defined in code in freeDiameter's dictionary: vendor 3GPP, the S6a/S6d
// application, AIR/AIA and ULR/ULA with the TS 29.272 AVPs kmebind uses, and kmebind's KME
// extension (vendor 32473: the KME-Request/Answer command pair and its AVPs). Base protocol AVPs
// (RFC 6733: Session-Id, Origin-Host, Result-Code, Experimental-Result, ...) come from
// freeDiameter's base dictionary and are looked up, not defined. Codes, types and flags are
// tabulated with their clauses in docs/diameter.md.
#pragma once

#include <cstdint>

#include "common/error.h"

struct dictionary;
struct dict_object;

namespace kmebind::diameter {

// TS 29.272 §7.1.8 (Diameter application identifier of S6a/S6d) and §7.2.1 (command codes).
inline constexpr std::uint32_t kS6aApplicationId = 16777251;
inline constexpr std::uint32_t kCmdUpdateLocation = 316;
inline constexpr std::uint32_t kCmdAuthenticationInformation = 318;
// kmebind: KME-Request/Answer, RFC 6733 §11.2.1 experimental range (16,777,214-16,777,215).
inline constexpr std::uint32_t kDefaultKmeCommandCode = 16777214;

// AVP codes. Vendor 0 (RFC 6733 §4.5), vendor 10415 (TS 29.272 §7.3.1 table 7.3.1-1 unless noted),
// vendor 32473 (kmebind, docs/diameter.md §3).
namespace avp_code {
// RFC 6733 §4.5
inline constexpr std::uint32_t kUserName = 1;
inline constexpr std::uint32_t kSessionId = 263;
inline constexpr std::uint32_t kOriginHost = 264;
inline constexpr std::uint32_t kVendorId = 266;
inline constexpr std::uint32_t kResultCode = 268;
inline constexpr std::uint32_t kAuthSessionState = 277;
inline constexpr std::uint32_t kDestinationRealm = 283;
inline constexpr std::uint32_t kOriginRealm = 296;
inline constexpr std::uint32_t kExperimentalResult = 297;
inline constexpr std::uint32_t kExperimentalResultCode = 298;
// 3GPP
inline constexpr std::uint32_t kMsisdn = 701;   // TS 29.329 §6.3.2
inline constexpr std::uint32_t kRatType = 1032;  // TS 29.212 §5.3.31
inline constexpr std::uint32_t kSubscriptionData = 1400;
inline constexpr std::uint32_t kTerminalInformation = 1401;
inline constexpr std::uint32_t kImei = 1402;
inline constexpr std::uint32_t kSoftwareVersion = 1403;
inline constexpr std::uint32_t kUlrFlags = 1405;
inline constexpr std::uint32_t kUlaFlags = 1406;
inline constexpr std::uint32_t kVisitedPlmnId = 1407;
inline constexpr std::uint32_t kRequestedEutranAuthenticationInfo = 1408;
inline constexpr std::uint32_t kNumberOfRequestedVectors = 1410;
inline constexpr std::uint32_t kReSynchronizationInfo = 1411;
inline constexpr std::uint32_t kImmediateResponsePreferred = 1412;
inline constexpr std::uint32_t kAuthenticationInfo = 1413;
inline constexpr std::uint32_t kEutranVector = 1414;
inline constexpr std::uint32_t kNetworkAccessMode = 1417;
inline constexpr std::uint32_t kSubscriberStatus = 1424;
inline constexpr std::uint32_t kRand = 1447;
inline constexpr std::uint32_t kXres = 1448;
inline constexpr std::uint32_t kAutn = 1449;
inline constexpr std::uint32_t kKasme = 1450;
// kmebind, vendor 32473
inline constexpr std::uint32_t kKmeBindingRequirement = 1;
inline constexpr std::uint32_t kKmeSupportedProcedures = 2;
inline constexpr std::uint32_t kKmeProcedure = 3;
inline constexpr std::uint32_t kKmeVersion = 4;
inline constexpr std::uint32_t kKmeEciesProfile = 5;
inline constexpr std::uint32_t kKmeEncryptedPayload = 6;
inline constexpr std::uint32_t kKme = 7;
inline constexpr std::uint32_t kKmeCookie = 8;
inline constexpr std::uint32_t kKmeXrsp = 9;
inline constexpr std::uint32_t kKmeNonce = 10;
inline constexpr std::uint32_t kKmeSignatureAlgorithm = 11;
inline constexpr std::uint32_t kKmeSignature = 12;
inline constexpr std::uint32_t kKmeProvisioning = 13;
inline constexpr std::uint32_t kKmeDeviceChallenge = 14;
inline constexpr std::uint32_t kKmeConfirm = 15;
inline constexpr std::uint32_t kKmeStoredVersion = 16;
inline constexpr std::uint32_t kKmeChallengeToken = 17;
inline constexpr std::uint32_t kKmeRsp = 18;
inline constexpr std::uint32_t kKmeDeviceProof = 19;
inline constexpr std::uint32_t kKmeHxrsp = 20;
inline constexpr std::uint32_t kKmePrefetch = 21;
}  // namespace avp_code

// Auth-Session-State NO_STATE_MAINTAINED (RFC 6733 §8.11): S6a keeps no session state.
inline constexpr std::int32_t kNoStateMaintained = 1;
// Subscriber-Status SERVICE_GRANTED (TS 29.272 §7.3.29), Network-Access-Mode ONLY_PACKET (§7.3.21).
inline constexpr std::int32_t kServiceGranted = 0;
inline constexpr std::int32_t kOnlyPacket = 2;

// One AVP of the dictionary: its model and, for codec error messages, its name.
struct AvpDef {
  dict_object* model = nullptr;
  std::uint32_t code = 0;
  std::uint32_t vendor = 0;
  const char* name = "";
};

// Handles into freeDiameter's dictionary. The pointed-to objects belong to that dictionary and
// live as long as it does (for the core's dictionary: the whole process).
struct S6aDictionary {
  struct dictionary* dict = nullptr;
  dict_object* vendor_3gpp = nullptr;
  dict_object* vendor_kmebind = nullptr;
  dict_object* app_s6a = nullptr;
  std::uint32_t kme_command_code = kDefaultKmeCommandCode;
  // Commands: request and answer objects.
  dict_object* air = nullptr;
  dict_object* aia = nullptr;
  dict_object* ulr = nullptr;
  dict_object* ula = nullptr;
  dict_object* kmr = nullptr;
  dict_object* kma = nullptr;
  // RFC 6733 base
  AvpDef user_name, session_id, origin_host, origin_realm, destination_realm, vendor_id,
      result_code, auth_session_state, experimental_result, experimental_result_code;
  // TS 29.272 and the specs it borrows from
  AvpDef msisdn, rat_type, subscription_data, terminal_information, imei, software_version,
      ulr_flags, ula_flags, visited_plmn_id, requested_eutran_authentication_info,
      number_of_requested_vectors, re_synchronization_info, immediate_response_preferred,
      authentication_info, eutran_vector, network_access_mode, subscriber_status, rand, xres, autn,
      kasme;
  // kmebind
  AvpDef kme_binding_requirement, kme_supported_procedures, kme_procedure, kme_version,
      kme_ecies_profile, kme_encrypted_payload, kme, kme_cookie, kme_xrsp, kme_nonce,
      kme_signature_algorithm, kme_signature, kme_provisioning, kme_device_challenge, kme_confirm,
      kme_stored_version, kme_challenge_token, kme_rsp, kme_device_proof, kme_hxrsp, kme_prefetch;
};

// A KME command code must fit in 24 bits, not be 0, and not be a base (RFC 6733 §3.1) or S6a
// command; kInvalidArgument otherwise.
Status check_kme_command_code(std::uint32_t code);

struct DictionaryOptions {
  std::uint32_t kme_command_code = kDefaultKmeCommandCode;
};

// Defines the objects above in `dict` (which must already hold freeDiameter's base protocol
// dictionary) and returns handles to them. Idempotent: an object already defined identically is
// reused. Fails with kInvalidArgument for a KME command code outside 1..2^24-1 or equal to a base
// or S6a command, and with kInternal naming the object if freeDiameter refuses a definition
// (e.g. a conflicting earlier definition).
Result<S6aDictionary> define_s6a_dictionary(struct dictionary* dict,
                                            const DictionaryOptions& options = {});

}  // namespace kmebind::diameter
