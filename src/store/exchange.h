// The subscriber exchange files of `kmebind admin import|export`: subscribers with their allowed
// IMEIs and device public keys, as CSV or JSON. The formats are specified in docs/admin.md;
// in short:
//
// CSV: '#' comment lines and blank lines are ignored. A header line starts a section and names
// its columns in any order: a first column "imsi" starts the subscriber section, "imei" the
// device section. Fields hold no commas and no quotes; ';' separates list items.
//   imsi,k,opc,amf,sqn,binding_mode,procedures,kme_renewal,imeis
//   001010000000001,<32 hex>,<32 hex>,8000,0,kme-required,1;2,0,35209900176148;35693803564380
//   imei,enc_profile,enc_public_key,sig_alg,sig_public_key
//   35209900176148,A,<64 hex>,ed25519,<64 hex>
// JSON: {"format": "kmebind-subscribers", "version": 1, "subscribers": [ {...}, ... ],
//        "devices": [ {...}, ... ]} with the same field names (sqn a number, procedures an array
//        of 1/2, kme_renewal a boolean, imeis an array of strings).
// kme_renewal is SubscriberRecord::kme_renewal_requested: written as "some pair of the subscriber
// has a KME renewal pending"; on import it marks nothing (renewal is per pair's KME, and an
// imported subscriber holds none; docs/admin.md).
//
// Readers stream: each good row goes to the handler as soon as it is read, each bad row is
// reported with its line number and reason and reading goes on. Only a file that cannot be read
// on (I/O error, JSON syntax error, missing header) fails the whole call.
#pragma once

#include <cstddef>
#include <functional>
#include <istream>
#include <memory>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "common/error.h"
#include "store/subscriber_store.h"

namespace kmebind::store {

enum class ExchangeFormat { kCsv, kJson };
Result<ExchangeFormat> parse_exchange_format(std::string_view text);  // "csv" | "json"

struct ExchangeSubscriber {
  SubscriberRecord record;
  std::vector<std::string> imeis;  // as written in the file (normalized by the store)
};

struct RowError {
  std::size_t line = 0;  // 1-based line of the file
  std::string reason;    // names the field; never contains a key
};

// A handler returning an error stops the reading and the reader returns that error.
struct ExchangeHandler {
  std::function<Status(std::size_t line, ExchangeSubscriber&& subscriber)> subscriber;
  std::function<Status(std::size_t line, DeviceRecord&& device)> device;
  std::function<Status(RowError&& error)> bad_row;
};

Status read_exchange(ExchangeFormat format, std::istream& in, const ExchangeHandler& handler);

// Writes a file: subscribers first, then devices (as export_all delivers them). K and OPc are
// written as hex when the record has them; otherwise the fields are left empty (CSV) or null
// (JSON) and the file cannot be imported back.
class ExchangeWriter {
 public:
  virtual ~ExchangeWriter() = default;
  virtual Status subscriber(const SubscriberRecord& record, std::span<const std::string> imeis) = 0;
  virtual Status device(const DeviceRecord& device) = 0;
  // Writes what closes the file (JSON brackets, an empty device section) and flushes.
  virtual Status finish() = 0;
};

std::unique_ptr<ExchangeWriter> make_exchange_writer(ExchangeFormat format, std::ostream& out);

}  // namespace kmebind::store
