// Internal to src/diameter: the identity AVPs shared by several commands — User-Name holding an
// IMSI, and Terminal-Information (TS 29.272 §7.3.3) holding the IMEI and Software-Version.
#pragma once

#include <string>

#include "diameter/avp_io.h"
#include "s6a/messages.h"

namespace kmebind::diameter::detail {

// User-Name with 6-15 decimal digits (TS 23.003 §2.2); MISSING_AVP / INVALID_AVP_VALUE.
Decoded<std::string> read_imsi(const AvpReader& r, const S6aDictionary& d);

// Terminal-Information ::= [ IMEI ] [ Software-Version ] (TS 29.272 §7.3.3); the
// Software-Version is left out when empty.
Status add_terminal_information(void* parent, const S6aDictionary& d,
                                const s6a::TerminalInformation& t);
// kmebind needs the IMEI (14 or 15 digits, §7.3.4), so it is mandatory here; the
// Software-Version is optional but must be 2 digits when present (§7.3.5).
Decoded<s6a::TerminalInformation> read_terminal_information(const AvpReader& group,
                                                            const S6aDictionary& d);

}  // namespace kmebind::diameter::detail
