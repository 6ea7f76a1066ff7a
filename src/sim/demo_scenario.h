// The demo scenario (README quick start; issue "the protocol" §4): N simulated devices run through
// the seed's procedures in one process, over a real store:
//   1. first attach: even devices with procedure 1 (KME shared with the CNN, TR 33.868
//      §5.4.4.2.3.3.1), odd devices with procedure 2 (KME hidden from the CNN, §5.4.4.2.3.3.2);
//   2. a later attach of every device, authenticated with its stored KME;
//   3. re-provisioning of every fourth device after `kme renew` (device sold, operator changed);
//   4. binding violations: a UICC moved into another device (pair not on the binding list), and
//      a device that clones an allowed IMEI without its keys; both must be rejected with #6.
// Each outcome is checked against what the scenario expects; a mismatch counts as an error.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/error.h"
#include "store/subscriber_store.h"

namespace kmebind::sim {

struct DemoOptions {
  std::size_t ues = 20;
  std::string plmn = "001-01";
  // First IMSI; device i gets imsi_base + i (15 digits).
  std::uint64_t imsi_base = 1010000000001;  // "00101" MCC/MNC + MSIN 0000000001
  bool verbose = false;                     // fill DemoReport::log with one line per phase
};

struct DemoReport {
  std::uint64_t ues = 0;
  std::uint64_t attached = 0;   // attach procedures that ended in EMM-REGISTERED
  std::uint64_t rejected = 0;   // attach procedures that ended in Attach/Authentication reject
  std::uint64_t kme_provisioned_procedure1 = 0;
  std::uint64_t kme_provisioned_procedure2 = 0;
  std::uint64_t device_authenticated = 0;
  std::uint64_t binding_violations_rejected = 0;  // rejected with EMM cause #6 as expected
  std::uint64_t errors = 0;                       // outcomes that differ from the expectation
  std::vector<std::string> error_details;         // first few, no secrets
  std::vector<std::string> log;                   // one line per phase
  double seconds = 0;                             // wall time of the attaches (not the setup)
  std::uint64_t attach_procedures = 0;
  std::uint64_t nas_pdus = 0;
  std::uint64_t nas_octets = 0;
  std::uint64_t s6a_round_trips = 0;
};

// Provisions the store (which must hold none of the scenario's IMSIs) and runs the scenario.
// Fails only when setup fails (store errors, key generation); protocol failures are reported in
// DemoReport::errors.
Result<DemoReport> run_demo(store::SubscriberStore& store, const DemoOptions& options);

}  // namespace kmebind::sim
