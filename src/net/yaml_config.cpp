#include "net/yaml_config.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

namespace kmebind::net {
namespace {

constexpr std::size_t kEchoMax = 40;

std::string echo(std::string_view value) {
  std::string out(value.substr(0, kEchoMax));
  if (value.size() > kEchoMax) out += "...";
  return "'" + out + "'";
}

std::string kind_of(const YAML::Node& n) {
  if (!n.IsDefined() || n.IsNull()) return "nothing";
  if (n.IsMap()) return "a map";
  if (n.IsSequence()) return "a list";
  return "a scalar";
}

// What a value error shows as "got ...": the text of a scalar, else its kind.
std::string got(const YAML::Node& n) {
  return n.IsScalar() ? echo(n.Scalar()) : kind_of(n);
}

std::vector<std::string_view> split_path(std::string_view key) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (;;) {
    const std::size_t dot = key.find('.', start);
    parts.push_back(key.substr(start, dot - start));
    if (dot == std::string_view::npos) return parts;
    start = dot + 1;
  }
}

// Runs `f`, turning any exception (yaml-cpp throws on misuse and odd input) into an error.
template <class F>
auto guarded(const ConfigNode& node, std::string_view key, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const std::exception& e) {
    return std::unexpected(
        node.error(node.line(), node.child_path(key), std::string("YAML error: ") + e.what()));
  }
}

struct Found {
  std::optional<ConfigNode> node;
  int line = 0;  // of the deepest key that exists, for "missing" messages
};

Result<Found> walk(const ConfigNode& start, std::string_view key, bool null_is_missing) {
  ConfigNode cur = start;
  for (std::string_view part : split_path(key)) {
    const YAML::Node& y = cur.yaml();
    if (!y.IsDefined() || y.IsNull()) return Found{std::nullopt, cur.line()};
    if (!y.IsMap()) {
      return std::unexpected(
          cur.error(cur.line(), cur.path(), "expected a map, got " + kind_of(y)));
    }
    std::optional<ConfigNode> next;
    for (auto it = y.begin(); it != y.end(); ++it) {
      if (it->first.IsScalar() && it->first.Scalar() == part) {
        next = cur.child(it->second, cur.child_path(part), it->first.Mark().line + 1);
        break;
      }
    }
    if (!next) return Found{std::nullopt, cur.line()};
    cur = *next;  // rebinds (ConfigNode::operator=)
  }
  if (null_is_missing && cur.yaml().IsNull()) return Found{std::nullopt, cur.line()};
  return Found{cur, cur.line()};
}

Error missing(const ConfigNode& node, std::string_view key, int line) {
  return node.error(line, node.child_path(key), "missing (required)");
}

// The required scalar at `key`: errors when it is missing, empty, a map or a list.
Result<ConfigNode> scalar_at(const ConfigNode& node, std::string_view key,
                             std::string_view expected) {
  auto found = walk(node, key, true);
  if (!found) return std::unexpected(found.error());
  if (!found->node) return std::unexpected(missing(node, key, found->line));
  const ConfigNode& v = *found->node;
  if (!v.yaml().IsScalar()) {
    return std::unexpected(v.error(
        v.line(), v.path(), "expected " + std::string(expected) + ", got " + kind_of(v.yaml())));
  }
  return v;
}

// The required node at `key` of any kind.
Result<ConfigNode> node_at(const ConfigNode& node, std::string_view key) {
  auto found = walk(node, key, true);
  if (!found) return std::unexpected(found.error());
  if (!found->node) return std::unexpected(missing(node, key, found->line));
  return *found->node;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

std::string format_duration(std::chrono::milliseconds d) {
  const auto ms = d.count();
  if (ms != 0 && ms % 3'600'000 == 0) return std::to_string(ms / 3'600'000) + "h";
  if (ms != 0 && ms % 60'000 == 0) return std::to_string(ms / 60'000) + "m";
  if (ms != 0 && ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

// Plain decimal: an optional '-' (signed types only), no '+', no leading zero, no other base.
template <class Int>
std::optional<Int> parse_integer(std::string_view text) {
  const std::string_view digits = text.starts_with('-') ? text.substr(1) : text;
  if (digits.empty() || (digits.size() > 1 && digits[0] == '0')) return std::nullopt;
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  Int value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// Parses "<digits><unit>". nullopt when it does not match or overflows.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  const auto number = parse_integer<std::int64_t>(text.substr(0, digits));
  if (!number) return std::nullopt;
  const std::string_view unit = text.substr(digits);
  std::int64_t scale = 0;
  if (unit == "ms") scale = 1;
  if (unit == "s") scale = 1000;
  if (unit == "m") scale = 60'000;
  if (unit == "h") scale = 3'600'000;
  if (scale == 0 || *number > INT64_MAX / scale) return std::nullopt;
  return std::chrono::milliseconds(*number * scale);
}

}  // namespace

std::string ConfigNode::child_path(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

Error ConfigNode::error(int line, std::string_view path, std::string_view problem) const {
  std::string message = source();
  if (line > 0) message += ":" + std::to_string(line);
  message += ": ";
  if (!path.empty()) message += std::string(path) + ": ";
  message += problem;
  return Error(Code::kInvalidArgument, std::move(message));
}

Result<YamlDoc> parse_yaml(std::string_view text, std::string source) {
  try {
    YAML::Node root = YAML::Load(std::string(text));
    return YamlDoc(root, std::move(source));
  } catch (const YAML::Exception& e) {
    std::string message = source;
    if (e.mark.line >= 0) message += ":" + std::to_string(e.mark.line + 1);
    return fail(Code::kInvalidArgument, message + ": malformed YAML: " + e.msg);
  } catch (const std::exception& e) {
    return fail(Code::kInvalidArgument, source + ": malformed YAML: " + e.what());
  }
}

Result<YamlDoc> load_yaml(const std::filesystem::path& path) {
  // An ifstream opens a directory and reads nothing, which parses as an empty document.
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return fail(Code::kIo, "cannot read " + path.string() + ": it is a directory, not a file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(Code::kIo, "cannot read " + path.string() + ": " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return fail(Code::kIo, "cannot read " + path.string());
  return parse_yaml(text.str(), path.string());
}

Status check_keys(const ConfigNode& map, std::initializer_list<std::string_view> allowed) {
  return guarded(map, "", [&]() -> Status {
    const YAML::Node& y = map.yaml();
    if (!y.IsDefined() || y.IsNull()) return {};
    if (!y.IsMap()) {
      return std::unexpected(
          map.error(map.line(), map.path(), "expected a map, got " + kind_of(y)));
    }
    std::vector<std::pair<std::string, int>> seen;
    for (auto it = y.begin(); it != y.end(); ++it) {
      const int line = it->first.Mark().line + 1;
      if (!it->first.IsScalar()) {
        return std::unexpected(map.error(line, map.path(), "a key must be a plain name"));
      }
      const std::string& name = it->first.Scalar();
      for (const auto& [other, other_line] : seen) {
        if (other == name) {
          return std::unexpected(
              map.error(line, map.child_path(name),
                        "duplicate key (first at line " + std::to_string(other_line) + ")"));
        }
      }
      seen.emplace_back(name, line);
      if (std::find(allowed.begin(), allowed.end(), name) != allowed.end()) continue;
      std::string_view best;
      std::size_t best_distance = SIZE_MAX;
      for (std::string_view candidate : allowed) {
        const std::size_t d = edit_distance(name, candidate);
        if (d < best_distance) best_distance = d, best = candidate;
      }
      std::string hint;
      if (!best.empty() && best_distance <= std::max<std::size_t>(2, best.size() / 3)) {
        hint = " (did you mean '" + std::string(best) + "'?)";
      } else {
        hint = " (allowed:";
        for (std::string_view a : allowed) hint += " " + std::string(a);
        hint += ")";
      }
      return std::unexpected(map.error(line, map.child_path(name), "unknown key" + hint));
    }
    return {};
  });
}

bool has_key(const ConfigNode& node, std::string_view key) {
  auto found = guarded(node, key, [&] { return walk(node, key, false); });
  return found && found->node.has_value();
}

namespace detail {

Result<bool> has_value(const ConfigNode& node, std::string_view key) {
  return guarded(node, key, [&]() -> Result<bool> {
    auto found = walk(node, key, true);
    if (!found) return std::unexpected(found.error());
    return found->node.has_value();
  });
}

Result<std::string> get_enum_span(const ConfigNode& node, std::string_view key,
                                  std::span<const std::string_view> allowed) {
  std::string options;
  for (std::string_view a : allowed) options += (options.empty() ? "" : ", ") + std::string(a);
  const std::string expected = "one of " + options;
  return guarded(node, key, [&]() -> Result<std::string> {
    auto v = scalar_at(node, key, expected);
    if (!v) return std::unexpected(v.error());
    const std::string& text = v->yaml().Scalar();
    if (std::find(allowed.begin(), allowed.end(), text) == allowed.end()) {
      return std::unexpected(
          v->error(v->line(), v->path(), "expected " + expected + ", got " + echo(text)));
    }
    return text;
  });
}

}  // namespace detail

Result<std::string> get_string(const ConfigNode& node, std::string_view key) {
  return guarded(node, key, [&]() -> Result<std::string> {
    auto v = scalar_at(node, key, "a string");
    if (!v) return std::unexpected(v.error());
    if (v->yaml().Scalar().empty()) {
      return std::unexpected(v->error(v->line(), v->path(), "expected a non-empty string"));
    }
    return v->yaml().Scalar();
  });
}

Result<std::uint64_t> get_uint(const ConfigNode& node, std::string_view key, std::uint64_t min,
                               std::uint64_t max) {
  const std::string expected = "an integer " + std::to_string(min) + ".." + std::to_string(max);
  return guarded(node, key, [&]() -> Result<std::uint64_t> {
    auto v = scalar_at(node, key, expected);
    if (!v) return std::unexpected(v.error());
    const std::string& text = v->yaml().Scalar();
    const auto n = parse_integer<std::uint64_t>(text);
    if (!n || *n < min || *n > max) {
      return std::unexpected(
          v->error(v->line(), v->path(), "expected " + expected + ", got " + echo(text)));
    }
    return *n;
  });
}

Result<std::int64_t> get_int(const ConfigNode& node, std::string_view key, std::int64_t min,
                             std::int64_t max) {
  const std::string expected = "an integer " + std::to_string(min) + ".." + std::to_string(max);
  return guarded(node, key, [&]() -> Result<std::int64_t> {
    auto v = scalar_at(node, key, expected);
    if (!v) return std::unexpected(v.error());
    const std::string& text = v->yaml().Scalar();
    const auto n = parse_integer<std::int64_t>(text);
    if (!n || *n < min || *n > max) {
      return std::unexpected(
          v->error(v->line(), v->path(), "expected " + expected + ", got " + echo(text)));
    }
    return *n;
  });
}

Result<bool> get_bool(const ConfigNode& node, std::string_view key) {
  return guarded(node, key, [&]() -> Result<bool> {
    auto v = scalar_at(node, key, "true or false");
    if (!v) return std::unexpected(v.error());
    const std::string& text = v->yaml().Scalar();
    if (text == "true" || text == "True" || text == "TRUE") return true;
    if (text == "false" || text == "False" || text == "FALSE") return false;
    return std::unexpected(
        v->error(v->line(), v->path(), "expected true or false, got " + echo(text)));
  });
}

Result<std::string> get_enum(const ConfigNode& node, std::string_view key,
                             std::initializer_list<std::string_view> allowed) {
  return detail::get_enum_span(node, key,
                               std::span<const std::string_view>(allowed.begin(), allowed.size()));
}

Result<std::chrono::milliseconds> get_duration(const ConfigNode& node, std::string_view key,
                                               std::chrono::milliseconds min,
                                               std::chrono::milliseconds max) {
  const std::string expected = "a duration with unit ms, s, m or h (e.g. 300s) within " +
                               format_duration(min) + ".." + format_duration(max);
  return guarded(node, key, [&]() -> Result<std::chrono::milliseconds> {
    auto v = scalar_at(node, key, expected);
    if (!v) return std::unexpected(v.error());
    const std::string& text = v->yaml().Scalar();
    const auto d = parse_duration(text);
    if (!d || *d < min || *d > max) {
      return std::unexpected(
          v->error(v->line(), v->path(), "expected " + expected + ", got " + echo(text)));
    }
    return *d;
  });
}

Result<std::vector<ConfigNode>> get_list(const ConfigNode& node, std::string_view key) {
  return guarded(node, key, [&]() -> Result<std::vector<ConfigNode>> {
    auto found = node_at(node, key);
    if (!found) return std::unexpected(found.error());
    const ConfigNode& v = *found;
    if (!v.yaml().IsSequence()) {
      return std::unexpected(v.error(v.line(), v.path(), "expected a list, got " + got(v.yaml())));
    }
    std::vector<ConfigNode> items;
    std::size_t i = 0;
    for (const auto& item : v.yaml()) {
      const int line = item.Mark().line >= 0 ? item.Mark().line + 1 : v.line();
      items.push_back(v.child(item, v.path() + "[" + std::to_string(i++) + "]", line));
    }
    return items;
  });
}

Result<std::vector<std::string>> get_string_list(const ConfigNode& node, std::string_view key) {
  auto items = get_list(node, key);
  if (!items) return std::unexpected(items.error());
  std::vector<std::string> out;
  for (const ConfigNode& item : *items) {
    if (!item.yaml().IsScalar()) {
      return std::unexpected(
          item.error(item.line(), item.path(), "expected a string, got " + kind_of(item.yaml())));
    }
    out.push_back(item.yaml().Scalar());
  }
  return out;
}

Result<ConfigNode> get_map(const ConfigNode& node, std::string_view key) {
  return guarded(node, key, [&]() -> Result<ConfigNode> {
    auto found = node_at(node, key);
    if (!found) return std::unexpected(found.error());
    const ConfigNode& v = *found;
    if (!v.yaml().IsMap()) {
      return std::unexpected(v.error(v.line(), v.path(), "expected a map, got " + got(v.yaml())));
    }
    return v;
  });
}

Result<std::optional<ConfigNode>> find_map(const ConfigNode& node, std::string_view key) {
  auto present = detail::has_value(node, key);
  if (!present) return std::unexpected(present.error());
  if (!*present) return std::optional<ConfigNode>();
  auto map = get_map(node, key);
  if (!map) return std::unexpected(map.error());
  return std::optional<ConfigNode>(std::move(*map));
}

namespace {

// Optional variants: the default when missing or empty, else the required getter.
template <class T, class F>
Result<T> or_default(const ConfigNode& node, std::string_view key, T def, F&& required) {
  auto present = detail::has_value(node, key);
  if (!present) return std::unexpected(present.error());
  if (!*present) return def;
  return required();
}

}  // namespace

Result<std::string> get_string_or(const ConfigNode& node, std::string_view key, std::string def) {
  return or_default(node, key, std::move(def), [&] { return get_string(node, key); });
}
Result<std::uint64_t> get_uint_or(const ConfigNode& node, std::string_view key, std::uint64_t min,
                                  std::uint64_t max, std::uint64_t def) {
  return or_default(node, key, def, [&] { return get_uint(node, key, min, max); });
}
Result<std::int64_t> get_int_or(const ConfigNode& node, std::string_view key, std::int64_t min,
                                std::int64_t max, std::int64_t def) {
  return or_default(node, key, def, [&] { return get_int(node, key, min, max); });
}
Result<bool> get_bool_or(const ConfigNode& node, std::string_view key, bool def) {
  return or_default(node, key, def, [&] { return get_bool(node, key); });
}
Result<std::string> get_enum_or(const ConfigNode& node, std::string_view key,
                                std::initializer_list<std::string_view> allowed, std::string def) {
  return or_default(node, key, std::move(def), [&] { return get_enum(node, key, allowed); });
}
Result<std::chrono::milliseconds> get_duration_or(const ConfigNode& node, std::string_view key,
                                                  std::chrono::milliseconds min,
                                                  std::chrono::milliseconds max,
                                                  std::chrono::milliseconds def) {
  return or_default(node, key, def, [&] { return get_duration(node, key, min, max); });
}
Result<std::vector<std::string>> get_string_list_or(const ConfigNode& node, std::string_view key,
                                                    std::vector<std::string> def) {
  return or_default(node, key, std::move(def), [&] { return get_string_list(node, key); });
}

}  // namespace kmebind::net
