// Helpers on yaml-cpp for the daemons' YAML configuration (docs/operations.md §5). Every error is
// kInvalidArgument with a message naming the file, the line, the key path and the problem:
//
//   hss.yaml:12: diameter.port: expected an integer 1..65535, got 'abc'
//   hss.yaml:7: diameter.listen_adress: unknown key (did you mean 'listen_address'?)
//
// No yaml-cpp exception leaves these functions. Key paths are dotted ("diameter.port") and are
// looked up below a ConfigNode, which carries its own path for messages ("diameter.peers[1]").
// Values echoed in messages are cut to 40 characters; string getters never echo the value (a
// string may be a key or a password).
//
// Thread safety: a YamlDoc and its ConfigNodes may be read from one thread at a time.
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"

namespace kmebind::net {

// A YAML node with what error messages need: the file name, the node's key path and the line of
// the key that named it.
class ConfigNode {
 public:
  // YAML::Node has no move constructor: it is taken by reference and copied once.
  ConfigNode(const YAML::Node& node, std::string path, std::shared_ptr<const std::string> source,
             int line)
      : node_(node), path_(std::move(path)), source_(std::move(source)), line_(line) {}
  ConfigNode(const ConfigNode&) = default;
  // YAML::Node's operator= assigns into the node it refers to (it would overwrite the document);
  // a ConfigNode rebinds instead.
  ConfigNode& operator=(const ConfigNode& other) {
    if (this == &other) return *this;
    node_.reset(other.node_);
    path_ = other.path_;
    source_ = other.source_;
    line_ = other.line_;
    return *this;
  }

  const YAML::Node& yaml() const { return node_; }
  const std::string& path() const { return path_; }  // "" for the document root
  const std::string& source() const { return *source_; }
  int line() const { return line_; }  // 1-based; 0 when unknown (the root)

  // The path of `key` below this node ("diameter" + "port" → "diameter.port").
  std::string child_path(std::string_view key) const;
  // A node below this one, in the same file.
  ConfigNode child(const YAML::Node& node, std::string path, int line) const {
    return ConfigNode(node, std::move(path), source_, line);
  }
  // "source:line: path: problem" (":line" left out when line is 0, "path: " when path is empty).
  Error error(int line, std::string_view path, std::string_view problem) const;

 private:
  YAML::Node node_;
  std::string path_;
  std::shared_ptr<const std::string> source_;
  int line_;
};

// A parsed YAML document.
class YamlDoc {
 public:
  YamlDoc(const YAML::Node& root, std::string source)
      : root_(root), source_(std::make_shared<const std::string>(std::move(source))) {}
  YamlDoc(const YamlDoc&) = default;
  // Rebinds (see ConfigNode::operator=).
  YamlDoc& operator=(const YamlDoc& other) {
    if (this == &other) return *this;
    root_.reset(other.root_);
    source_ = other.source_;
    return *this;
  }
  // The top-level node (a map in a well-formed config; check_keys/get_* report otherwise).
  ConfigNode root() const { return ConfigNode(root_, "", source_, 0); }
  const std::string& source() const { return *source_; }

 private:
  YAML::Node root_;
  std::shared_ptr<const std::string> source_;
};

// Reads and parses a file; messages name it as given. Fails with kIo when it cannot be read,
// kInvalidArgument ("hss.yaml:5: malformed YAML: ...") when it does not parse.
Result<YamlDoc> load_yaml(const std::filesystem::path& path);
// Parses text; `source` names it in messages.
Result<YamlDoc> parse_yaml(std::string_view text, std::string source);

// Fails if `map` holds a key not in `allowed` (naming it, its line and the closest allowed key),
// a key twice, or is not a map. A missing or empty (null) node passes: it has no keys.
Status check_keys(const ConfigNode& map, std::initializer_list<std::string_view> allowed);

// True if the key path exists below `node` (even with an empty value).
bool has_key(const ConfigNode& node, std::string_view key);

// Required values: fail when the key is missing, empty, or of the wrong type or range.
Result<std::string> get_string(const ConfigNode& node, std::string_view key);
Result<std::uint64_t> get_uint(const ConfigNode& node, std::string_view key, std::uint64_t min,
                               std::uint64_t max);
Result<std::int64_t> get_int(const ConfigNode& node, std::string_view key, std::int64_t min,
                             std::int64_t max);
// YAML 1.2 core booleans only: true/false (also True, TRUE, False, FALSE); not yes/no/on/off.
Result<bool> get_bool(const ConfigNode& node, std::string_view key);
// One of `allowed` (exact, case-sensitive); returns it.
Result<std::string> get_enum(const ConfigNode& node, std::string_view key,
                             std::initializer_list<std::string_view> allowed);
// An integer with a unit: ms, s, m or h ("300s", "500ms", "5m"), within [min, max].
Result<std::chrono::milliseconds> get_duration(const ConfigNode& node, std::string_view key,
                                               std::chrono::milliseconds min,
                                               std::chrono::milliseconds max);
// A sequence of strings (a single string is refused: write [x] for one item).
Result<std::vector<std::string>> get_string_list(const ConfigNode& node, std::string_view key);
// A map (a section).
Result<ConfigNode> get_map(const ConfigNode& node, std::string_view key);
// A sequence; each item's path is key[i].
Result<std::vector<ConfigNode>> get_list(const ConfigNode& node, std::string_view key);

// Optional values: the default when the key is missing or its value is empty (null); the same
// errors as above for a value of the wrong type or range.
Result<std::string> get_string_or(const ConfigNode& node, std::string_view key, std::string def);
Result<std::uint64_t> get_uint_or(const ConfigNode& node, std::string_view key, std::uint64_t min,
                                  std::uint64_t max, std::uint64_t def);
Result<std::int64_t> get_int_or(const ConfigNode& node, std::string_view key, std::int64_t min,
                                std::int64_t max, std::int64_t def);
Result<bool> get_bool_or(const ConfigNode& node, std::string_view key, bool def);
Result<std::string> get_enum_or(const ConfigNode& node, std::string_view key,
                                std::initializer_list<std::string_view> allowed, std::string def);
Result<std::chrono::milliseconds> get_duration_or(const ConfigNode& node, std::string_view key,
                                                  std::chrono::milliseconds min,
                                                  std::chrono::milliseconds max,
                                                  std::chrono::milliseconds def);
Result<std::vector<std::string>> get_string_list_or(const ConfigNode& node, std::string_view key,
                                                    std::vector<std::string> def);
// A missing section is nullopt.
Result<std::optional<ConfigNode>> find_map(const ConfigNode& node, std::string_view key);

// get_enum mapped to a value (name T explicitly):
//   get_enum_as<Transport>(node, "transport", {{"tls", Transport::kTls}, {"tcp", Transport::kTcp}})
template <class T>
Result<T> get_enum_as(const ConfigNode& node, std::string_view key,
                      std::initializer_list<std::pair<std::string_view, T>> options);
template <class T>
Result<T> get_enum_as_or(const ConfigNode& node, std::string_view key,
                         std::initializer_list<std::pair<std::string_view, T>> options, T def);

namespace detail {
Result<std::string> get_enum_span(const ConfigNode& node, std::string_view key,
                                  std::span<const std::string_view> allowed);
// True when the key path has a non-empty value; an error when a step of the path is not a map.
Result<bool> has_value(const ConfigNode& node, std::string_view key);
}  // namespace detail

template <class T>
Result<T> get_enum_as(const ConfigNode& node, std::string_view key,
                      std::initializer_list<std::pair<std::string_view, T>> options) {
  std::vector<std::string_view> names;
  for (const auto& option : options) names.push_back(option.first);
  auto text = detail::get_enum_span(node, key, names);
  if (!text) return std::unexpected(text.error());
  for (const auto& option : options) {
    if (option.first == *text) return option.second;
  }
  // Unreachable: get_enum_span returns one of `names`.
  return std::unexpected(node.error(0, node.child_path(key), "internal error: enum option lost"));
}

template <class T>
Result<T> get_enum_as_or(const ConfigNode& node, std::string_view key,
                         std::initializer_list<std::pair<std::string_view, T>> options, T def) {
  auto present = detail::has_value(node, key);
  if (!present) return std::unexpected(present.error());
  if (!*present) return def;
  return get_enum_as(node, key, options);
}

}  // namespace kmebind::net
