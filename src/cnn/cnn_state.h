// Internal: the state of one Cnn and the small actions every procedure uses (send a NAS message,
// run a timer, send an S6a request, reject or abort the attach). Procedures get a Step: the Cnn,
// the UE they work on, the output of the current call and the time.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>

#include "cnn/cnn.h"
#include "cnn/ipv4_pool.h"
#include "cnn/ue_context.h"
#include "nas/emm_messages.h"
#include "nas/ie_emm.h"
#include "nas/nas_message.h"
#include "nas/plmn.h"

namespace kmebind::cnn::detail {

struct CnnState {
  explicit CnnState(CnnConfig c);

  CnnConfig config;
  std::optional<Error> config_error;  // set when the configuration did not validate
  // Derived from the configuration.
  nas::Plmn plmn;
  Bytes visited_plmn_id;  // 3 octets, TS 29.272 §7.3.9
  nas::TaiList tai_list;
  Ipv4Pool pool;

  std::unordered_map<UeId, UeContext> ues;
  std::unordered_map<std::uint32_t, UeId> by_m_tmsi;  // GUTI lookup
  std::unordered_map<TxnId, UeId> txns;               // S6a transactions in flight
  std::set<std::pair<std::int64_t, UeId>> deadlines;  // one entry per running timer
  TxnId next_txn = 1;
  std::uint8_t next_ksi = 0;  // KSI_ASME counter 0..6 (TS 24.301 §9.9.3.21)
  std::size_t registered = 0;  // contexts in EmmState::kRegistered
  CnnStats stats;

  Status random(std::span<std::uint8_t> out) const;
  // Forgets a UE: its timer, S6a transaction, GUTI, address and context. Adds it to `released`.
  void erase_ue(UeId id, CnnOutput* out);
  // Drops a UE's timer, S6a transaction, GUTI and address but keeps the map entry (a new attach
  // on the same link reuses it).
  void clear_ue(UeId id, UeContext& ue);
};

struct Step {
  CnnState& cnn;
  UeId id;
  UeContext& ue;
  CnnOutput& out;
  std::int64_t now;

  // REQUIRES: ue.attach (every procedure step runs inside an attach).
  AttachProcedure& attach() { return *ue.attach; }
  const CnnConfig& config() const { return cnn.config; }
};

// --- events and the end of a UE ---------------------------------------------------------------

void emit(Step& s, CnnEventKind kind, std::string detail, std::uint8_t emm_cause = 0);
// Marks the UE for release at the end of the call (Cnn then erases it and reports it released).
void finish(Step& s);
// Event + finish, nothing sent.
void abort_ue(Step& s, CnnEventKind kind, std::string detail, std::uint8_t emm_cause = 0);
// kDiscarded event (the UE's state is unchanged).
void discard(Step& s, std::string reason);
// kInternalError event + finish: a message could not be built or protected (a bug or exhausted
// NAS COUNT), never caused by peer input alone.
void internal_error(Step& s, const Error& error);

// --- NAS downlink -----------------------------------------------------------------------------

// Encodes `message` and sends it plain, or as `header` with the UE's security context. Returns
// false (after internal_error) when that fails.
bool send_nas(Step& s, const nas::NasMessage& message, nas::SecurityHeaderType header);
// Plain before Security mode complete, integrity protected and ciphered (type 2) after.
bool send_nas(Step& s, const nas::NasMessage& message);
// Sends the message of a NAS procedure and starts its timer (expiry count 0); keeps the plain PDU
// for retransmission. Returns false (after internal_error) on failure.
bool send_procedure_message(Step& s, const nas::NasMessage& message,
                            nas::SecurityHeaderType header, TimerKind timer);
// Re-sends the last procedure message (same PDU if plain, re-protected with a new NAS COUNT
// otherwise) and restarts its timer without resetting the expiry count.
bool retransmit(Step& s);
// EMM status with `cause` (TS 24.301 §8.2.14), plain or type 2 as send_nas.
void send_emm_status(Step& s, nas::EmmCause cause);

// Attach reject (TS 24.301 §8.2.3) with `cause` (plain before security, type 2 after), T3346 when
// asked, then the event and finish.
void reject_attach(Step& s, nas::EmmCause cause, CnnEventKind kind, std::string detail,
                   bool with_t3346 = false);

// --- timers and S6a ---------------------------------------------------------------------------

void start_timer(Step& s, TimerKind kind, std::int64_t duration_ms);
void stop_timer(Step& s);
std::int64_t timer_duration(const CnnConfig& config, TimerKind kind);
// Stops the NAS timer, sends `request` with a new TxnId and starts the S6a answer timer.
void send_s6a(Step& s, S6aRequest request, AttachStep waiting_step);

}  // namespace kmebind::cnn::detail
