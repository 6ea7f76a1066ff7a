// `kmebind demo --in-process` (demo_in_process.cpp): the three protocol cores in one process,
// without daemons or sockets (src/sim/demo_scenario.h).
#pragma once

#include <cstddef>
#include <string>

namespace kmebind::app {

struct InProcessDemoArgs {
  std::size_t ues = 20;
  bool json = false;
  bool keep = false;
  std::string dir;  // empty: a new directory under /tmp
};

// Runs the scenario and prints its report; returns the exit code (0 when every outcome was as
// expected).
int run_in_process_demo(const InProcessDemoArgs& args);

}  // namespace kmebind::app
