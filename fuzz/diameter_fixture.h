// For the Diameter harness and the seed generator: freeDiameter's dictionary with the kmebind S6a
// objects, in a core that is initialised but never started (one per process, shared/notes/
// freediameter.md trap 5; as tests/diameter/codec_fixture.h does), with an identity so that
// error answers can carry Origin-Host/Realm.
#pragma once

#include <cstdlib>
#include <cstring>
#include <memory>

#include "diameter/dictionary.h"
#include "diameter/fd_include.h"

// libfdcore's (exported, undeclared) initialisation of the AVP handles fd_msg_rescode_set uses;
// fd_core_start would call it.
extern "C" int fd_msg_init(void);

namespace kmebind::fuzz {

struct MsgFree {
  void operator()(struct msg* m) const {
    if (m != nullptr) fd_msg_free(m);
  }
};
using MsgPtr = std::unique_ptr<struct msg, MsgFree>;

// The dictionary, defined once per process; aborts if freeDiameter cannot be set up.
inline const diameter::S6aDictionary& s6a_dictionary() {
  static const diameter::S6aDictionary d = [] {
    fd_g_debug_lvl = FD_LOG_FATAL;
    if (fd_core_initialize() != 0) std::abort();
    fd_g_debug_lvl = FD_LOG_FATAL;
    auto defined = diameter::define_s6a_dictionary(fd_g_config->cnf_dict);
    if (!defined) std::abort();
    fd_g_config->cnf_diamid = strdup("hss.localdomain");
    fd_g_config->cnf_diamid_len = std::strlen("hss.localdomain");
    fd_g_config->cnf_diamrlm = strdup("localdomain");
    fd_g_config->cnf_diamrlm_len = std::strlen("localdomain");
    if (fd_msg_init() != 0) std::abort();
    return *defined;
  }();
  return d;
}

}  // namespace kmebind::fuzz
