// freeDiameter's log lines as the daemons show them (src/diameter/fd_core.cpp, route_fd_log): the
// ERROR its TLS receive thread prints whenever a peer closes the connection — on every clean stop
// of either side, after DPR/DPA — is shown at info, so that a clean stop leaves no error in the
// log; its other errors stay errors.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <sstream>

#include "live_fixture.h"

namespace kmebind::diameter {
namespace {

using namespace testing;

TEST(FdLog, PeerClosingItsTlsConnectionIsInfoAndOtherErrorsStayErrors) {
  in_child([] {
    auto core = FdCore::create(server_config(kHssId, free_loopback_port(), ""));
    ASSERT_TRUE(core) << core.error().what();  // registers the log handler
    std::ostringstream out;
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_st>(out);
    sink->set_pattern("%l %v");
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("t", sink));
    spdlog::set_level(spdlog::level::trace);
    FdCore::set_log_level(FD_LOG_NOTICE);  // the daemons' threshold below log level debug
    fd_log(FD_LOG_ERROR, "ERROR: in '(fd_tls_rcvthr_core(conn, conn->cc_tls_para.session))' :\t%s",
           "Transport endpoint is not connected");
    fd_log(FD_LOG_ERROR, "ERROR: in '(%s)' :\t%s", "fd_cnx_send(conn, buf, len)", "Broken pipe");
    const std::string text = out.str();
    EXPECT_NE(text.find("info freeDiameter: a peer closed its TLS connection (ERROR: in "
                        "'(fd_tls_rcvthr_core"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("error freeDiameter: ERROR: in '(fd_cnx_send(conn, buf, len))' :\tBroken "
                        "pipe"),
              std::string::npos)
        << text;
    EXPECT_EQ(text.find("error freeDiameter: ERROR: in '(fd_tls_rcvthr_core"), std::string::npos)
        << text;
  });
}

// freeDiameter hands every line to the handler, its per-message debug lines included; the
// handler keeps only those at or above freeDiameter's threshold (the daemon's log level).
TEST(FdLog, LinesBelowTheThresholdAreDroppedAndDebugLinesShowOnceItIsLowered) {
  in_child([] {
    auto core = FdCore::create(server_config(kHssId, free_loopback_port(), ""));
    ASSERT_TRUE(core) << core.error().what();
    std::ostringstream out;
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_st>(out);
    sink->set_pattern("%l %v");
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("t", sink));
    spdlog::set_level(spdlog::level::trace);
    FdCore::set_log_level(FD_LOG_NOTICE);
    fd_log(FD_LOG_DEBUG, "per-message line %d", 1);
    EXPECT_EQ(out.str().find("per-message line"), std::string::npos) << out.str();
    FdCore::set_log_level(FD_LOG_DEBUG);  // what a reload to log level debug does
    fd_log(FD_LOG_DEBUG, "per-message line %d", 2);
    EXPECT_NE(out.str().find("debug freeDiameter: per-message line 2"), std::string::npos)
        << out.str();
  });
}

}  // namespace
}  // namespace kmebind::diameter
