#include "store/exchange.h"

#include "store/exchange_csv.h"
#include "store/exchange_json.h"

namespace kmebind::store {

Result<ExchangeFormat> parse_exchange_format(std::string_view text) {
  if (text == "csv") return ExchangeFormat::kCsv;
  if (text == "json") return ExchangeFormat::kJson;
  return fail(Code::kInvalidArgument, "format must be csv or json, not '" + std::string(text) + "'");
}

Status read_exchange(ExchangeFormat format, std::istream& in, const ExchangeHandler& handler) {
  return format == ExchangeFormat::kCsv ? exchange::read_csv(in, handler)
                                        : exchange::read_json(in, handler);
}

std::unique_ptr<ExchangeWriter> make_exchange_writer(ExchangeFormat format, std::ostream& out) {
  return format == ExchangeFormat::kCsv ? exchange::make_csv_writer(out)
                                        : exchange::make_json_writer(out);
}

}  // namespace kmebind::store
