#include "net/logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <filesystem>

namespace kmebind::net {

Result<spdlog::level::level_enum> parse_log_level(std::string_view level) {
  using spdlog::level::level_enum;
  if (level == "trace") return level_enum::trace;
  if (level == "debug") return level_enum::debug;
  if (level == "info") return level_enum::info;
  if (level == "warn" || level == "warning") return level_enum::warn;
  if (level == "error") return level_enum::err;
  if (level == "critical") return level_enum::critical;
  if (level == "off") return level_enum::off;
  return fail(Code::kInvalidArgument, "log level '" + std::string(level) +
                                          "' is not one of trace, debug, info, warn, error, "
                                          "critical, off");
}

Result<std::shared_ptr<spdlog::logger>> setup_logging(const LogOptions& options) {
  auto level = parse_log_level(options.level);
  if (!level) return std::unexpected(level.error());
  spdlog::sink_ptr sink;
  try {
    if (options.file.empty()) {
      sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    } else {
      // spdlog would create missing directories; a typo in the path should be an error instead.
      const auto dir = std::filesystem::path(options.file).parent_path();
      std::error_code ec;
      if (!dir.empty() && !std::filesystem::is_directory(dir, ec)) {
        return fail(Code::kIo, "cannot open log file " + options.file + ": directory " +
                                   dir.string() + " does not exist");
      }
      sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(options.file, false);
    }
  } catch (const spdlog::spdlog_ex& e) {
    return fail(Code::kIo, "cannot open log file " + options.file + ": " + e.what());
  }
  sink->set_formatter(std::make_unique<spdlog::pattern_formatter>(std::string(kLogPattern),
                                                                  spdlog::pattern_time_type::utc));
  auto logger = std::make_shared<spdlog::logger>(options.role.empty() ? "kmebind" : options.role,
                                                 std::move(sink));
  logger->set_level(*level);
  logger->flush_on(spdlog::level::trace);  // every line reaches the file at once
  spdlog::set_default_logger(logger);
  return logger;
}

}  // namespace kmebind::net
