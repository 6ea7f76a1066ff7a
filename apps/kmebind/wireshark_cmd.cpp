// `kmebind wireshark-dictionary`: prints the Wireshark Diameter dictionary fragment for kmebind's
// KME command and AVPs (diameter/wireshark_dictionary.h) on stdout, for
// scripts/wireshark-dictionary.sh to install (docs/diameter.md "Reading captures in Wireshark").
#include <charconv>
#include <iostream>
#include <memory>
#include <string>

#include "command.h"
#include "diameter/dictionary.h"
#include "diameter/wireshark_dictionary.h"

namespace kmebind::app {
namespace {

int print_dictionary(const std::string& code_text) {
  std::uint32_t code = diameter::kDefaultKmeCommandCode;
  if (!code_text.empty()) {
    const auto [end, ec] =
        std::from_chars(code_text.data(), code_text.data() + code_text.size(), code);
    if (ec != std::errc() || end != code_text.data() + code_text.size()) {
      return usage_error(
          "wireshark-dictionary",
          "--kme-command-code: expected a decimal number, got \"" + code_text + "\"");
    }
  }
  auto xml = diameter::wireshark_dictionary_xml(code);
  if (!xml) {
    return usage_error("wireshark-dictionary", "--kme-command-code: " + xml.error().message());
  }
  std::cout << *xml << std::flush;
  return std::cout ? kExitOk : kExitFailure;
}

void setup(CLI::App& root, int* exit_code) {
  auto code = std::make_shared<std::string>();
  CLI::App* cmd = root.add_subcommand(
      "wireshark-dictionary",
      "Print a Wireshark Diameter dictionary fragment for kmebind's S6a extension: the\n"
      "KME-Request/Answer command and the KME AVPs (vendor 32473) with their types and values,\n"
      "so that Wireshark decodes them instead of showing \"Unknown AVP\".\n"
      "scripts/wireshark-dictionary.sh installs it (docs/diameter.md, \"Reading captures in\n"
      "Wireshark\"). Exit codes: 0 ok, 1 output failed, 2 bad arguments.");
  cmd->add_option("--kme-command-code", *code,
                  "the KME command code, as diameter.kme_command_code in hss.yaml/cnn.yaml "
                  "(default 16777214)")
      ->type_name("N");
  cmd->callback([code, exit_code] { *exit_code = print_dictionary(*code); });
}

}  // namespace

KMEBIND_COMMAND("wireshark-dictionary", 70, setup);

}  // namespace kmebind::app
