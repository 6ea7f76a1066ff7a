// open_store(): picks the engine from the location.
#include "store/master_key.h"
#include "store/pg_store.h"
#include "store/sqlite_store.h"
#include "store/subscriber_store.h"

namespace kmebind::store {

Result<std::unique_ptr<SubscriberStore>> open_store(std::string_view location,
                                                    SecretBytes master_key,
                                                    const StoreOptions& options) {
  if (master_key.size() != kMasterKeySize) {
    return fail(Code::kInvalidArgument, "store master key must be 32 octets");
  }
  if (location.starts_with("postgres://") || location.starts_with("postgresql://")) {
    auto store = pg::PgStore::open(location, std::move(master_key), options);
    if (!store) return std::unexpected(store.error());
    return std::unique_ptr<SubscriberStore>(std::move(*store));
  }
  std::string path;
  if (location.starts_with("sqlite://")) {
    path = std::string(location.substr(9));  // "sqlite:///abs" -> "/abs", "sqlite://rel" -> "rel"
  } else if (location.find("://") != std::string_view::npos) {
    return fail(Code::kInvalidArgument, "unknown store location scheme in '" +
                                            redact_location(location) +
                                            "'; use a file path, sqlite:///path or "
                                            "postgresql://...");
  } else {
    path = std::string(location);
  }
  if (path.empty()) return fail(Code::kInvalidArgument, "store location has no file path");
  auto store = sqlite::SqliteStore::open(path, std::move(master_key), options);
  if (!store) return std::unexpected(store.error());
  return std::unique_ptr<SubscriberStore>(std::move(*store));
}

}  // namespace kmebind::store
