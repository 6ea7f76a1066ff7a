// CSV exchange files (format in exchange.h and docs/admin.md).
#include <array>

#include "store/exchange_csv.h"
#include "store/exchange_fields.h"

namespace kmebind::store::exchange {
namespace {

constexpr std::array<std::string_view, 9> kSubscriberColumns = {
    "imsi", "k", "opc", "amf", "sqn", "binding_mode", "procedures", "kme_renewal", "imeis"};
constexpr std::array<std::string_view, 5> kDeviceColumns = {
    "imei", "enc_profile", "enc_public_key", "sig_alg", "sig_public_key"};
// Subscriber columns that may be left out of a header (they take the defaults below).
constexpr std::array<bool, 9> kSubscriberRequired = {true, true, true, false, false,
                                                     false, false, false, false};

// Position of each known column in the file's header (-1: absent).
template <std::size_t N>
struct Layout {
  std::array<int, N> index{};
  std::size_t width = 0;
  std::string_view field(const std::vector<std::string_view>& row, std::size_t col) const {
    return index[col] < 0 ? std::string_view{} : row[static_cast<std::size_t>(index[col])];
  }
  bool has(std::size_t col) const { return index[col] >= 0; }
};

template <std::size_t N>
Result<Layout<N>> parse_header(const std::vector<std::string_view>& names,
                               const std::array<std::string_view, N>& known,
                               const std::array<bool, N>& required) {
  Layout<N> layout;
  layout.index.fill(-1);
  layout.width = names.size();
  for (std::size_t i = 0; i < names.size(); ++i) {
    std::size_t col = 0;
    while (col < N && known[col] != names[i]) ++col;
    if (col == N) return fail(Code::kMalformed, "unknown column '" + std::string(names[i]) + "'");
    if (layout.index[col] >= 0) {
      return fail(Code::kMalformed, "column '" + std::string(names[i]) + "' appears twice");
    }
    layout.index[col] = static_cast<int>(i);
  }
  for (std::size_t col = 0; col < N; ++col) {
    if (required[col] && layout.index[col] < 0) {
      return fail(Code::kMalformed, "header lacks column '" + std::string(known[col]) + "'");
    }
  }
  return layout;
}

Result<ExchangeSubscriber> parse_subscriber(const Layout<9>& l,
                                            const std::vector<std::string_view>& f) {
  ExchangeSubscriber row;
  SubscriberRecord& r = row.record;
  r.imsi = std::string(l.field(f, 0));
  auto k = parse_key_field(l.field(f, 1), "k");
  if (!k) return std::unexpected(k.error());
  r.k = std::move(*k);
  auto opc = parse_key_field(l.field(f, 2), "opc");
  if (!opc) return std::unexpected(opc.error());
  r.opc = std::move(*opc);
  if (l.has(3)) {
    auto amf = parse_amf(l.field(f, 3));
    if (!amf) return std::unexpected(amf.error());
    r.amf = *amf;
  }
  if (l.has(4)) {
    auto sqn = parse_sqn(l.field(f, 4));
    if (!sqn) return std::unexpected(sqn.error());
    r.sqn = *sqn;
  }
  if (l.has(5)) {
    auto mode = parse_binding_mode(l.field(f, 5));
    if (!mode) return fail(Code::kInvalidArgument, "binding_mode: " + mode.error().message());
    r.binding_mode = *mode;
  }
  if (l.has(6)) {
    auto procedures = parse_procedures(l.field(f, 6));
    if (!procedures) return std::unexpected(procedures.error());
    r.procedure1_allowed = (*procedures)[0];
    r.procedure2_allowed = (*procedures)[1];
  }
  if (l.has(7)) {
    auto renewal = parse_flag(l.field(f, 7), "kme_renewal");
    if (!renewal) return std::unexpected(renewal.error());
    r.kme_renewal_requested = *renewal;
  }
  if (l.has(8) && !l.field(f, 8).empty()) {
    for (auto imei : split(l.field(f, 8), ';')) row.imeis.emplace_back(imei);
  }
  if (auto st = check_subscriber_row(row); !st) return std::unexpected(st.error());
  return row;
}

Result<DeviceRecord> parse_device(const Layout<5>& l, const std::vector<std::string_view>& f) {
  DeviceRecord d;
  d.imei = std::string(l.field(f, 0));
  auto profile = parse_enc_profile(l.field(f, 1));
  if (!profile) return fail(Code::kInvalidArgument, "enc_profile: " + profile.error().message());
  d.enc_profile = *profile;
  auto enc = parse_public_key_hex(l.field(f, 2), "enc_public_key");
  if (!enc) return std::unexpected(enc.error());
  d.enc_public_key = std::move(*enc);
  auto alg = parse_sig_algorithm(l.field(f, 3));
  if (!alg) return fail(Code::kInvalidArgument, "sig_alg: " + alg.error().message());
  d.sig_alg = *alg;
  auto sig = parse_public_key_hex(l.field(f, 4), "sig_public_key");
  if (!sig) return std::unexpected(sig.error());
  d.sig_public_key = std::move(*sig);
  if (auto st = check_device_row(d); !st) return std::unexpected(st.error());
  return d;
}

bool blank(std::string_view line) {
  return line.find_first_not_of(" \t") == std::string_view::npos;
}

}  // namespace

Status read_csv(std::istream& in, const ExchangeHandler& handler) {
  enum class Section { kNone, kSubscribers, kDevices } section = Section::kNone;
  Layout<9> subscribers;
  Layout<5> devices;
  std::string text;
  std::size_t line = 0;
  std::vector<std::string_view> fields;
  auto bad = [&](std::string reason) -> Status {
    if (!handler.bad_row) return {};
    return handler.bad_row(RowError{line, std::move(reason)});
  };
  while (std::getline(in, text)) {
    ++line;
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (blank(text) || text.front() == '#') continue;
    fields = split(text, ',');
    if (fields[0] == "imsi") {
      auto layout = parse_header(fields, kSubscriberColumns, kSubscriberRequired);
      if (!layout) return fail(Code::kMalformed, "line " + std::to_string(line) + ": subscriber header: " +
                                                     layout.error().message());
      subscribers = *layout;
      section = Section::kSubscribers;
      continue;
    }
    if (fields[0] == "imei") {
      std::array<bool, 5> all{true, true, true, true, true};
      auto layout = parse_header(fields, kDeviceColumns, all);
      if (!layout) return fail(Code::kMalformed, "line " + std::to_string(line) + ": device header: " +
                                                     layout.error().message());
      devices = *layout;
      section = Section::kDevices;
      continue;
    }
    if (section == Section::kNone) {
      return fail(Code::kMalformed, "line " + std::to_string(line) +
                                        ": data before a header line (a header starts with imsi or imei)");
    }
    if (text.find('"') != std::string::npos) {
      if (auto st = bad("quoted fields are not supported"); !st) return st;
      continue;
    }
    const std::size_t width = section == Section::kSubscribers ? subscribers.width : devices.width;
    if (fields.size() != width) {
      if (auto st = bad("has " + std::to_string(fields.size()) + " fields, the header has " +
                        std::to_string(width));
          !st) {
        return st;
      }
      continue;
    }
    if (section == Section::kSubscribers) {
      auto row = parse_subscriber(subscribers, fields);
      if (!row) {
        if (auto st = bad(row.error().message()); !st) return st;
      } else if (handler.subscriber) {
        if (auto st = handler.subscriber(line, std::move(*row)); !st) return st;
      }
    } else {
      auto row = parse_device(devices, fields);
      if (!row) {
        if (auto st = bad(row.error().message()); !st) return st;
      } else if (handler.device) {
        if (auto st = handler.device(line, std::move(*row)); !st) return st;
      }
    }
  }
  if (in.bad()) return fail(Code::kIo, "read error at line " + std::to_string(line + 1));
  return {};
}

namespace {

class CsvWriter final : public ExchangeWriter {
 public:
  explicit CsvWriter(std::ostream& out) : out_(out) {
    out_ << "# kmebind subscribers, exchange format v1 (docs/admin.md)\n";
    write_header(kSubscriberColumns);
  }

  Status subscriber(const SubscriberRecord& r, std::span<const std::string> imeis) override {
    line_.clear();
    line_ += r.imsi;
    line_ += ',';
    if (!r.k.empty()) line_ += r.k.reveal_hex();
    line_ += ',';
    if (!r.opc.empty()) line_ += r.opc.reveal_hex();
    line_ += ',';
    line_ += amf_hex(r.amf);
    line_ += ',';
    line_ += std::to_string(r.sqn);
    line_ += ',';
    line_ += to_string(r.binding_mode);
    line_ += ',';
    line_ += procedures_text(r.procedure1_allowed, r.procedure2_allowed);
    line_ += ',';
    line_ += r.kme_renewal_requested ? '1' : '0';
    line_ += ',';
    for (std::size_t i = 0; i < imeis.size(); ++i) {
      if (i > 0) line_ += ';';
      line_ += imeis[i];
    }
    line_ += '\n';
    out_ << line_;
    wipe_line();
    return check();
  }

  Status device(const DeviceRecord& d) override {
    if (!devices_started_) start_devices();
    out_ << d.imei << ',' << to_string(d.enc_profile) << ',' << to_hex(d.enc_public_key) << ','
         << to_string(d.sig_alg) << ',' << to_hex(d.sig_public_key) << '\n';
    return check();
  }

  Status finish() override {
    if (!devices_started_) start_devices();
    out_.flush();
    return check();
  }

 private:
  template <std::size_t N>
  void write_header(const std::array<std::string_view, N>& cols) {
    for (std::size_t i = 0; i < N; ++i) out_ << (i ? "," : "") << cols[i];
    out_ << '\n';
  }
  void start_devices() {
    devices_started_ = true;
    write_header(kDeviceColumns);
  }
  // The line held K and OPc in hex: overwrite it before reuse.
  void wipe_line() { std::fill(line_.begin(), line_.end(), '\0'); }
  Status check() const {
    if (!out_) return fail(Code::kIo, "write to the export file failed");
    return {};
  }

  std::ostream& out_;
  std::string line_;
  bool devices_started_ = false;
};

}  // namespace

std::unique_ptr<ExchangeWriter> make_csv_writer(std::ostream& out) {
  return std::make_unique<CsvWriter>(out);
}

}  // namespace kmebind::store::exchange
