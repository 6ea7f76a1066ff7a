// Support for the end-to-end tests: the three cores wired by sim::InProcessNetwork on a real
// SQLite store in a temporary directory, and a Recorder that sees what crosses the two links.
//
// The Recorder is the test's eye on the wire. It records, in order,
//   - every NAS PDU the network delivers (after any NAS hook change): direction, security header
//     type, size, and the decoded message — plain PDUs are decoded as they are; protected ones
//     are deciphered with NAS keys the Recorder derives itself (TS 33.401 A.7) from the KASME it
//     saw in the AIA on S6a, once it has seen the Security mode command that names the
//     algorithms (header type 3 is integrity protected only, so its body is readable). This is
//     what an observer holding the HSS's vectors could do; the cores are not asked for keys.
//   - every S6a request as the HSS received it (after the test's request hook) and the answer as
//     the CNN received it (after the test's answer hook), paired by IMSI.
// Tests install their own fault injection through Recorder::on_request / on_answer / on_nas;
// the Recorder owns the network's hooks and the tap.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "cnn/cnn.h"
#include "crypto/cookie.h"
#include "crypto/hash.h"
#include "crypto/kdf.h"
#include "hss/hss.h"
#include "nas/kme_messages.h"
#include "nas/nas_message.h"
#include "nas/security_context.h"
#include "s6a/messages.h"
#include "sim/in_process_network.h"
#include "sim/provisioning.h"
#include "store/subscriber_store.h"
#include "ue/device_factory.h"

namespace kmebind::sim::testing {

inline constexpr std::int64_t kStartUnix = 1'700'000'000;  // virtual clock 0
inline constexpr std::string_view kPlmn = "001-01";
inline constexpr std::uint8_t kIllegalMe = 6;  // TS 24.301 §9.9.3.9 EMM cause #6

template <class T>
T take(Result<T> r) {
  if (!r) throw std::runtime_error("unexpected error: " + r.error().what());
  return std::move(*r);
}
inline void ok(const Status& st) {
  if (!st) throw std::runtime_error("unexpected error: " + st.error().what());
}

// ---- copies of S6a messages (they hold SecretBytes, so they have no copy constructor) --------

inline s6a::UpdateLocationRequest clone(const s6a::UpdateLocationRequest& r) {
  s6a::UpdateLocationRequest c;
  c.imsi = r.imsi;
  c.visited_plmn_id = r.visited_plmn_id;
  c.rat_type = r.rat_type;
  c.ulr_flags = r.ulr_flags;
  c.terminal = r.terminal;
  if (r.kme_confirm) c.kme_confirm = r.kme_confirm->clone();
  c.device_proof = r.device_proof;
  return c;
}
inline s6a::KmeProvisioning clone(const s6a::KmeProvisioning& p) {
  s6a::KmeProvisioning c;
  c.procedure = p.procedure;
  c.ecies_profile = p.ecies_profile;
  c.kme_version = p.kme_version;
  c.encrypted_payload = p.encrypted_payload;
  c.kme = p.kme.clone();
  c.cookie = p.cookie;
  c.xrsp = p.xrsp;
  return c;
}
inline s6a::KmeAnswer clone(const s6a::KmeAnswer& a) {
  s6a::KmeAnswer c;
  c.result = a.result;
  if (const auto* p = std::get_if<s6a::KmeProvisioning>(&a.action)) c.action = clone(*p);
  if (const auto* d = std::get_if<s6a::DeviceChallenge>(&a.action)) c.action = *d;
  return c;
}
// A copy of its own of the KME material on the AIA, so the record keeps it after the CNN took it.
inline s6a::AuthenticationInformationAnswer clone(const s6a::AuthenticationInformationAnswer& a) {
  s6a::AuthenticationInformationAnswer c;
  c.result = a.result;
  c.binding = a.binding;
  for (const auto& v : a.vectors) c.vectors.push_back(v.clone());
  if (a.kme_prefetch) {
    auto m = std::make_shared<s6a::KmePrefetch>();
    m->imei = a.kme_prefetch->imei;
    if (const auto* p = std::get_if<s6a::KmeProvisioning>(&a.kme_prefetch->action)) {
      m->action = clone(*p);
    } else {
      m->action = std::get<s6a::DeviceChallenge>(a.kme_prefetch->action);
    }
    c.kme_prefetch = std::move(m);
  }
  return c;
}
inline s6a::AuthenticationInformationRequest clone(const s6a::AuthenticationInformationRequest& r) { return r; }
inline s6a::KmeRequest clone(const s6a::KmeRequest& r) { return r; }
inline s6a::UpdateLocationAnswer clone(const s6a::UpdateLocationAnswer& a) { return a; }
inline cnn::S6aRequest clone(const cnn::S6aRequest& r) {
  return std::visit([](const auto& m) -> cnn::S6aRequest { return clone(m); }, r);
}
inline cnn::S6aAnswer clone(const cnn::S6aAnswer& a) {
  return std::visit([](const auto& m) -> cnn::S6aAnswer { return clone(m); }, a);
}

inline std::string imsi_of(const cnn::S6aRequest& r) {
  return std::visit([](const auto& m) { return m.imsi; }, r);
}
inline std::string_view s6a_name(const cnn::S6aRequest& r) {
  switch (r.index()) {
    case 0: return "AIR";
    case 1: return "KME-Request";
    default: return "ULR";
  }
}
inline std::string_view s6a_name(const cnn::S6aAnswer& a) {
  switch (a.index()) {
    case 0: return "AIA";
    case 1: return "KME-Answer";
    default: return "ULA";
  }
}
inline s6a::ResultCode result_of(const cnn::S6aAnswer& a) {
  return std::visit([](const auto& m) { return m.result; }, a);
}

// ---- the recorder -----------------------------------------------------------------------------

struct NasRecord {
  cnn::UeId ue = 0;
  bool uplink = false;
  std::int64_t at_ms = 0;
  Bytes pdu;  // as delivered
  nas::SecurityHeaderType header_type = nas::SecurityHeaderType::kPlain;
  std::optional<nas::NasMessage> message;  // plain, or deciphered by the recorder
  Bytes plain;                             // the plain NAS message octets, when known
  std::optional<nas::KmeMessage> kme;      // KME container of a generic NAS transport
  std::string error;                       // why the PDU could not be read, when it could not

  bool is_protected() const { return header_type != nas::SecurityHeaderType::kPlain; }
  // "UL Attach request", "DL KME Provisioning Command", "UL <unreadable>"
  std::string label() const {
    std::string s = uplink ? "UL " : "DL ";
    if (kme) return s + std::string(std::visit([](const auto& m) { return m.kName; }, *kme));
    if (message) return s + std::string(nas::message_name(*message));
    return s + "<unreadable>";
  }
  template <class T>
  const T* as() const {
    return message ? std::get_if<T>(&*message) : nullptr;
  }
  template <class T>
  const T* as_kme() const {
    return kme ? std::get_if<T>(&*kme) : nullptr;
  }
};

struct S6aRecord {
  std::string imsi;
  cnn::S6aRequest request;               // as the HSS received it
  bool dropped = false;                  // the test's request hook dropped it
  std::optional<cnn::S6aAnswer> answer;  // as the CNN received it

  template <class T>
  const T* req() const {
    return std::get_if<T>(&request);
  }
  template <class T>
  const T* ans() const {
    return answer ? std::get_if<T>(&*answer) : nullptr;
  }
};

class Recorder {
 public:
  // Fault injection, run before recording (so the records show what was delivered).
  std::function<bool(cnn::S6aRequest&)> on_request;  // false drops the request
  std::function<void(cnn::S6aAnswer&)> on_answer;
  std::function<bool(cnn::UeId, Bytes&, bool uplink)> on_nas;  // false drops the PDU

  void attach(InProcessNetwork& net) {
    net.set_s6a_request_hook([this](cnn::S6aRequest& r) { return request(r); });
    net.set_s6a_answer_hook([this](cnn::S6aAnswer& a) { answer(a); });
    net.set_nas_hook([this](cnn::UeId ue, Bytes& pdu, bool uplink) {
      return on_nas ? on_nas(ue, pdu, uplink) : true;
    });
    net.set_tap(NasTap{[this](cnn::UeId ue, ByteView pdu, bool uplink, std::int64_t now) {
      nas_pdu(ue, pdu, uplink, now);
    }});
  }

  void clear() {
    nas_.clear();
    s6a_.clear();
    timeline_.clear();
  }

  const std::vector<NasRecord>& nas() const { return nas_; }
  const std::vector<S6aRecord>& s6a() const { return s6a_; }
  // Labels in delivery order: NAS records' label(), "S6a <name>" for requests and answers.
  std::vector<std::string> timeline() const {
    std::vector<std::string> out;
    for (const auto& e : timeline_) out.push_back(e.label);
    return out;
  }
  // The same, only what concerns `imsi` (NAS of the UEs that attached with it, its S6a).
  std::vector<std::string> timeline_of(std::string_view imsi) const {
    std::vector<std::string> out;
    for (const auto& e : timeline_) {
      if (e.imsi == imsi) out.push_back(e.label);
    }
    return out;
  }

  // Records of one UE / one IMSI.
  std::vector<const NasRecord*> nas_of(cnn::UeId ue) const {
    std::vector<const NasRecord*> out;
    for (const auto& r : nas_) {
      if (r.ue == ue) out.push_back(&r);
    }
    return out;
  }
  std::vector<const S6aRecord*> s6a_of(std::string_view imsi) const {
    std::vector<const S6aRecord*> out;
    for (const auto& r : s6a_) {
      if (r.imsi == imsi) out.push_back(&r);
    }
    return out;
  }
  // The last S6a exchange of request type T for `imsi`, or nullptr.
  template <class T>
  const S6aRecord* last(std::string_view imsi) const {
    for (auto it = s6a_.rbegin(); it != s6a_.rend(); ++it) {
      if (it->imsi == imsi && std::holds_alternative<T>(it->request)) return &*it;
    }
    return nullptr;
  }
  // The last NAS record carrying message M (or KME message M) of `ue`, or nullptr.
  template <class M>
  const NasRecord* last_nas(cnn::UeId ue) const {
    for (auto it = nas_.rbegin(); it != nas_.rend(); ++it) {
      if (it->ue != ue) continue;
      if constexpr (std::is_constructible_v<nas::KmeMessage, M>) {
        if (it->as_kme<M>()) return &*it;
      } else {
        if (it->as<M>()) return &*it;
      }
    }
    return nullptr;
  }
  // The transport UE id of the UE that last sent an Attach request naming `imsi` (two devices
  // may carry the same UICC).
  std::optional<cnn::UeId> ue_id_of(std::string_view imsi) const {
    for (auto it = attach_order_.rbegin(); it != attach_order_.rend(); ++it) {
      if (it->second == imsi) return it->first;
    }
    return std::nullopt;
  }

  std::string dump() const {
    std::string s;
    for (const auto& e : timeline_) s += "  " + e.label + (e.imsi.empty() ? "" : "  [" + e.imsi + "]") + "\n";
    return s;
  }

 private:
  struct Observed {
    std::optional<nas::NasSecurityContext> ctx;
  };
  struct Entry {
    std::string label;
    std::string imsi;  // empty when not known
  };

  bool request(cnn::S6aRequest& r) {
    bool pass = on_request ? on_request(r) : true;
    S6aRecord rec{imsi_of(r), clone(r), !pass, std::nullopt};
    timeline_.push_back({"S6a " + std::string(s6a_name(r)) + (pass ? "" : " (dropped)"), imsi_of(r)});
    s6a_.push_back(std::move(rec));
    return pass;
  }

  void answer(cnn::S6aAnswer& a) {
    if (on_answer) on_answer(a);
    timeline_.push_back({"S6a " + std::string(s6a_name(a)), s6a_.empty() ? "" : s6a_.back().imsi});
    if (s6a_.empty()) return;
    S6aRecord& rec = s6a_.back();
    rec.answer = clone(a);
    if (const auto* aia = std::get_if<s6a::AuthenticationInformationAnswer>(&a);
        aia && aia->result.ok() && !aia->vectors.empty()) {
      kasme_[rec.imsi] = aia->vectors.front().kasme.clone();
    }
  }

  void nas_pdu(cnn::UeId ue, ByteView pdu, bool uplink, std::int64_t now) {
    NasRecord rec;
    rec.ue = ue;
    rec.uplink = uplink;
    rec.at_ms = now;
    rec.pdu.assign(pdu.begin(), pdu.end());
    const nas::Direction dir = uplink ? nas::Direction::kUplink : nas::Direction::kDownlink;
    auto header = nas::peek_header(pdu);
    if (!header) {
      rec.error = header.error().what();
    } else {
      rec.header_type = header->protocol_discriminator == nas::ProtocolDiscriminator::kEmm
                            ? header->security_header_type
                            : nas::SecurityHeaderType::kPlain;
      if (rec.header_type == nas::SecurityHeaderType::kPlain) {
        rec.plain = rec.pdu;
      } else {
        open_protected(ue, pdu, dir, rec);
      }
      if (!rec.plain.empty()) {
        auto m = nas::decode_nas(rec.plain, dir);
        if (m) {
          rec.message = std::move(*m);
        } else if (rec.error.empty()) {
          rec.error = m.error().what();
        }
      }
    }
    if (rec.message) learn(ue, rec);
    auto imsi = imsi_of_ue_.find(ue);
    timeline_.push_back({rec.label(), imsi == imsi_of_ue_.end() ? "" : imsi->second});
    nas_.push_back(std::move(rec));
  }

  void open_protected(cnn::UeId ue, ByteView pdu, nas::Direction dir, NasRecord& rec) {
    Observed& o = observed_[ue];
    if (rec.header_type == nas::SecurityHeaderType::kIntegrityProtectedNewContext && !rec.uplink &&
        pdu.size() > nas::kSecurityHeaderSize) {
      // Security mode command: the body is readable; take its algorithms into a new context.
      auto smc = nas::decode_nas(pdu.subspan(nas::kSecurityHeaderSize), dir);
      const auto* cmd = smc ? std::get_if<nas::SecurityModeCommand>(&*smc) : nullptr;
      auto imsi = imsi_of_ue_.find(ue);
      auto kasme = imsi == imsi_of_ue_.end() ? kasme_.end() : kasme_.find(imsi->second);
      if (cmd && kasme != kasme_.end()) {
        const auto& algs = cmd->selected_nas_security_algorithms;
        auto keys = crypto::derive_nas_keys(kasme->second, static_cast<std::uint8_t>(algs.ciphering),
                                            static_cast<std::uint8_t>(algs.integrity));
        if (keys) {
          auto ctx = nas::NasSecurityContext::create(algs, std::move(keys->k_nas_int),
                                                     std::move(keys->k_nas_enc));
          if (ctx) o.ctx = std::move(*ctx);
        }
      }
    }
    if (!o.ctx) {
      rec.error = "no NAS security context known to the recorder";
      return;
    }
    auto opened = o.ctx->unprotect(pdu, dir);
    if (!opened) {
      rec.error = opened.error().what();
      return;
    }
    rec.plain = std::move(opened->plain);
  }

  void learn(cnn::UeId ue, NasRecord& rec) {
    if (const auto* ar = rec.as<nas::AttachRequest>()) {
      if (const auto* imsi = std::get_if<nas::Imsi>(&ar->eps_mobile_identity.identity)) {
        imsi_of_ue_[ue] = imsi->digits;
        attach_order_.emplace_back(ue, imsi->digits);
      }
      observed_[ue].ctx.reset();  // every attach starts without a NAS security context
    }
    const nas::Octets* container = nullptr;
    if (const auto* d = rec.as<nas::DownlinkGenericNasTransport>();
        d && d->generic_message_container_type == nas::GenericMessageContainerType::kKme) {
      container = &d->generic_message_container;
    }
    if (const auto* u = rec.as<nas::UplinkGenericNasTransport>();
        u && u->generic_message_container_type == nas::GenericMessageContainerType::kKme) {
      container = &u->generic_message_container;
    }
    if (container) {
      auto k = nas::decode_kme(container->value);
      if (k) {
        rec.kme = std::move(*k);
      } else {
        rec.error = k.error().what();
      }
    }
  }

  std::vector<NasRecord> nas_;
  std::vector<S6aRecord> s6a_;
  std::vector<Entry> timeline_;
  std::map<cnn::UeId, std::string> imsi_of_ue_;
  std::vector<std::pair<cnn::UeId, std::string>> attach_order_;
  std::map<std::string, SecretBytes> kasme_;
  std::map<cnn::UeId, Observed> observed_;
};

// ---- store snapshots --------------------------------------------------------------------------

// Everything a refusal must leave as it was: KME status rows (version, procedure, source,
// presence, renewal flag, time), a fingerprint of each stored KME, and the table counts
// (subscribers, bindings, devices, KMEs, audit rows). The KME is compared by SHA-256 so that a
// failure message never prints a key.
struct StoreSnapshot {
  std::vector<std::string> rows;
  bool operator==(const StoreSnapshot&) const = default;
};
inline void PrintTo(const StoreSnapshot& s, std::ostream* os) {
  for (const auto& r : s.rows) *os << "\n    " << r;
}

inline StoreSnapshot snapshot(store::SubscriberStore& store) {
  StoreSnapshot s;
  auto status = take(store.list_kme_status(std::nullopt, 100000, std::nullopt));
  for (const auto& st : status) {
    std::string row = st.imsi + "/" + st.imei + " v" + std::to_string(st.version) + " proc=" +
                      std::to_string(st.procedure) + " source=" + st.source +
                      " present=" + std::to_string(st.present) +
                      " renewal=" + std::to_string(st.renewal_requested) +
                      " at=" + std::to_string(st.stored_at_unix_s);
    auto kme = take(store.get_kme(st.imsi, st.imei));
    if (kme) {
      auto digest = take(crypto::sha256({kme->kme.view()}));
      row += " kme-sha256=" + to_hex(ByteView(digest.data(), 8));
    }
    s.rows.push_back(std::move(row));
  }
  const auto c = take(store.counts());
  s.rows.push_back("counts subscribers=" + std::to_string(c.subscribers) + " bindings=" +
                   std::to_string(c.bindings) + " devices=" + std::to_string(c.devices) +
                   " kmes=" + std::to_string(c.kmes) + " audit=" + std::to_string(c.audit_rows));
  return s;
}

// ---- the fixture ------------------------------------------------------------------------------

inline SecretBytes master_key() { return SecretBytes(Bytes(32, 0x42)); }
inline SecretBytes cookie_key(std::uint8_t fill = 0x17) { return SecretBytes(Bytes(32, fill)); }

class SimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = std::filesystem::temp_directory_path() /
           ("kmebind-sim-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    std::filesystem::create_directories(dir_);
    store_ = take(store::open_store(store_path(), master_key()));
    ok(ring_.add_key(1, cookie_key()));
    hss_ = std::make_unique<hss::Hss>(take(hss::Hss::create(*store_, ring_, hss_config())));
    make_network(hss::LinkInfo{.confidential = true});
  }
  void TearDown() override {
    net_.reset();
    hss_.reset();
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  static hss::HssConfig hss_config() {
    hss::HssConfig c;
    c.allow_procedure1 = true;
    return c;
  }
  // The tests of the KME-Request (seed steps 3-5 on S6a) run without KME material on the AIA;
  // kme_prefetch_test.cpp runs the attach with it (the daemons' default).
  static cnn::CnnConfig cnn_config() {
    cnn::CnnConfig c;
    c.plmn = std::string(kPlmn);
    c.kme_prefetch = false;
    return c;
  }
  static ue::UeConfig ue_config() {
    ue::UeConfig c;
    c.plmn = std::string(kPlmn);
    return c;
  }
  std::string store_path() const { return (dir_ / "hss.db").string(); }

  // A new network (the UEs added so far are dropped) on the fixture's HSS.
  void make_network(hss::LinkInfo link, cnn::CnnConfig config = cnn_config()) {
    recorder_ = std::make_unique<Recorder>();
    flusher_.reset();
    net_ = std::make_unique<InProcessNetwork>(*hss_, std::move(config), kStartUnix, link);
    recorder_->attach(*net_);
  }

  static std::string imsi_for(std::uint64_t n) {
    std::string digits = std::to_string(n);
    return "00101" + std::string(10 - digits.size(), '0') + digits;
  }
  // A device of ECIES profile A with Ed25519, or B with ECDSA P-256 (device index = n).
  static ue::UeProfile profile(std::uint64_t n, bool profile_b = false) {
    return take(ue::make_ue_profile(
        imsi_for(n), n, profile_b ? crypto::EciesProfile::kB : crypto::EciesProfile::kA,
        profile_b ? crypto::SignatureAlgorithm::kEcdsaP256Sha256 : crypto::SignatureAlgorithm::kEd25519));
  }
  static SubscriptionPolicy only_procedure(int procedure) {
    SubscriptionPolicy p;
    p.procedure1_allowed = procedure == 1;
    p.procedure2_allowed = procedure == 2;
    return p;
  }

  // Writes the subscription (step 0) and adds the UE to the network.
  UeIndex add_ue(const ue::UeProfile& p, const SubscriptionPolicy& policy) {
    ok(provision_subscription(*store_, p, policy, "test"));
    return add_device(p);
  }
  // Adds a UE built from `p` without touching the store.
  UeIndex add_device(const ue::UeProfile& p) {
    return net_->add_ue(take(ue::make_ue(p, ue_config())));
  }

  // Runs the attach of UE `i`, then flush().
  AttachOutcome attach(UeIndex i) {
    AttachOutcome o = net_->run_attach({i}).front();
    flush();
    return o;
  }
  // run_attach returns as soon as the UE reports EMM-REGISTERED, i.e. when it has *queued*
  // Attach complete; the network delivers that PDU only when it next runs. The harness has no
  // drain call, so this runs one attach of a UE the HSS does not know (#8, no KME procedure,
  // nothing stored) to carry the queue forward; its records are tagged with its own IMSI.
  void flush() {
    if (!flusher_) {
      ue::UeProfile p = take(ue::make_ue_profile(kFlushImsi, 999999, crypto::EciesProfile::kA,
                                                 crypto::SignatureAlgorithm::kEd25519));
      flusher_ = add_device(p);
    }
    const AttachOutcome o = net_->run_attach({*flusher_}).front();
    EXPECT_EQ(o.reject_cause, 8) << "flush: " << describe(o);
  }
  static constexpr std::string_view kFlushImsi = "001019999999999";

  std::optional<store::KmeRecord> stored_kme(const ue::UeProfile& p) {
    return take(store_->get_kme(p.imsi, p.imei14));
  }
  const ue::StoredKme* device_kme(UeIndex i) {
    return net_->ue(i).mobile_equipment().kmes().committed();
  }

  static std::string describe(const AttachOutcome& o) {
    std::string s = "attached=" + std::to_string(o.attached);
    if (o.reject_cause) s += " cause=#" + std::to_string(*o.reject_cause);
    s += " kme_procedure=" + std::to_string(o.kme_procedure) +
         " kme_version=" + std::to_string(o.kme_version) +
         " device_authenticated=" + std::to_string(o.device_authenticated) +
         " binding_violation=" + std::to_string(o.binding_violation);
    if (!o.detail.empty()) s += " detail=" + o.detail;
    return s;
  }
  std::string trace(const AttachOutcome& o) const { return describe(o) + "\n" + recorder_->dump(); }

  // The result code of the last answer of request type T for `imsi` as the CNN received it;
  // nullopt when there was no such request or it went unanswered.
  template <class T>
  std::optional<s6a::ResultCode> result_of_last(std::string_view imsi) const {
    const S6aRecord* r = recorder_->last<T>(imsi);
    if (!r || !r->answer) return std::nullopt;
    return result_of(*r->answer);
  }
  std::size_t count_requests(std::string_view imsi, std::size_t variant_index) const {
    std::size_t n = 0;
    for (const S6aRecord* r : recorder_->s6a_of(imsi)) n += r->request.index() == variant_index;
    return n;
  }
  static constexpr std::size_t kUlr = 2;  // cnn::S6aRequest alternative of the ULR

  // How every binding threat ends: Attach reject #6 on the wire (read by the recorder, ciphered
  // when security was up) and at the UE, which is left deregistered with no new KME committed.
  void expect_illegal_me(const AttachOutcome& o, UeIndex i, std::string_view imsi) {
    expect_attach_reject(o, i, imsi, nas::EmmCause::kIllegalMe);
  }
  // How a refused confirm that says nothing against the device ends (a version conflict, an
  // expired Cookie: docs/protocol.md §3): Attach reject #17, after which a UE tries again when
  // T3411 expires (TS 24.301 §5.5.1.2.6 d) instead of holding its USIM invalid.
  void expect_network_failure(const AttachOutcome& o, UeIndex i, std::string_view imsi) {
    expect_attach_reject(o, i, imsi, nas::EmmCause::kNetworkFailure);
  }
  void expect_attach_reject(const AttachOutcome& o, UeIndex i, std::string_view imsi,
                            nas::EmmCause cause) {
    EXPECT_FALSE(o.attached) << trace(o);
    EXPECT_EQ(o.reject_cause, static_cast<std::uint8_t>(cause)) << trace(o);
    const auto ue = recorder_->ue_id_of(imsi);
    ASSERT_TRUE(ue.has_value());
    const NasRecord* reject = recorder_->last_nas<nas::AttachReject>(*ue);
    ASSERT_NE(reject, nullptr) << recorder_->dump();
    EXPECT_EQ(reject->as<nas::AttachReject>()->emm_cause, cause);
    EXPECT_EQ(net_->ue(i).state(), ue::UeState::kDeregistered);
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::SubscriberStore> store_;
  crypto::CookieKeyRing ring_;
  std::unique_ptr<hss::Hss> hss_;
  std::unique_ptr<Recorder> recorder_;
  std::unique_ptr<InProcessNetwork> net_;
  std::optional<UeIndex> flusher_;
};

}  // namespace kmebind::sim::testing
