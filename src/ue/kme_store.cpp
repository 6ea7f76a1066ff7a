#include "ue/kme_store.h"

#include <utility>

namespace kmebind::ue {

const SecretBytes* KmeStore::find(std::uint32_t version) const {
  if (committed_ && committed_->version == version) return &committed_->kme;
  if (pending_ && pending_->version == version) return &pending_->kme;
  return nullptr;
}

void KmeStore::set_pending(std::uint32_t version, SecretBytes kme) {
  pending_.emplace(StoredKme{version, std::move(kme)});
}

std::optional<std::uint32_t> KmeStore::commit_pending() {
  if (!pending_) return std::nullopt;
  std::optional<StoredKme> previous = std::exchange(committed_, std::move(pending_));
  pending_.reset();
  previous.reset();  // the old KME is wiped only once the new one is in place
  return committed_->version;
}

void KmeStore::set_committed(std::uint32_t version, SecretBytes kme) {
  committed_.emplace(StoredKme{version, std::move(kme)});
}

}  // namespace kmebind::ue
