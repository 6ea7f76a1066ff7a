// A Wireshark Diameter dictionary fragment for kmebind's extension of S6a (docs/diameter.md §2-3):
// the KME-Request/Answer command and the vendor-32473 AVPs, with their types, enumerated values
// and group members, so that Wireshark names and decodes them instead of reporting "Unknown AVP".
// Written from the same table that defines them in freeDiameter (avp_specs.h). Pure: no I/O.
//
// The fragment holds an <application> element (the S6a/S6d application id with the KME command)
// and a <vendor> element (the AVPs) as Wireshark's dictionary.xml includes them through an
// external entity; scripts/wireshark-dictionary.sh installs it (docs/diameter.md "Wireshark").
#pragma once

#include <cstdint>
#include <string>

#include "common/error.h"

namespace kmebind::diameter {

// The fragment for a KME command code (check_kme_command_code: kInvalidArgument for a code
// that is not a free 24-bit command code).
Result<std::string> wireshark_dictionary_xml(std::uint32_t kme_command_code);

}  // namespace kmebind::diameter
