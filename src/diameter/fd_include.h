// Internal to src/diameter: the one place that includes freeDiameter's C headers, in the order
// they require (freeDiameter-host.h first). Never include this from a public header: it defines
// many macros (CHECK_FCT, LOG, ASSERT, ...).
#pragma once

// clang-format off
#include <freeDiameter/freeDiameter-host.h>
#include <freeDiameter/libfdcore.h>
#include <freeDiameter/libfdproto.h>
// clang-format on
