// Peer-chosen text in log lines (diameter/log_text.h): one line, printable ASCII, bounded.
#include "diameter/log_text.h"

#include <gtest/gtest.h>

#include <string>

namespace kmebind::diameter::detail {
namespace {

TEST(LogText, ControlOctetsAndNonAsciiBecomeQuestionMarks) {
  const std::string forged = "hss.kmebind.test\n2026-11-28 [critical] forged\x1b[2J\x7f\xc3\xa9";
  const std::string shown = printable(forged);
  EXPECT_EQ(shown, "hss.kmebind.test?2026-11-28 [critical] forged?[2J???");
  EXPECT_EQ(shown.find('\n'), std::string::npos);
}

TEST(LogText, PrintableTextIsKeptAsIs) {
  EXPECT_EQ(printable(std::string_view("cnn-1.epc.mnc001.mcc001.3gppnetwork.org")),
            "cnn-1.epc.mnc001.mcc001.3gppnetwork.org");
  EXPECT_EQ(printable(std::string_view()), "");
}

TEST(LogText, LongTextIsCutAt255AndNullIsAQuestionMark) {
  EXPECT_EQ(printable(std::string(1000, 'a')).size(), 255u);
  EXPECT_EQ(printable(nullptr), "?");
  EXPECT_EQ(printable(nullptr, 5), "?");
  const char with_nul[] = {'a', '\0', 'b'};
  EXPECT_EQ(printable(with_nul, sizeof with_nul), "a?b");
}

}  // namespace
}  // namespace kmebind::diameter::detail
