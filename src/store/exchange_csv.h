// Internal: the CSV exchange reader and writer (see exchange.h for the format).
#pragma once

#include "store/exchange.h"

namespace kmebind::store::exchange {

Status read_csv(std::istream& in, const ExchangeHandler& handler);
std::unique_ptr<ExchangeWriter> make_csv_writer(std::ostream& out);

}  // namespace kmebind::store::exchange
