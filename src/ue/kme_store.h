// The mobile equipment's KME store (TR 33.868 §5.4.4.2.3.3; docs/protocol.md §2): KMEs by version,
// at most two at a time — the committed one (what the device uses) and at most one pending
// (received in a KME Provisioning Command, not yet known to be stored by the HSS).
//
// The UE core (ue.h) commits the pending KME when the attach in which it was provisioned — or in
// which the network challenged that very version — is accepted (Attach Accept follows the ULR that
// stored it); commit_pending() switches first and only then drops the previous KME. A failed attach
// (Attach Reject, detach, T3410) commits nothing and keeps the committed KME; the pending one is
// kept too, not committed: if the HSS did store it (the Attach Accept was lost), the next attach
// challenges that version and finds it; if not, the next provisioning replaces it, and a challenge
// of the committed version drops it. A newer provisioning command replaces a pending KME.
//
// Secrets stay inside: the KMEs are SecretBytes, handed out only by const reference for Rsp and
// signature computation. Not thread-safe.
#pragma once

#include <cstdint>
#include <optional>

#include "common/secret.h"

namespace kmebind::ue {

struct StoredKme {
  std::uint32_t version = 0;
  SecretBytes kme;  // 32 octets
};

class KmeStore {
 public:
  const StoredKme* committed() const { return committed_ ? &*committed_ : nullptr; }
  const StoredKme* pending() const { return pending_ ? &*pending_ : nullptr; }

  // The KME of `version`, committed or pending (the committed one first); nullptr if none.
  const SecretBytes* find(std::uint32_t version) const;

  // Makes `kme` the pending KME, replacing any pending one. The committed KME is untouched.
  void set_pending(std::uint32_t version, SecretBytes kme);
  // Pending → committed (the previous committed KME is dropped after the switch). Returns the
  // committed version, or nullopt (nothing changes) if nothing was pending.
  std::optional<std::uint32_t> commit_pending();
  // Drops the pending KME, if any.
  void discard_pending() { pending_.reset(); }

  // Restores a committed KME (e.g. a device whose KME was imported out of band).
  void set_committed(std::uint32_t version, SecretBytes kme);

 private:
  std::optional<StoredKme> committed_;
  std::optional<StoredKme> pending_;
};

}  // namespace kmebind::ue
