// JSON exchange files, read as a stream (SAX) so that a million subscribers need no DOM of the
// whole file and every row keeps the line it started on.
#include "store/exchange_json.h"

#include <iterator>
#include <nlohmann/json.hpp>

#include "store/exchange_fields.h"

namespace kmebind::store::exchange {
namespace {

using nlohmann::json;

constexpr std::string_view kFormatName = "kmebind-subscribers";
constexpr int kFormatVersion = 1;

// An input iterator over a stream that counts the newlines it has passed.
class LineCountingIterator {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = char;

  LineCountingIterator() = default;
  LineCountingIterator(std::istream& in, std::size_t* newlines) : it_(in), newlines_(newlines) {}
  char operator*() const { return *it_; }
  LineCountingIterator& operator++() {
    if (*it_ == '\n') ++*newlines_;
    ++it_;
    return *this;
  }
  LineCountingIterator operator++(int) {
    auto copy = *this;
    ++*this;
    return copy;
  }
  bool operator==(const LineCountingIterator& o) const { return it_ == o.it_; }

 private:
  std::istreambuf_iterator<char> it_;
  std::size_t* newlines_ = nullptr;
};

Result<std::string> get_string(const json& obj, const char* name, bool required) {
  auto it = obj.find(name);
  if (it == obj.end() || it->is_null()) {
    if (required) return fail(Code::kInvalidArgument, std::string(name) + ": missing");
    return std::string();
  }
  if (!it->is_string()) return fail(Code::kInvalidArgument, std::string(name) + ": must be a string");
  return it->get<std::string>();
}

Result<ExchangeSubscriber> decode_subscriber(const json& o) {
  if (!o.is_object()) return fail(Code::kInvalidArgument, "subscriber: must be an object");
  for (const auto& [key, value] : o.items()) {
    static const std::array<std::string_view, 9> known = {
        "imsi", "k", "opc", "amf", "sqn", "binding_mode", "procedures", "kme_renewal", "imeis"};
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      return fail(Code::kInvalidArgument, "unknown field '" + key + "'");
    }
  }
  ExchangeSubscriber row;
  SubscriberRecord& r = row.record;
  auto imsi = get_string(o, "imsi", true);
  if (!imsi) return std::unexpected(imsi.error());
  r.imsi = std::move(*imsi);
  for (auto [name, dest] : {std::pair{"k", &r.k}, std::pair{"opc", &r.opc}}) {
    auto hex = get_string(o, name, false);
    if (!hex) return std::unexpected(hex.error());
    auto key = parse_key_field(*hex, name);
    if (!key) return std::unexpected(key.error());
    *dest = std::move(*key);
  }
  if (auto amf = get_string(o, "amf", false); !amf) {
    return std::unexpected(amf.error());
  } else if (!amf->empty()) {
    auto v = parse_amf(*amf);
    if (!v) return std::unexpected(v.error());
    r.amf = *v;
  }
  if (auto it = o.find("sqn"); it != o.end()) {
    if (!it->is_number_unsigned() || it->get<std::uint64_t>() > kSqnMax) {
      return fail(Code::kInvalidArgument, "sqn: must be a number below 2^48");
    }
    r.sqn = it->get<std::uint64_t>();
  }
  if (auto mode = get_string(o, "binding_mode", false); !mode) {
    return std::unexpected(mode.error());
  } else if (!mode->empty()) {
    auto m = parse_binding_mode(*mode);
    if (!m) return fail(Code::kInvalidArgument, "binding_mode: " + m.error().message());
    r.binding_mode = *m;
  }
  if (auto it = o.find("procedures"); it != o.end()) {
    if (!it->is_array()) return fail(Code::kInvalidArgument, "procedures: must be an array of 1 and 2");
    r.procedure1_allowed = r.procedure2_allowed = false;
    for (const auto& p : *it) {
      if (p == 1 && !r.procedure1_allowed) {
        r.procedure1_allowed = true;
      } else if (p == 2 && !r.procedure2_allowed) {
        r.procedure2_allowed = true;
      } else {
        return fail(Code::kInvalidArgument, "procedures: must be an array of 1 and 2");
      }
    }
  }
  if (auto it = o.find("kme_renewal"); it != o.end()) {
    if (!it->is_boolean()) return fail(Code::kInvalidArgument, "kme_renewal: must be true or false");
    r.kme_renewal_requested = it->get<bool>();
  }
  if (auto it = o.find("imeis"); it != o.end()) {
    if (!it->is_array()) return fail(Code::kInvalidArgument, "imeis: must be an array of strings");
    for (const auto& i : *it) {
      if (!i.is_string()) return fail(Code::kInvalidArgument, "imeis: must be an array of strings");
      row.imeis.push_back(i.get<std::string>());
    }
  }
  if (auto st = check_subscriber_row(row); !st) return std::unexpected(st.error());
  return row;
}

Result<DeviceRecord> decode_device(const json& o) {
  if (!o.is_object()) return fail(Code::kInvalidArgument, "device: must be an object");
  for (const auto& [key, value] : o.items()) {
    static const std::array<std::string_view, 5> known = {"imei", "enc_profile", "enc_public_key",
                                                          "sig_alg", "sig_public_key"};
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      return fail(Code::kInvalidArgument, "unknown field '" + key + "'");
    }
  }
  DeviceRecord d;
  std::array<std::string, 5> v;
  const std::array<const char*, 5> names = {"imei", "enc_profile", "enc_public_key", "sig_alg",
                                            "sig_public_key"};
  for (std::size_t i = 0; i < names.size(); ++i) {
    auto s = get_string(o, names[i], true);
    if (!s) return std::unexpected(s.error());
    v[i] = std::move(*s);
  }
  d.imei = v[0];
  auto profile = parse_enc_profile(v[1]);
  if (!profile) return fail(Code::kInvalidArgument, "enc_profile: " + profile.error().message());
  d.enc_profile = *profile;
  auto enc = parse_public_key_hex(v[2], "enc_public_key");
  if (!enc) return std::unexpected(enc.error());
  d.enc_public_key = std::move(*enc);
  auto alg = parse_sig_algorithm(v[3]);
  if (!alg) return fail(Code::kInvalidArgument, "sig_alg: " + alg.error().message());
  d.sig_alg = *alg;
  auto sig = parse_public_key_hex(v[4], "sig_public_key");
  if (!sig) return std::unexpected(sig.error());
  d.sig_public_key = std::move(*sig);
  if (auto st = check_device_row(d); !st) return std::unexpected(st.error());
  return d;
}

// Builds one array element at a time and hands it over when it closes. Depth 1 is the root
// object, 2 its "subscribers"/"devices" arrays, 3 and more an element.
class Sax : public nlohmann::json_sax<json> {
 public:
  Sax(const ExchangeHandler& handler, const std::size_t* newlines)
      : handler_(handler), newlines_(newlines) {}

  bool null() override { return scalar(json(nullptr)); }
  bool boolean(bool v) override { return scalar(json(v)); }
  bool number_integer(number_integer_t v) override { return scalar(json(v)); }
  bool number_unsigned(number_unsigned_t v) override { return scalar(json(v)); }
  bool number_float(number_float_t v, const string_t&) override { return scalar(json(v)); }
  bool string(string_t& v) override { return scalar(json(std::move(v))); }
  bool binary(binary_t&) override { return structure("binary values are not allowed"); }

  bool start_object(std::size_t) override {
    ++depth_;
    if (depth_ == 1) return true;
    if (!stack_.empty()) return open(json::object());
    if (depth_ == 3 && !array_.empty()) {
      element_ = json::object();
      element_line_ = *newlines_ + 1;
      stack_.push_back(&element_);
      return true;
    }
    return structure("unexpected object");
  }
  bool end_object() override {
    --depth_;
    if (stack_.empty()) return true;  // the root closed
    stack_.pop_back();
    return stack_.empty() ? deliver() : true;
  }
  bool start_array(std::size_t) override {
    ++depth_;
    if (!stack_.empty()) return open(json::array());
    if (depth_ == 2 && (root_key_ == "subscribers" || root_key_ == "devices")) {
      array_ = root_key_;
      return true;
    }
    return structure(depth_ == 1 ? "the file must be a JSON object" : "unexpected array");
  }
  bool end_array() override {
    --depth_;
    if (!stack_.empty()) {
      stack_.pop_back();
      return true;
    }
    array_.clear();
    return true;
  }
  bool key(string_t& k) override {
    if (!stack_.empty()) {
      key_ = k;
    } else if (depth_ == 1) {
      root_key_ = k;
    }
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) override {
    error_ = Error(Code::kMalformed, std::string("JSON syntax: ") + e.what());
    return false;
  }

  const std::optional<Error>& error() const { return error_; }
  bool saw_format() const { return format_ok_; }

 private:
  bool scalar(json v) {
    if (!stack_.empty()) {
      add(std::move(v));
      return true;
    }
    if (depth_ == 1) {
      if (root_key_ == "format") {
        if (v != kFormatName) return structure("\"format\" must be \"kmebind-subscribers\"");
        format_ok_ = true;
        return true;
      }
      if (root_key_ == "version") {
        if (v != kFormatVersion) return structure("\"version\" must be 1");
        return true;
      }
      return structure("unknown top-level field '" + root_key_ + "'");
    }
    if (depth_ == 2 && !array_.empty()) {
      // A scalar where an object belongs: a bad row, reading goes on.
      return report(*newlines_ + 1, array_ == "subscribers" ? "subscriber: must be an object"
                                                            : "device: must be an object");
    }
    return structure("unexpected value");
  }
  json* add(json v) {
    json* top = stack_.back();
    if (top->is_array()) {
      top->push_back(std::move(v));
      return &top->back();
    }
    json& slot = (*top)[key_];
    slot = std::move(v);
    return &slot;
  }
  bool open(json container) {
    stack_.push_back(add(std::move(container)));
    return true;
  }
  bool deliver() {
    Status st;
    if (array_ == "subscribers") {
      auto row = decode_subscriber(element_);
      if (!row) return report(element_line_, row.error().message());
      if (handler_.subscriber) st = handler_.subscriber(element_line_, std::move(*row));
    } else {
      auto row = decode_device(element_);
      if (!row) return report(element_line_, row.error().message());
      if (handler_.device) st = handler_.device(element_line_, std::move(*row));
    }
    element_ = json();
    if (!st) {
      error_ = st.error();
      return false;
    }
    return true;
  }
  bool report(std::size_t line, std::string reason) {
    element_ = json();
    if (!handler_.bad_row) return true;
    if (auto st = handler_.bad_row(RowError{line, std::move(reason)}); !st) {
      error_ = st.error();
      return false;
    }
    return true;
  }
  bool structure(const std::string& message) {
    error_ = Error(Code::kMalformed, "line " + std::to_string(*newlines_ + 1) + ": " + message);
    return false;
  }

  const ExchangeHandler& handler_;
  const std::size_t* newlines_;
  int depth_ = 0;
  std::string root_key_;
  std::string array_;  // "subscribers" | "devices" while inside one
  std::string key_;
  json element_;
  std::size_t element_line_ = 0;
  std::vector<json*> stack_;
  std::optional<Error> error_;
  bool format_ok_ = false;
};

}  // namespace

Status read_json(std::istream& in, const ExchangeHandler& handler) {
  std::size_t newlines = 0;
  Sax sax(handler, &newlines);
  LineCountingIterator first(in, &newlines);
  LineCountingIterator last;
  const bool ok = json::sax_parse(first, last, &sax);
  if (sax.error()) return std::unexpected(*sax.error());
  if (!ok) return fail(Code::kMalformed, "JSON syntax error");
  if (in.bad()) return fail(Code::kIo, "read error");
  if (!sax.saw_format()) {
    return fail(Code::kMalformed, "not a kmebind subscriber file (no \"format\": \"kmebind-subscribers\")");
  }
  return {};
}

namespace {

class JsonWriter final : public ExchangeWriter {
 public:
  explicit JsonWriter(std::ostream& out) : out_(out) {
    out_ << "{\n  \"format\": \"" << kFormatName << "\",\n  \"version\": " << kFormatVersion
         << ",\n  \"subscribers\": [";
  }

  Status subscriber(const SubscriberRecord& r, std::span<const std::string> imeis) override {
    nlohmann::ordered_json o = nlohmann::ordered_json::object();  // fields in documented order
    o["imsi"] = r.imsi;
    o["k"] = r.k.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(r.k.reveal_hex());
    o["opc"] = r.opc.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(r.opc.reveal_hex());
    o["amf"] = amf_hex(r.amf);
    o["sqn"] = r.sqn;
    o["binding_mode"] = std::string(to_string(r.binding_mode));
    nlohmann::ordered_json procedures = nlohmann::ordered_json::array();
    if (r.procedure1_allowed) procedures.push_back(1);
    if (r.procedure2_allowed) procedures.push_back(2);
    o["procedures"] = std::move(procedures);
    o["kme_renewal"] = r.kme_renewal_requested;
    o["imeis"] = std::vector<std::string>(imeis.begin(), imeis.end());
    out_ << (count_++ ? ",\n    " : "\n    ") << o.dump();
    return check();
  }

  Status device(const DeviceRecord& d) override {
    if (!devices_started_) start_devices();
    nlohmann::ordered_json o = {{"imei", d.imei},
              {"enc_profile", std::string(to_string(d.enc_profile))},
              {"enc_public_key", to_hex(d.enc_public_key)},
              {"sig_alg", std::string(to_string(d.sig_alg))},
              {"sig_public_key", to_hex(d.sig_public_key)}};
    out_ << (count_++ ? ",\n    " : "\n    ") << o.dump();
    return check();
  }

  Status finish() override {
    if (!devices_started_) start_devices();
    out_ << (count_ ? "\n  ]\n}\n" : "]\n}\n");
    out_.flush();
    return check();
  }

 private:
  void start_devices() {
    devices_started_ = true;
    out_ << (count_ ? "\n  ],\n  \"devices\": [" : "],\n  \"devices\": [");
    count_ = 0;
  }
  Status check() const {
    if (!out_) return fail(Code::kIo, "write to the export file failed");
    return {};
  }

  std::ostream& out_;
  std::size_t count_ = 0;
  bool devices_started_ = false;
};

}  // namespace

std::unique_ptr<ExchangeWriter> make_json_writer(std::ostream& out) {
  return std::make_unique<JsonWriter>(out);
}

}  // namespace kmebind::store::exchange
