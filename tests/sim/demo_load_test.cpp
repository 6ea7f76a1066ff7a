// A small load run: 200 simulated devices through the demo scenario (src/sim/demo_scenario.h) on
// a SQLite store — first attach (procedure 1 for even devices, 2 for odd), a later attach with
// device authentication, re-provisioning of every fourth device, and binding violations — with
// no outcome differing from the expectation, and counts that add up.
#include "sim/demo_scenario.h"
#include "sim_test_support.h"

namespace kmebind::sim::testing {
namespace {

class DemoLoadTest : public SimTest {};

TEST_F(DemoLoadTest, TwoHundredUesRunTheDemoWithoutErrors) {
  constexpr std::uint64_t n = 200;
  DemoOptions options;
  options.ues = n;
  options.imsi_base = 1010000100001;  // clear of the fixture's IMSIs
  options.verbose = true;
  const DemoReport report = take(run_demo(*store_, options));
  std::string details;
  for (const auto& d : report.error_details) details += "\n  " + d;
  ASSERT_EQ(report.errors, 0u) << details;

  constexpr std::uint64_t renewals = (n + 3) / 4;                  // devices 0, 4, 8, ...
  constexpr std::uint64_t violations = std::max<std::uint64_t>(2, n / 10);
  EXPECT_EQ(report.ues, n);
  EXPECT_EQ(report.attach_procedures, n + n + renewals + violations);
  EXPECT_EQ(report.attached, n + n + renewals);
  EXPECT_EQ(report.rejected, violations);
  EXPECT_EQ(report.attached + report.rejected, report.attach_procedures);
  // Even devices use procedure 1; the renewed ones (multiples of 4) are even too.
  EXPECT_EQ(report.kme_provisioned_procedure1, n / 2 + renewals);
  EXPECT_EQ(report.kme_provisioned_procedure2, n / 2);
  EXPECT_EQ(report.device_authenticated, n);
  EXPECT_EQ(report.binding_violations_rejected, violations);
  EXPECT_EQ(report.log.size(), 4u);
  EXPECT_GT(report.nas_pdus, 0u);
  EXPECT_GT(report.s6a_round_trips, 0u);

  // The store agrees: one KME per device, version 2 for the renewed ones, none for the attackers.
  const auto status = take(store_->list_kme_status(std::nullopt, 10 * n, std::nullopt));
  ASSERT_EQ(status.size(), n);
  std::uint64_t v2 = 0;
  std::uint64_t procedure1 = 0;
  for (const auto& s : status) {
    EXPECT_TRUE(s.present);
    EXPECT_FALSE(s.renewal_requested);
    v2 += s.version == 2;
    procedure1 += s.procedure == store::kKmeProcedure1;
    EXPECT_TRUE(s.version == 1 || s.version == 2) << s.imsi;
  }
  EXPECT_EQ(v2, renewals);
  EXPECT_EQ(procedure1, n / 2);
}

}  // namespace
}  // namespace kmebind::sim::testing
