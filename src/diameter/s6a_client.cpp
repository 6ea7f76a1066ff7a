#include "diameter/s6a_client.h"

#include <spdlog/spdlog.h>

#include <exception>
#include <limits>

#include "common/limited_log.h"
#include "diameter/avp_io.h"
#include "diameter/fd_include.h"
#include "diameter/log_text.h"
#include "diameter/peer_authority.h"
#include "diameter/s6a_codec.h"

namespace kmebind::diameter {

struct S6aClient::Shared {
  FdCore* core = nullptr;
  std::atomic<std::uint64_t> sent{0}, answered{0}, retried{0}, unavailable{0}, malformed{0};
};

namespace {

using Shared = S6aClient::Shared;

// One request in flight. Owned by freeDiameter (as the answer / expiry callback data) while it
// is out, by the code at hand otherwise.
struct InFlight {
  std::shared_ptr<Shared> shared;
  S6aRequest request;
  S6aClient::AnyCallback done;
  std::chrono::steady_clock::time_point deadline;
  int attempt = 0;
  std::string excluded_peer;  // lower-case identity not to route to (the retry)
};

void on_answer(void* data, struct msg** answer);
void on_expire(void* data, char* sent_to, std::size_t sent_to_len, struct msg** request);

void finish(std::unique_ptr<InFlight> f, Result<S6aAnswer> outcome) {
  Shared& s = *f->shared;
  if (outcome) {
    ++s.answered;
  } else if (outcome.error().code() == Code::kMalformed) {
    ++s.malformed;
  } else if (outcome.error().code() == Code::kUnavailable) {
    ++s.unavailable;
  }
  try {
    f->done(std::move(outcome));
  } catch (const std::exception& e) {
    spdlog::error("diameter: S6a answer callback failed: {}", e.what());
  } catch (...) {
    spdlog::error("diameter: S6a answer callback failed");
  }
}

// Open, verified configured peers other than `excluded`.
std::size_t usable_peers(const FdCore& core, std::string_view excluded) {
  std::size_t n = 0;
  for (const PeerConfig& p : core.config().peers) {
    if (!excluded.empty() && detail::lower_identity(p.identity) == excluded) continue;
    peer_hdr* hdr = nullptr;
    if (fd_peer_getbyid(const_cast<char*>(p.identity.c_str()), p.identity.size(), 1, &hdr) != 0 ||
        hdr == nullptr) {
      continue;
    }
    if (fd_peer_get_state(hdr) == STATE_OPEN && core.peer_verified(p.identity)) ++n;
  }
  return n;
}

dict_object* command_of(const S6aDictionary& d, const S6aRequest& r) {
  switch (r.index()) {
    case 0: return d.air;
    case 1: return d.kmr;
    default: return d.ulr;
  }
}

// Session-Id, Origin-Host/Realm, Destination-Realm (RFC 6733 §6), then the codec's AVPs.
Result<struct msg*> build(const FdCore& core, const S6aRequest& request) {
  const S6aDictionary& d = core.dictionary();
  struct msg* m = nullptr;
  if (fd_msg_new(command_of(d, request), MSGFL_ALLOC_ETEID, &m) != 0) {
    return fail(Code::kInternal, "diameter: cannot create a request");
  }
  Status st;
  if (fd_msg_new_session(m, nullptr, 0) != 0 || fd_msg_add_origin(m, 0) != 0) {
    st = fail(Code::kInternal, "diameter: cannot add Session-Id / Origin AVPs");
  }
  if (st) st = detail::add_string(m, d.destination_realm, core.config().request_realm());
  if (st) st = std::visit([&](const auto& r) { return append_request(d, r, m); }, request);
  if (!st) {
    wipe_secret_avps(d, m);
    fd_msg_free(m);
    return std::unexpected(st.error());
  }
  return m;
}

void launch(std::unique_ptr<InFlight> f) {
  Shared& s = *f->shared;
  FdCore& core = *s.core;
  if (!core.running()) {
    return finish(std::move(f), fail(Code::kUnavailable, "diameter: the core is not running"));
  }
  if (usable_peers(core, f->excluded_peer) == 0) {
    return finish(std::move(f), fail(Code::kUnavailable, "diameter: no HSS peer is open"));
  }
  auto m = build(core, f->request);
  if (!m) return finish(std::move(f), std::unexpected(m.error()));
  struct msg* message = *m;
  InFlight* raw = f.release();
  if (!core.send_request(&message, on_answer, raw, on_expire, raw->deadline)) {
    f.reset(raw);
    if (message != nullptr && core.running()) {
      wipe_secret_avps(core.dictionary(), message);
      fd_msg_free(message);
    }
    return finish(std::move(f), fail(Code::kUnavailable, "diameter: freeDiameter refused the request"));
  }
  ++s.sent;
}

Decoded<S6aAnswer> decode(const S6aDictionary& d, std::size_t kind, struct msg* answer) {
  auto wrap = [](auto decoded) -> Decoded<S6aAnswer> {
    if (!decoded) return std::unexpected(decoded.error());
    return S6aAnswer(std::move(*decoded));
  };
  switch (kind) {
    case 0: return wrap(decode_aia(d, answer));
    case 1: return wrap(decode_kma(d, answer));
    default: return wrap(decode_ula(d, answer));
  }
}

std::string text_avp(const AvpDef& def, struct msg* m) {
  detail::AvpReader r(m, "");
  auto v = r.octets(def, 1, 255);
  return v ? detail::to_string(*v) : std::string();
}

void on_answer(void* data, struct msg** answer) {
  std::unique_ptr<InFlight> f(static_cast<InFlight*>(data));
  struct msg* a = *answer;
  *answer = nullptr;  // ours: freeDiameter passes it to no one else
  FdCore& core = *f->shared->core;
  const S6aDictionary& d = core.dictionary();

  auto decoded = decode(d, f->request.index(), a);
  std::string origin = text_avp(d.origin_host, a);
  std::string source;
  {
    DiamId_t id = nullptr;
    std::size_t len = 0;
    if (fd_msg_source_get(a, &id, &len) == 0 && id != nullptr) source.assign(id, len);
  }
  bool error_bit = detail::has_error_bit(a);
  wipe_secret_avps(d, a);
  fd_msg_free(a);  // also frees the request it answers

  if (!decoded) {
    // Origin-Host is the answer's own claim: one limiter key for all (common/limited_log.h).
    log_limited(spdlog::level::warn, "diameter.malformed_answer",
                "diameter: malformed answer from '{}': {}", detail::printable(origin),
                decoded.error().message);
    return finish(std::move(f), std::unexpected(decoded.error().to_error()));
  }
  s6a::ResultCode rc = std::visit([](const auto& x) { return x.result; }, *decoded);
  bool local = detail::lower_identity(origin) == detail::lower_identity(core.config().identity);
  bool retryable = error_bit && rc.vendor_id == 0 && (rc.code == 3002 || rc.code == 3004);
  if (retryable && f->attempt == 0) {
    std::string excluded = local ? std::string() : detail::lower_identity(source);
    if (usable_peers(core, excluded) > 0) {
      log_limited(spdlog::level::info, "diameter.failover",
                  "diameter: {} from '{}'; trying another peer", rc.code,
                  local ? std::string("local") : detail::printable(origin));
      f->attempt = 1;
      f->excluded_peer = std::move(excluded);
      ++f->shared->retried;
      return launch(std::move(f));
    }
  }
  if (error_bit && local) {
    return finish(std::move(f), fail(Code::kUnavailable, "diameter: request not delivered (" +
                                                             std::to_string(rc.code) + ")"));
  }
  finish(std::move(f), std::move(*decoded));
}

void on_expire(void* data, char* sent_to, std::size_t sent_to_len, struct msg** request) {
  std::unique_ptr<InFlight> f(static_cast<InFlight*>(data));
  if (request != nullptr && *request != nullptr) {
    wipe_secret_avps(f->shared->core->dictionary(), *request);
    fd_msg_free(*request);  // disposed of here, so freeDiameter does not report it as dropped
    *request = nullptr;
  }
  std::string peer = sent_to != nullptr ? std::string(sent_to, sent_to_len) : std::string("?");
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                f->shared->core->config().request_timeout)
                .count();
  finish(std::move(f), fail(Code::kUnavailable, "diameter: no answer from '" + peer + "' within " +
                                                    std::to_string(ms) + " ms"));
}

// fd_rt_out_register callback: keep requests off unverified peers and off the excluded peer of
// a retry; among the rest, prefer the peer with the fewest requests in flight.
int route(void* cbdata, struct msg** pmsg, struct fd_list* candidates) {
  auto* s = static_cast<Shared*>(cbdata);
  std::string excluded;
  void (*answer_cb)(void*, struct msg**) = nullptr;
  void (*expire_cb)(void*, DiamId_t, std::size_t, struct msg**) = nullptr;
  void* data = nullptr;
  if (pmsg != nullptr && *pmsg != nullptr &&
      fd_msg_anscb_get(*pmsg, &answer_cb, &expire_cb, &data) == 0 && answer_cb == on_answer &&
      data != nullptr) {
    excluded = static_cast<InFlight*>(data)->excluded_peer;
  }
  long best = std::numeric_limits<long>::max();
  std::vector<std::pair<rtd_candidate*, long>> usable;
  for (fd_list* li = candidates->next; li != candidates; li = li->next) {
    auto* c = reinterpret_cast<rtd_candidate*>(li);
    std::string_view id(c->diamid, c->diamidlen);
    if (!s->core->peer_verified(id) || (!excluded.empty() && detail::lower_identity(id) == excluded)) {
      c->score += FD_SCORE_NO_DELIVERY;
      continue;
    }
    long in_flight = 0, to_send = 0;
    peer_hdr* hdr = nullptr;
    if (fd_peer_getbyid(c->diamid, c->diamidlen, 1, &hdr) == 0 && hdr != nullptr) {
      fd_peer_get_load_pending(hdr, &in_flight, &to_send);
    }
    usable.emplace_back(c, in_flight);
    best = std::min(best, in_flight);
  }
  for (auto& [c, load] : usable) {
    if (load == best) c->score += FD_SCORE_LOAD_BALANCE;
  }
  return 0;
}

template <class Answer, class Callback>
S6aClient::AnyCallback narrow(Callback done) {
  return [done = std::move(done)](Result<S6aAnswer> r) {
    if (!r) return done(std::unexpected(r.error()));
    done(std::get<Answer>(std::move(*r)));
  };
}

}  // namespace

Result<std::unique_ptr<S6aClient>> S6aClient::create(FdCore& core) {
  std::unique_ptr<S6aClient> client(new S6aClient());
  client->shared_ = std::make_shared<Shared>();
  client->shared_->core = &core;
  if (fd_rt_out_register(route, client->shared_.get(), 0, &client->route_handle_) != 0) {
    return fail(Code::kInternal, "diameter: freeDiameter refused the routing callback");
  }
  return client;
}

S6aClient::~S6aClient() {
  if (shared_ == nullptr || shared_->core->stopped() || route_handle_ == nullptr) return;
  void* data = nullptr;
  fd_rt_out_unregister(route_handle_, &data);
}

void S6aClient::send(S6aRequest request, AnyCallback done) {
  auto f = std::make_unique<InFlight>();
  f->shared = shared_;
  f->request = std::move(request);
  f->done = std::move(done);
  f->deadline = std::chrono::steady_clock::now() + shared_->core->config().request_timeout;
  launch(std::move(f));
}

void S6aClient::send(s6a::AuthenticationInformationRequest air, AirCallback done) {
  send(S6aRequest(std::move(air)),
       narrow<s6a::AuthenticationInformationAnswer>(std::move(done)));
}

void S6aClient::send(s6a::UpdateLocationRequest ulr, UlrCallback done) {
  send(S6aRequest(std::move(ulr)), narrow<s6a::UpdateLocationAnswer>(std::move(done)));
}

void S6aClient::send(s6a::KmeRequest kmr, KmeCallback done) {
  send(S6aRequest(std::move(kmr)), narrow<s6a::KmeAnswer>(std::move(done)));
}

std::size_t S6aClient::peers_up() const { return usable_peers(*shared_->core, {}); }

ClientStats S6aClient::stats() const {
  return ClientStats{shared_->sent.load(), shared_->answered.load(), shared_->retried.load(),
                     shared_->unavailable.load(), shared_->malformed.load()};
}

}  // namespace kmebind::diameter
