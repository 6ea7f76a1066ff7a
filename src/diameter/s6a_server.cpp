#include "diameter/s6a_server.h"

#include <spdlog/spdlog.h>

#include <exception>
#include <optional>

#include "common/limited_log.h"
#include "diameter/error_answer.h"
#include "diameter/fd_include.h"
#include "diameter/log_text.h"
#include "diameter/s6a_codec.h"

namespace kmebind::diameter {

struct S6aServer::Shared : std::enable_shared_from_this<S6aServer::Shared> {
  FdCore* core = nullptr;
  S6aHandler* handler = nullptr;
  std::atomic<std::uint64_t> requests{0}, decode_errors{0}, answers_sent{0}, answers_dropped{0};
};

namespace {

using Shared = S6aServer::Shared;

std::string source_of(struct msg* m) {
  DiamId_t id = nullptr;
  std::size_t len = 0;
  if (fd_msg_source_get(m, &id, &len) != 0 || id == nullptr) return {};
  return std::string(id, len);
}

// Removes every AVP but Session-Id, Origin-Host and Origin-Realm from an answer whose body
// could not be encoded, so that a clean error can be set instead.
void strip_to_envelope(const S6aDictionary& d, struct msg* answer) {
  std::vector<void*> doomed;
  void* child = nullptr;
  fd_msg_browse_internal(answer, MSG_BRW_FIRST_CHILD, &child, nullptr);
  while (child != nullptr) {
    avp_hdr* h = nullptr;
    if (fd_msg_avp_hdr(static_cast<struct avp*>(child), &h) == 0) {
      bool keep = !(h->avp_flags & AVP_FLAG_VENDOR) &&
                  (h->avp_code == d.session_id.code || h->avp_code == d.origin_host.code ||
                   h->avp_code == d.origin_realm.code);
      if (!keep) doomed.push_back(child);
    }
    void* next = nullptr;
    if (fd_msg_browse_internal(child, MSG_BRW_NEXT, &next, nullptr) != 0) break;
    child = next;
  }
  for (void* a : doomed) fd_msg_free(a);
  msg_hdr* h = nullptr;
  if (fd_msg_hdr(answer, &h) == 0) h->msg_flags &= static_cast<std::uint8_t>(~CMD_FLAG_ERROR);
}

// RFC 6733 §8.8 and the `< Session-Id >` of every S6a request ABNF (TS 29.272 §7.2): exactly
// one Session-Id, right after the header, with a value. The codecs leave Session-Id to
// freeDiameter, so the server checks it before decoding. A Session-Id with the V bit set never
// gets here: the receive guard removed it (receive_guard.h).
std::optional<DecodeError> check_session_id(const S6aDictionary& d, struct msg* request) {
  struct avp* first = nullptr;
  unsigned position = 0, count = 0;
  void* child = nullptr;
  if (fd_msg_browse_internal(request, MSG_BRW_FIRST_CHILD, &child, nullptr) != 0) child = nullptr;
  while (child != nullptr) {
    ++position;
    avp_hdr* h = nullptr;
    if (fd_msg_avp_hdr(static_cast<struct avp*>(child), &h) == 0 &&
        h->avp_code == d.session_id.code && (h->avp_flags & AVP_FLAG_VENDOR) == 0) {
      if (++count == 2) {
        return DecodeError{kAvpOccursTooManyTimes, "Session-Id occurs more than once",
                           static_cast<struct avp*>(child), nullptr};
      }
      if (position != 1) {
        return DecodeError{
            s6a::kMissingAvp,
            "Session-Id is not the first AVP (RFC 6733 §8.8: it follows the header)", nullptr,
            d.session_id.model};
      }
      first = static_cast<struct avp*>(child);
    }
    void* next = nullptr;
    if (fd_msg_browse_internal(child, MSG_BRW_NEXT, &next, nullptr) != 0) break;
    child = next;
  }
  if (first == nullptr) {
    return DecodeError{s6a::kMissingAvp, "Session-Id missing", nullptr, d.session_id.model};
  }
  avp_hdr* h = nullptr;
  if (fd_msg_avp_hdr(first, &h) != 0 || h->avp_value == nullptr || h->avp_value->os.len == 0) {
    return DecodeError{s6a::kInvalidAvpValue, "Session-Id is empty", first, nullptr};
  }
  return std::nullopt;
}

// Turns the request in *m into an error answer for a request that did not decode.
int refuse_request(Shared& s, struct msg** m, const DecodeError& e, const char* command) {
  ++s.decode_errors;
  // Once per malformed request of an admitted peer: rate-limited per peer (common/limited_log.h).
  const std::string source = source_of(*m);
  log_limited(spdlog::level::warn, LimiterKey("diameter.s6a_refused", source),
              "diameter: {} from '{}' refused with {}: {}", command, detail::printable(source),
              detail::result_name(e.result), e.message);
  return detail::answer_decode_error(s.core->dictionary(), m, e);
}

// A request freeDiameter handed over; answered once, by reply() or by the destructor.
class PendingRequest {
 public:
  PendingRequest(std::shared_ptr<Shared> shared, struct msg* request)
      : shared_(std::move(shared)), request_(request) {}
  PendingRequest(const PendingRequest&) = delete;
  PendingRequest& operator=(const PendingRequest&) = delete;

  ~PendingRequest() {
    if (done_.exchange(true)) return;
    spdlog::warn("diameter: a request was dropped without a reply; answering UNABLE_TO_COMPLY");
    finish([](const S6aDictionary&, struct msg* answer) -> Status {
      if (fd_msg_rescode_set(answer, const_cast<char*>("DIAMETER_UNABLE_TO_COMPLY"), nullptr,
                             nullptr, 0) != 0) {
        return fail(Code::kInternal, "Result-Code refused");
      }
      return {};
    });
  }

  template <class Answer>
  void reply(const Answer& answer) {
    if (done_.exchange(true)) {
      spdlog::error("diameter: a second reply to the same request was ignored");
      return;
    }
    finish([&answer](const S6aDictionary& d, struct msg* m) { return append_answer(d, answer, m); });
  }

 private:
  template <class Fill>
  void finish(Fill fill) {
    Shared& s = *shared_;
    struct msg* m = request_;
    request_ = nullptr;
    if (!s.core->running()) {
      ++s.answers_dropped;  // the core is gone: leave freeDiameter's memory alone
      return;
    }
    const S6aDictionary& d = s.core->dictionary();
    if (fd_msg_new_answer_from_req(d.dict, &m, 0) != 0) {
      fd_msg_free(m);
      ++s.answers_dropped;
      return;
    }
    fd_msg_add_origin(m, 0);
    if (auto st = fill(d, m); !st) {
      spdlog::error("diameter: answer not encodable ({}); answering UNABLE_TO_COMPLY",
                    st.error().message());
      strip_to_envelope(d, m);
      fd_msg_rescode_set(m, const_cast<char*>("DIAMETER_UNABLE_TO_COMPLY"), nullptr, nullptr, 0);
    }
    if (s.core->send_answer(&m)) {
      ++s.answers_sent;
    } else {
      ++s.answers_dropped;
      if (m != nullptr && s.core->running()) fd_msg_free(m);
    }
  }

  std::shared_ptr<Shared> shared_;
  struct msg* request_;
  std::atomic<bool> done_{false};
};

template <class Request>
using Decoder = Decoded<Request> (*)(const S6aDictionary&, struct msg*);

template <class Request, class Answer>
using Handle = void (S6aHandler::*)(const LinkInfo&, Request&&, std::function<void(Answer&&)>);

// freeDiameter dispatch callback for one request command. Keeps the request (*m = NULL) and
// hands the decoded value to the handler; answers decode errors at once.
template <class Request, class Answer, Decoder<Request> decode, Handle<Request, Answer> handle>
int on_request(struct msg** m, struct avp*, struct session*, void* opaque, enum disp_action* act,
               const char* command) {
  auto& s = *static_cast<Shared*>(opaque);
  *act = DISP_ACT_CONT;
  try {
    const S6aDictionary& d = s.core->dictionary();
    if (auto bad = check_session_id(d, *m)) {
      int rc = refuse_request(s, m, *bad, command);
      *act = DISP_ACT_SEND;
      return rc;
    }
    auto request = decode(d, *m);
    if (!request) {
      int rc = refuse_request(s, m, request.error(), command);
      *act = DISP_ACT_SEND;
      return rc;
    }
    struct msg* kept = *m;
    *m = nullptr;  // ours now: freeDiameter stops processing it
    wipe_secret_avps(d, kept);  // the secrets live on in SecretBytes only
    LinkInfo link = s.core->link_info(source_of(kept));
    auto pending = std::make_shared<PendingRequest>(s.shared_from_this(), kept);
    ++s.requests;
    (s.handler->*handle)(link, std::move(*request),
                         [pending](Answer&& answer) { pending->reply(answer); });
  } catch (const std::exception& e) {
    spdlog::error("diameter: {} handler failed: {}", command, e.what());
  } catch (...) {
    spdlog::error("diameter: {} handler failed", command);
  }
  return 0;
}

int on_air(struct msg** m, struct avp* a, struct session* s, void* o, enum disp_action* act) {
  return on_request<s6a::AuthenticationInformationRequest, s6a::AuthenticationInformationAnswer,
                    decode_air, &S6aHandler::on_air>(m, a, s, o, act, "AIR");
}
int on_ulr(struct msg** m, struct avp* a, struct session* s, void* o, enum disp_action* act) {
  return on_request<s6a::UpdateLocationRequest, s6a::UpdateLocationAnswer, decode_ulr,
                    &S6aHandler::on_ulr>(m, a, s, o, act, "ULR");
}
int on_kmr(struct msg** m, struct avp* a, struct session* s, void* o, enum disp_action* act) {
  return on_request<s6a::KmeRequest, s6a::KmeAnswer, decode_kmr, &S6aHandler::on_kme_request>(
      m, a, s, o, act, "KME-Request");
}

}  // namespace

Result<std::unique_ptr<S6aServer>> S6aServer::create(FdCore& core, S6aHandler& handler) {
  std::unique_ptr<S6aServer> server(new S6aServer());
  server->shared_ = std::make_shared<Shared>();
  server->shared_->core = &core;
  server->shared_->handler = &handler;
  const S6aDictionary& d = core.dictionary();
  struct Registration {
    dict_object* command;
    int (*cb)(struct msg**, struct avp*, struct session*, void*, enum disp_action*);
    disp_hdl** handle;
  };
  for (const Registration& r : {Registration{d.air, on_air, &server->air_handle_},
                                Registration{d.ulr, on_ulr, &server->ulr_handle_},
                                Registration{d.kmr, on_kmr, &server->kmr_handle_}}) {
    disp_when when{};
    when.app = d.app_s6a;
    when.command = r.command;
    if (fd_disp_register(r.cb, DISP_HOW_CC, &when, server->shared_.get(), r.handle) != 0) {
      return fail(Code::kInternal, "diameter: freeDiameter refused a dispatch callback");
    }
  }
  return server;
}

S6aServer::~S6aServer() {
  // After stop() freeDiameter has torn its dispatch down itself.
  if (shared_ == nullptr || shared_->core->stopped()) return;
  for (disp_hdl** h : {&air_handle_, &ulr_handle_, &kmr_handle_}) {
    if (*h != nullptr) fd_disp_unregister(h, nullptr);
  }
}

ServerStats S6aServer::stats() const {
  return ServerStats{shared_->requests.load(), shared_->decode_errors.load(),
                     shared_->answers_sent.load(), shared_->answers_dropped.load()};
}

}  // namespace kmebind::diameter
