// libFuzzer harness: the HSS protocol core (src/hss/hss.h) as an admitted but buggy or compromised
// CNN drives it — sequences of AIR, KME-Request and ULR (with KME-Confirm or KME-Device-Proof)
// whose values the CNN chooses, over a real SQLite store (hss_core_fuzz_fixture.h), on a virtual
// clock the input advances. The Cookies, challenge tokens, XRsp/HXRsp and Nonces of earlier
// answers in the same input are reused, as they are or mutated, and the genuine devices (whose
// private keys the fixture holds) open each KME payload and sign the genuine transcript, so that
// the confirm and device-proof paths are reached and then attacked.
//
// Properties (abort on violation):
//  - every answer's result is one s6a::describe knows;
//  - a refused request changes nothing in the store (every table compared), except that a refused
//    AIR may have moved its own subscriber's SQN forward: hss.h "an AIR's SQN reservation stands
//    once made" — a verified AUTS sets SQN_HE before the advance that may then find the SQN space
//    exhausted (TS 33.102 Annex C allows gaps) — and that a procedure-2 confirm of the stored
//    version with another KME (two provisionings raced, docs/protocol.md §2), with a Cookie the
//    HSS issued for that pair and version and the genuine device's signature, marks that pair's
//    KME for renewal (with its audit row) and nothing else;
//  - a KME-Request changes nothing (hss.h: "Stores nothing"); an AIR only its subscriber's SQN;
//    a ULR only the pair's KME (with its audit row; the new KME has no renewal pending, the
//    subscriber's other pairs keep theirs) and only with a confirm;
//  - an SQN never goes back; an accepted AIR's vectors verify on the USIM (TS 33.102 §6.3.3), with
//    SQNs one step apart after SQN_HE (or after a verified SQN_MS), and SQN_HE is the last one;
//  - KME material: a provisioning's payload opens with the device's key and names its IMEI,
//    version and procedure, XRsp = Rsp(KME, Nonce); procedure 1 only on a confidential link with
//    allow_procedure1 and the subscriber's permission, with a procedure-1 Cookie; a challenge names
//    the stored KME's version and HXRsp = HXRsp(Nonce, Rsp(stored KME, Nonce));
//  - a ULR stores a KME only (procedure 2) when its Cookie is one the HSS issued for that IMSI,
//    IMEI and version, within the Cookie lifetime, and its signature is the one the genuine device
//    made over the genuine transcript, or (procedure 1) on a link and for a subscriber procedure 1
//    is allowed on, for a pair with no KME or a renewal requested for that pair's KME (or the same
//    confirm again), and only with the Cookie of a procedure-1 KMA the HSS issued for that IMSI,
//    IMEI and version, within the Cookie lifetime, naming the confirmed KME; the stored KME is
//    then the confirmed one, with no renewal pending;
//  - a ULR with a device proof is accepted only for a token the HSS issued for that IMSI, IMEI and
//    the stored KME's version, within the challenge lifetime, with Rsp = Rsp(stored KME, Nonce);
//  - KME material on an AIA (hss.h on_air) only when the AIR asked for it, the config allows it,
//    the subscriber is kKmeRequired and allows exactly one IMEI; it then passes the KME-Request
//    checks above for that IMEI, and the confirm and proof paths reuse it like a KMA's; when it
//    is absent although asked for, the same KME-Request is refused.
//
// Input (read from the front, 0 past the end): one octet of HssConfig flags (bit 0
// allow_procedure1, bit 1 an MSISDN, bits 2-3 sqn_step 32/1/2^16/4, bits 4-5 max_vectors_per_air
// 5/1/32/7, bit 6 lifetimes of 30 s (Cookie) and 1 s (challenge), bit 7 AIRs may ask for KME
// material and a second octet of flags follows: bit 0 kme_prefetch off), then up to 8 requests,
// each: op (mod 6: 0 AIR, 1 KMR, 2 ULR, 3 ULR with a KME-Confirm, 4 ULR with a KME-Device-Proof,
// 5 an operator's change of the store), clock step (kClockSteps[mod 16]), then
//   AIR:     IMSI, PLMN, vectors (1-7; 0xe0-0xef: 0), resync (mod 8: 0-3 none, 4 genuine AUTS
//            for SQN_HE ± sqn_step × next octet, 5 genuine AUTS near 2^48, 6 AUTS that does not
//            verify, 7 wrong lengths); with flags bit 7 then KME material asked
//            (kme_prefetch_procedures, as KMR's supported procedures) and link (bit 0
//            confidential)
//   KMR:     IMSI, IMEI, supported procedures, link (bit 0 confidential)
//   ULR:     IMSI, IMEI (0xff: no Terminal-Information), PLMN, link
//   confirm: which earlier provisioning (mod count), link, mutations (below)
//   proof:   which earlier challenge (mod count), link, mutations
//   change:  action (mod 4: 0 KME renewal request, 1 deny binding, 2 allow binding, 3 raise the
//            KME version counter by the next octet mod 3, or from 0xf0 near 2^32), IMSI, IMEI
//            (not for 0)
// where IMSI/IMEI/PLMN are selector octets (pick_imsi, pick_imei, pick_plmn) and a mutation is one
// octet (kind mod 16; bit 7: another mutation follows, at most 3).
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

#include "crypto/challenge_token.h"
#include "crypto/cookie.h"
#include "crypto/kdf.h"
#include "crypto/kme.h"
#include "crypto/milenage.h"
#include "hss/hss.h"
#include "hss/payload_sealing.h"
#include "hss_core_fuzz_fixture.h"
#include "nas/kme_payload.h"

using namespace kmebind;
namespace hc = kmebind::fuzz::hss_core;

namespace {

constexpr std::size_t kMaxRequests = 8;
constexpr std::array<std::int64_t, 16> kClockSteps = {0,  0,   1,   2,   5,   10,   59,  60,
                                                      61, 120, 299, 300, 301, 3600, -30, -61};
constexpr std::string_view kUnknownImsi = "001010000000099";

// With HSS_CORE_FUZZ_STATS set, how often each request kind got each result, printed at exit:
// shows whether a corpus reaches the accepted confirms and device proofs.
void count(std::string_view what, const s6a::ResultCode& rc) {
  static const bool enabled = std::getenv("HSS_CORE_FUZZ_STATS") != nullptr;
  if (!enabled) return;
  static std::map<std::string, std::uint64_t>* counts = [] {
    auto* m = new std::map<std::string, std::uint64_t>();
    std::atexit([] {
      for (const auto& [k, v] : *counts)
        std::fprintf(stderr, "%10llu %s\n", static_cast<unsigned long long>(v), k.c_str());
    });
    return m;
  }();
  ++(*counts)[std::string(what) + " " + std::string(s6a::describe(rc))];
}

class Reader {
 public:
  Reader(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  std::uint8_t byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  Bytes bytes(std::size_t n) {
    Bytes out(n);
    for (auto& b : out) b = byte();
    return out;
  }
  std::string digits(std::size_t n) {
    std::string out(n, '0');
    for (auto& c : out) c = static_cast<char>('0' + byte() % 10);
    return out;
  }
  bool done() const { return pos_ >= size_; }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

// What the CNN got from a KMA's provisioning and what the genuine device made of its payload.
struct Provision {
  std::string imsi;
  std::string imei14;
  s6a::KmeProcedure procedure = s6a::KmeProcedure::kHiddenFromCnn;
  std::uint32_t version = 0;
  Bytes cookie;
  SecretBytes kme;  // from the payload, as the device decrypted it
  Bytes nonce;
  Bytes signature;  // procedure 2: the device's signature over the genuine transcript
  std::uint8_t sig_code = 0;
  std::int64_t issued_at = 0;
};

struct Challenge {
  std::string imsi;
  std::string imei14;
  std::uint32_t version = 0;
  Bytes nonce;
  Bytes hxrsp;
  Bytes token;
  std::int64_t issued_at = 0;
};

std::string imei15(std::string_view imei14) {
  return hss::imei_with_check_digit(imei14);
}

std::optional<std::string> normalized(std::string_view imei) {
  auto n = store::normalize_imei(imei);
  if (!n) return std::nullopt;
  return *n;
}

Bytes sqn_octets(std::uint64_t sqn) {
  Bytes out(6);
  for (std::size_t i = 0; i < 6; ++i) out[5 - i] = static_cast<std::uint8_t>(sqn >> (8 * i));
  return out;
}

std::uint64_t sqn_value(ByteView octets) {
  std::uint64_t v = 0;
  for (std::uint8_t b : octets) v = (v << 8) | b;
  return v;
}

bool secret_equals(const SecretBytes& a, ByteView b) {
  return equal_ct(a.view(), b);
}

// Which parts of the store differ between two snapshots.
std::set<std::string> changed(const hc::StoreSnapshot& a, const hc::StoreSnapshot& b) {
  std::set<std::string> out;
  for (const auto& [name, rows] : a.parts) {
    auto it = b.parts.find(name);
    if (it == b.parts.end() || it->second != rows) out.insert(name);
  }
  return out;
}

bool only(const std::set<std::string>& changes, std::initializer_list<std::string_view> allowed) {
  return std::all_of(changes.begin(), changes.end(), [&](const std::string& c) {
    return std::find(allowed.begin(), allowed.end(), c) != allowed.end();
  });
}

class Session {
 public:
  // `air_material`: AIRs read the octets that ask for KME material (input flags bit 7).
  Session(Reader& in, hc::World& world, const hss::Hss& hss, bool air_material)
      : in_(in), world_(world), hss_(hss), air_material_(air_material),
        before_(world.initial()) {}

  void request() {
    const std::uint8_t op = in_.byte() % 6;
    now_ += kClockSteps[in_.byte() % kClockSteps.size()];
    switch (op) {
      case 0:
        air();
        break;
      case 1:
        kmr();
        break;
      case 2:
        plain_ulr();
        break;
      case 3:
        confirm_ulr();
        break;
      case 4:
        proof_ulr();
        break;
      default:
        operator_action();
        break;
    }
    // TS 33.102 Annex C: SQN_HE never goes back, whatever the request did.
    for (const auto& [imsi, sqn] : before_.sqn) KMEBIND_FUZZ_CHECK(after_.sqn.at(imsi) >= sqn);
    before_ = std::move(after_);  // nothing changes the store between two requests
  }

  // The store as the last request left it.
  const hc::StoreSnapshot& state() const { return before_; }

 private:
  // --- value pickers: mostly plausible, sometimes anything ----------------------------------
  std::string pick_imsi() {
    const std::uint8_t b = in_.byte();
    const auto& subs = world_.subscribers();
    if (b < 0xc0) {
      const std::size_t i = b % (subs.size() + 1);
      return i < subs.size() ? subs[i].imsi : std::string(kUnknownImsi);
    }
    if (b < 0xf0) return in_.digits((b & 0x0f) + 1u);
    if (b == 0xf0) return "";
    if (b == 0xf1) return "00101000000000a";
    return subs[b % subs.size()].imsi + "0";  // 16 digits
  }

  std::string pick_imei() {
    const std::uint8_t b = in_.byte();
    const auto& devs = world_.devices();
    const std::string& imei = devs[b % devs.size()].imei14;
    if (b < 0xa0) return imei;
    if (b < 0xc0) return imei15(imei);
    if (b < 0xd0) {  // a wrong check digit
      std::string bad = imei15(imei);
      bad.back() = static_cast<char>('0' + (bad.back() - '0' + 1 + in_.byte() % 9) % 10);
      return bad;
    }
    if (b < 0xe0) return in_.digits((b & 0x0f) + 6u);
    if (b == 0xe0) return "";
    if (b == 0xe1) return imei15(imei) + "1";
    return imei.substr(0, 13) + "X";
  }

  Bytes pick_plmn() {
    const std::uint8_t b = in_.byte();
    if (b < 0xc0) return hc::kPlmn;
    if (b < 0xe0) return in_.bytes(3);
    return in_.bytes(b % 6);
  }

  // --- the operator changes the store between two requests (docs/admin.md) -----------------
  // A renewal request, a revoked or re-allowed binding, a raised KME version counter: the HSS
  // must then refuse the challenges and Cookies it issued before. Refusals of the store are fine.
  void operator_action() {
    const std::uint8_t what = in_.byte();
    const std::string imsi = pick_imsi();
    auto& st = world_.store();
    if (what % 4 == 0) {
      (void)st.request_kme_renewal(imsi, "fuzz");
    } else {
      const auto imei14 = normalized(pick_imei());
      if (imei14 && what % 4 == 1) (void)st.deny_binding(imsi, *imei14, "fuzz");
      if (imei14 && what % 4 == 2) (void)st.allow_binding(imsi, *imei14, "fuzz");
      if (imei14 && what % 4 == 3) {
        auto counter = st.kme_version(imsi, *imei14);
        const std::uint8_t by = in_.byte();
        // mostly a step up; sometimes to the end of the version space (2^32 - 2 is the highest)
        const std::uint32_t to =
            by < 0xf0 ? (counter ? *counter + by % 3 : 0) : 0xfffffffeu - (by & 3);
        if (counter) (void)st.raise_kme_version(imsi, *imei14, to, "fuzz");
      }
    }
    after_ = world_.snapshot();
  }

  // --- AIR ----------------------------------------------------------------------------------
  void air() {
    s6a::AuthenticationInformationRequest req;
    req.imsi = pick_imsi();
    req.visited_plmn_id = pick_plmn();
    const std::uint8_t n = in_.byte();
    req.number_of_vectors = n < 0xe0    ? 1u + n % 7u
                            : n < 0xf0  ? 0u
                            : n == 0xff ? 0xffffffffu
                                        : 1000u;
    const hc::Subscriber* sub = world_.subscriber(req.imsi);
    const auto before_sqn = before_.sqn.find(req.imsi);
    const std::uint64_t step = hss_.config().sqn_step;
    std::optional<std::uint64_t> genuine_sqn_ms;  // SQN_MS of a genuine AUTS
    const int resync = in_.byte() % 8;
    switch (resync) {
      case 4:
      case 5: {
        const std::uint8_t d = in_.byte();
        const Bytes rand = last_rand_.empty() ? Bytes(16, 0x5a) : last_rand_;
        const std::uint64_t he = before_sqn != before_.sqn.end() ? before_sqn->second : 0;
        std::uint64_t sqn_ms = hc::kSqnMax - d;  // 5: a USIM near the end of the SQN space
        if (resync == 4 && d < 0x80) {           // ahead of SQN_HE
          sqn_ms = std::min(hc::kSqnMax, he + step * d);
        } else if (resync == 4) {  // behind SQN_HE
          const std::uint64_t back = step * (d - 0x80u);
          sqn_ms = he >= back ? he - back : 0;
        }
        req.resync = s6a::ResyncInfo{rand, auts(sub, rand, sqn_ms)};
        if (sub != nullptr) genuine_sqn_ms = sqn_ms;
        break;
      }
      case 6:
        req.resync = s6a::ResyncInfo{in_.bytes(16), in_.bytes(14)};
        break;
      case 7: {
        const std::uint8_t len = in_.byte();
        req.resync = s6a::ResyncInfo{in_.bytes(len % 20), in_.bytes(len / 20 % 16)};
        break;
      }
      default:
        break;
    }

    hss::LinkInfo link;
    if (air_material_) {
      req.kme_prefetch_procedures = pick_procedures();
      link.confidential = (in_.byte() & 1) != 0;
    }

    hss::HssEvent event;
    const s6a::AuthenticationInformationAnswer aia = hss_.on_air(req, now_, link, event);
    check_result(aia.result);
    count(req.resync ? "AIR+resync" : "AIR", aia.result);
    after_ = world_.snapshot();
    const hc::StoreSnapshot& after = after_;
    KMEBIND_FUZZ_CHECK(
        only(changed(before_, after), {"subscribers.sqn", "subscribers.updated_at"}));
    for (const auto& [imsi, sqn] : before_.sqn) {
      if (imsi != req.imsi) KMEBIND_FUZZ_CHECK(after.sqn.at(imsi) == sqn);
    }
    if (!aia.result.ok()) {
      KMEBIND_FUZZ_CHECK(aia.vectors.empty() && aia.kme_prefetch == nullptr);
      return;
    }
    KMEBIND_FUZZ_CHECK(sub != nullptr && before_sqn != before_.sqn.end());
    const std::uint32_t count =
        std::min<std::uint32_t>(req.number_of_vectors, hss_.config().max_vectors_per_air);
    KMEBIND_FUZZ_CHECK(req.number_of_vectors > 0 && aia.vectors.size() == count);
    std::uint64_t base = before_sqn->second;
    if (genuine_sqn_ms && *genuine_sqn_ms >= base) base = *genuine_sqn_ms;
    for (std::uint32_t i = 0; i < count; ++i) {
      check_vector(*sub, aia.vectors[i], req.visited_plmn_id, base + step * (i + 1));
    }
    KMEBIND_FUZZ_CHECK(after.sqn.at(req.imsi) == base + step * count);
    KMEBIND_FUZZ_CHECK(static_cast<int>(aia.binding) == static_cast<int>(sub->mode));
    last_rand_ = aia.vectors.back().rand;
    check_prefetch(req, link, aia, *sub);
  }

  // KME material on the AIA: exactly the KME-Request's answer for the one allowed IMEI.
  void check_prefetch(const s6a::AuthenticationInformationRequest& req, const hss::LinkInfo& link,
                      const s6a::AuthenticationInformationAnswer& aia, const hc::Subscriber& sub) {
    const bool asked = hss_.config().kme_prefetch && req.kme_prefetch_procedures != 0 &&
                       sub.mode == store::BindingMode::kKmeRequired;
    auto imeis = world_.store().list_bindings(req.imsi);
    KMEBIND_FUZZ_CHECK(imeis.has_value());
    if (asked) count(aia.kme_prefetch ? "AIR KME material" : "AIR no KME material", aia.result);
    if (!asked || imeis->size() != 1) {
      KMEBIND_FUZZ_CHECK(aia.kme_prefetch == nullptr);
      return;
    }
    const std::string& imei14 = imeis->front();
    if (aia.kme_prefetch == nullptr) {
      // Absent although asked: the KME-Request it stands for is refused (and stores nothing).
      hss::HssEvent event;
      const s6a::KmeAnswer kma = hss_.on_kme_request(
          s6a::KmeRequest{req.imsi, imei14, req.kme_prefetch_procedures}, now_, link, event);
      KMEBIND_FUZZ_CHECK(!kma.result.ok());
      return;
    }
    const s6a::KmePrefetch& m = *aia.kme_prefetch;
    KMEBIND_FUZZ_CHECK(m.imei == imei14);
    check_material(req.imsi, imei14, req.kme_prefetch_procedures, link,
                   std::get_if<s6a::DeviceChallenge>(&m.action),
                   std::get_if<s6a::KmeProvisioning>(&m.action));
  }

  // The procedures a CNN says it runs: mostly the two bits, sometimes any octet.
  std::uint8_t pick_procedures() {
    const std::uint8_t b = in_.byte();
    return b < 0xf0 ? b % 4 : b;
  }

  // AUTS = (SQN_MS ⊕ f5*(RAND)) ‖ f1*(SQN_MS, RAND, AMF 0000), TS 33.102 §6.3.3.
  static Bytes auts(const hc::Subscriber* sub, ByteView rand, std::uint64_t sqn_ms) {
    if (sub == nullptr) return Bytes(14, 0x33);
    const Bytes sqn = sqn_octets(sqn_ms);
    auto out = crypto::milenage(sub->k, sub->opc, rand, sqn, Bytes(2, 0));
    KMEBIND_FUZZ_CHECK(out.has_value());
    Bytes a(14);
    for (std::size_t i = 0; i < 6; ++i) a[i] = static_cast<std::uint8_t>(sqn[i] ^ out->ak_star[i]);
    std::copy(out->mac_s.begin(), out->mac_s.end(), a.begin() + 6);
    return a;
  }

  // The USIM's side (TS 33.102 §6.3.3, TS 33.401 §6.1.1 and A.2): AUTN verifies and carries
  // `sqn` with the AMF separation bit set; XRES = RES; KASME as the UE derives it.
  static void check_vector(const hc::Subscriber& sub, const s6a::EutranVector& v, ByteView plmn,
                           std::uint64_t sqn) {
    KMEBIND_FUZZ_CHECK(v.rand.size() == 16 && v.autn.size() == 16 && v.kasme.size() == 32);
    const ByteView autn(v.autn);
    KMEBIND_FUZZ_CHECK((autn[6] & 0x80) != 0);
    auto masked = crypto::milenage(sub.k, sub.opc, v.rand, Bytes(6, 0), autn.subspan(6, 2));
    KMEBIND_FUZZ_CHECK(masked.has_value());
    Bytes sqn_in_autn(6);
    for (std::size_t i = 0; i < 6; ++i) {
      sqn_in_autn[i] = static_cast<std::uint8_t>(autn[i] ^ masked->ak[i]);
    }
    KMEBIND_FUZZ_CHECK(sqn_value(sqn_in_autn) == sqn);
    auto out = crypto::milenage(sub.k, sub.opc, v.rand, sqn_in_autn, autn.subspan(6, 2));
    KMEBIND_FUZZ_CHECK(out.has_value());
    KMEBIND_FUZZ_CHECK(equal_ct(out->mac_a, autn.subspan(8, 8)));
    KMEBIND_FUZZ_CHECK(out->res == v.xres);
    auto kasme = crypto::derive_kasme(out->ck, out->ik, plmn, autn.first(6));
    KMEBIND_FUZZ_CHECK(kasme.has_value() && *kasme == v.kasme);
  }

  // --- KME-Request --------------------------------------------------------------------------
  void kmr() {
    s6a::KmeRequest req;
    req.imsi = pick_imsi();
    req.imei = pick_imei();
    req.supported_procedures = pick_procedures();
    const hss::LinkInfo link{(in_.byte() & 1) != 0};

    hss::HssEvent event;
    s6a::KmeAnswer kma = hss_.on_kme_request(req, now_, link, event);
    check_result(kma.result);
    count(std::holds_alternative<s6a::DeviceChallenge>(kma.action)   ? "KMR challenge"
          : std::holds_alternative<s6a::KmeProvisioning>(kma.action) ? "KMR provisioning"
                                                                     : "KMR",
          kma.result);
    after_ = world_.snapshot();
    KMEBIND_FUZZ_CHECK(after_ == before_);  // a KME-Request stores nothing
    if (!kma.result.ok()) {
      KMEBIND_FUZZ_CHECK(std::holds_alternative<std::monostate>(kma.action));
      return;
    }

    const auto imei14 = normalized(req.imei);
    KMEBIND_FUZZ_CHECK(imei14.has_value());
    check_material(req.imsi, *imei14, req.supported_procedures, link,
                   std::get_if<s6a::DeviceChallenge>(&kma.action),
                   std::get_if<s6a::KmeProvisioning>(&kma.action));
  }

  // The material a KME-Request for (imsi, imei14, supported) on `link` was answered with — in a
  // KMA or on an AIA — against the store; what the genuine device makes of it is recorded for the
  // ULRs that follow. Exactly one of `c` and `p` is non-null.
  void check_material(const std::string& imsi, const std::string& imei14, std::uint8_t supported,
                      const hss::LinkInfo& link, const s6a::DeviceChallenge* c,
                      const s6a::KmeProvisioning* p) {
    const hc::Subscriber* sub = world_.subscriber(imsi);
    KMEBIND_FUZZ_CHECK(sub != nullptr && sub->mode == store::BindingMode::kKmeRequired);
    auto allowed = world_.store().is_binding_allowed(imsi, imei14);
    KMEBIND_FUZZ_CHECK(allowed.has_value() && *allowed);
    const hc::Device* device = world_.device(imei14);
    KMEBIND_FUZZ_CHECK(device != nullptr);
    auto stored = world_.store().get_kme(imsi, imei14);
    KMEBIND_FUZZ_CHECK(stored.has_value());

    if (c != nullptr) {
      // A challenge only with a stored KME whose renewal is not pending (the pair's own state).
      KMEBIND_FUZZ_CHECK(stored->has_value() && !(*stored)->renewal_requested);
      KMEBIND_FUZZ_CHECK((*stored)->version == c->kme_version);
      auto rsp = crypto::compute_rsp((*stored)->kme, c->nonce);
      KMEBIND_FUZZ_CHECK(rsp.has_value());
      auto hxrsp = crypto::compute_hxrsp(c->nonce, *rsp);
      KMEBIND_FUZZ_CHECK(hxrsp.has_value() && *hxrsp == c->hxrsp);
      KMEBIND_FUZZ_CHECK(c->challenge_token.size() == crypto::kChallengeTokenSize);
      challenges_.push_back(
          {imsi, imei14, c->kme_version, c->nonce, c->hxrsp, c->challenge_token, now_});
      return;
    }
    KMEBIND_FUZZ_CHECK(p != nullptr);
    // Provisioning only for a pair with no KME or with a renewal pending for its own KME.
    KMEBIND_FUZZ_CHECK(!stored->has_value() || (*stored)->renewal_requested);
    auto counter = world_.store().kme_version(imsi, imei14);
    KMEBIND_FUZZ_CHECK(counter.has_value() && p->kme_version == *counter + 1);
    const bool p1 = p->procedure == s6a::KmeProcedure::kSharedWithCnn;
    KMEBIND_FUZZ_CHECK(p->ecies_profile ==
                       (device->enc_profile == crypto::EciesProfile::kA ? 1 : 2));
    if (p1) {
      // Procedure 1 puts the KME on the S6a link (hss_config.h allow_procedure1).
      KMEBIND_FUZZ_CHECK(link.confidential && hss_.config().allow_procedure1 && sub->procedure1 &&
                         (supported & 1) != 0 && p->cookie.size() == crypto::kCookieSize);
    } else {
      KMEBIND_FUZZ_CHECK(p->procedure == s6a::KmeProcedure::kHiddenFromCnn && sub->procedure2 &&
                         (supported & 2) != 0 &&
                         p->cookie.size() == crypto::kCookieSize);
    }
    // Seed step 7: the genuine device opens the payload with its private key.
    auto plain =
        crypto::ecies_decrypt(device->enc_profile, device->enc_private, p->encrypted_payload);
    KMEBIND_FUZZ_CHECK(plain.has_value());
    auto payload = nas::decode_kme_payload(plain->view());
    KMEBIND_FUZZ_CHECK(payload.has_value());
    KMEBIND_FUZZ_CHECK(payload->imei == imei15(imei14) && payload->kme_version == p->kme_version);
    KMEBIND_FUZZ_CHECK(static_cast<int>(payload->procedure) == static_cast<int>(p->procedure));
    Provision rec{imsi,
                  imei14,
                  p->procedure,
                  p->kme_version,
                  p->cookie,
                  payload->kme.clone(),
                  {},
                  {},
                  device->sig_code(),
                  now_};
    if (p1) {
      KMEBIND_FUZZ_CHECK(!payload->nonce && p->kme == payload->kme &&
                         p->cookie.size() == crypto::kCookieSize);
    } else {
      KMEBIND_FUZZ_CHECK(payload->nonce.has_value() && p->kme.size() == 0);
      rec.nonce.assign(payload->nonce->begin(), payload->nonce->end());
      auto xrsp = crypto::compute_rsp(payload->kme, rec.nonce);
      KMEBIND_FUZZ_CHECK(xrsp.has_value() && *xrsp == p->xrsp);
      auto signature =
          crypto::sign(device->sig_alg, device->sig_private,
                       crypto::kme_transcript(imsi, imei14, rec.nonce, payload->kme));
      KMEBIND_FUZZ_CHECK(signature.has_value());
      rec.signature = std::move(*signature);
    }
    provisions_.push_back(std::move(rec));
  }

  // --- ULR ----------------------------------------------------------------------------------
  void plain_ulr() {
    s6a::UpdateLocationRequest req;
    req.imsi = pick_imsi();
    if (in_.byte() != 0xff) req.terminal = s6a::TerminalInformation{pick_imei(), "01"};
    req.visited_plmn_id = pick_plmn();
    ulr(req, hss::LinkInfo{(in_.byte() & 1) != 0});
  }

  void confirm_ulr() {
    s6a::UpdateLocationRequest req;
    req.visited_plmn_id = hc::kPlmn;
    s6a::KmeConfirm c;
    const std::uint8_t which = in_.byte();
    if (provisions_.empty()) {  // a confirm the HSS never issued anything for
      req.imsi = pick_imsi();
      req.terminal = s6a::TerminalInformation{pick_imei(), "01"};
      c.procedure = static_cast<s6a::KmeProcedure>(which % 3);
      c.kme_version = in_.byte();
      c.kme = SecretBytes(in_.bytes(32));
      c.cookie = in_.bytes(crypto::kCookieSize);
      c.signature_algorithm = in_.byte() % 3;
      c.signature = in_.bytes(64);
    } else {
      const Provision& p = provisions_[which % provisions_.size()];
      req.imsi = p.imsi;
      req.terminal = s6a::TerminalInformation{p.imei14, "01"};
      c.procedure = p.procedure;
      c.kme_version = p.version;
      if (p.procedure == s6a::KmeProcedure::kSharedWithCnn) c.kme = p.kme.clone();
      c.cookie = p.cookie;
      c.signature_algorithm = p.sig_code;
      c.signature = p.signature;
    }
    const hss::LinkInfo link{(in_.byte() & 1) != 0};
    req.kme_confirm = std::move(c);
    mutate(req, false);
    ulr(req, link);
  }

  void proof_ulr() {
    s6a::UpdateLocationRequest req;
    req.visited_plmn_id = hc::kPlmn;
    s6a::DeviceProof proof;
    const std::uint8_t which = in_.byte();
    if (challenges_.empty()) {
      req.imsi = pick_imsi();
      req.terminal = s6a::TerminalInformation{pick_imei(), "01"};
      proof.kme_version = which;
      proof.challenge_token = in_.bytes(crypto::kChallengeTokenSize);
      proof.rsp = in_.bytes(16);
    } else {
      const Challenge& c = challenges_[which % challenges_.size()];
      req.imsi = c.imsi;
      req.terminal = s6a::TerminalInformation{c.imei14, "01"};
      proof.kme_version = c.version;
      proof.challenge_token = c.token;
      proof.rsp = device_rsp(c.imsi, c.imei14, c.nonce);
    }
    const hss::LinkInfo link{(in_.byte() & 1) != 0};
    req.device_proof = std::move(proof);
    mutate(req, true);
    ulr(req, link);
  }

  // The genuine device answers a challenge with the KME it holds: the pair's stored one.
  Bytes device_rsp(std::string_view imsi, std::string_view imei14, ByteView nonce) {
    auto stored = world_.store().get_kme(imsi, imei14);
    if (!stored || !*stored) return Bytes(16, 0);
    auto rsp = crypto::compute_rsp((*stored)->kme, nonce);
    KMEBIND_FUZZ_CHECK(rsp.has_value());
    return *rsp;
  }

  static void flip(Bytes& b, std::uint8_t pos, std::uint8_t bit) {
    if (b.empty()) {
      b.push_back(bit);
      return;
    }
    b[pos % b.size()] ^= static_cast<std::uint8_t>(1u << (bit % 8));
  }

  // What a buggy or compromised CNN does to the material before it sends it on.
  void mutate(s6a::UpdateLocationRequest& req, bool proof_first) {
    for (int n = 0; n < 3; ++n) {
      const std::uint8_t m = in_.byte();
      const int kind = m % 16;
      if (kind == 0) {
        // the material as the HSS issued it
      } else if (kind >= 3 && kind <= 5) {
        common_mutation(req, kind);
      } else if (proof_first ? req.device_proof.has_value() : req.kme_confirm.has_value()) {
        if (proof_first) {
          mutate_proof(req, kind);
        } else {
          mutate_confirm(req, kind);
        }
      }
      if ((m & 0x80) == 0) break;
    }
  }

  void common_mutation(s6a::UpdateLocationRequest& req, int kind) {
    switch (kind) {
      case 3:
        req.imsi = pick_imsi();
        break;
      case 4: {
        const std::uint8_t b = in_.byte();
        if (b == 0xff) {
          req.terminal.reset();
        } else if (b >= 0xf0 && req.terminal && req.terminal->imei.size() == 14) {
          req.terminal->imei = imei15(req.terminal->imei);  // the same IMEI, 15 digits
        } else {
          req.terminal = s6a::TerminalInformation{pick_imei(), "01"};
        }
        break;
      }
      default:
        req.visited_plmn_id = pick_plmn();
        break;
    }
  }

  std::uint32_t other_version(std::uint32_t v) {
    const std::uint8_t b = in_.byte();
    switch (b % 4) {
      case 0:
        return v + 1;
      case 1:
        return v - 1;
      case 2:
        return 0;
      default:
        return 0x01010101u * b;
    }
  }

  void mutate_confirm(s6a::UpdateLocationRequest& req, int kind) {
    s6a::KmeConfirm& c = *req.kme_confirm;
    const std::uint8_t a = in_.byte();
    switch (kind) {
      case 1:
        if (c.procedure == s6a::KmeProcedure::kSharedWithCnn && c.kme.size() > 0) {
          c.kme.data()[a % c.kme.size()] ^= static_cast<std::uint8_t>(1u << (in_.byte() % 8));
        } else {
          flip(c.cookie, a, in_.byte());
        }
        break;
      case 2:
        c.cookie.resize(a % (c.cookie.size() + 1));
        break;
      case 6:
        flip(c.signature, a, in_.byte());
        break;
      case 7:
        c.signature = provisions_.empty() ? Bytes{} : provisions_[a % provisions_.size()].signature;
        break;
      case 8:
        c.signature_algorithm = a % 4;
        break;
      case 9:
        c.kme_version = other_version(c.kme_version);
        break;
      case 10:  // the other procedure, or none
        c.procedure = a % 3 == 0   ? static_cast<s6a::KmeProcedure>(a % 4 == 0 ? 0 : 3)
                      : a % 3 == 1 ? s6a::KmeProcedure::kSharedWithCnn
                                   : s6a::KmeProcedure::kHiddenFromCnn;
        break;
      case 11:  // procedure 1 with a KME the CNN should never have seen (a procedure-2 one)
        if (!provisions_.empty()) {
          c.procedure = s6a::KmeProcedure::kSharedWithCnn;
          c.kme = provisions_[a % provisions_.size()].kme.clone();
        }
        break;
      case 12:
        req.device_proof = s6a::DeviceProof{
            c.kme_version,
            challenges_.empty() ? in_.bytes(61) : challenges_[a % challenges_.size()].token,
            in_.bytes(16)};
        break;
      case 13:  // a challenge token where the Cookie goes
        c.cookie =
            challenges_.empty() ? in_.bytes(a % 100) : challenges_[a % challenges_.size()].token;
        break;
      case 14:
        c.kme = SecretBytes(in_.bytes(a % 40));
        break;
      default:
        c.cookie = in_.bytes(a % 100);
        break;
    }
  }

  void mutate_proof(s6a::UpdateLocationRequest& req, int kind) {
    s6a::DeviceProof& p = *req.device_proof;
    const std::uint8_t a = in_.byte();
    switch (kind) {
      case 1:
        flip(p.challenge_token, a, in_.byte());
        break;
      case 2:
        p.challenge_token.resize(a % (p.challenge_token.size() + 1));
        break;
      case 6:
        flip(p.rsp, a, in_.byte());
        break;
      case 7:  // HXRsp, what the CNN holds, as Rsp
        if (!challenges_.empty()) p.rsp = challenges_[a % challenges_.size()].hxrsp;
        break;
      case 8:
        p.rsp.resize(a % 17);
        break;
      case 9:
        p.kme_version = other_version(p.kme_version);
        break;
      case 10:  // a Cookie where the token goes
        if (!provisions_.empty()) p.challenge_token = provisions_[a % provisions_.size()].cookie;
        break;
      case 11:  // Rsp made with a KME the pair does not hold now
        if (!provisions_.empty() && !challenges_.empty()) {
          auto rsp = crypto::compute_rsp(provisions_[a % provisions_.size()].kme,
                                         challenges_[in_.byte() % challenges_.size()].nonce);
          if (rsp) p.rsp = *rsp;
        }
        break;
      case 12:
        if (!provisions_.empty()) {
          const Provision& pr = provisions_[a % provisions_.size()];
          s6a::KmeConfirm c;
          c.procedure = pr.procedure;
          c.kme_version = pr.version;
          c.kme = pr.kme.clone();
          c.cookie = pr.cookie;
          c.signature_algorithm = pr.sig_code;
          c.signature = pr.signature;
          req.kme_confirm = std::move(c);
        }
        break;
      case 13:  // another challenge's token with this one's Rsp
        if (!challenges_.empty()) p.challenge_token = challenges_[a % challenges_.size()].token;
        break;
      case 14:
        p.rsp = in_.bytes(16);
        break;
      default:
        p.challenge_token = in_.bytes(a % 80);
        break;
    }
  }

  // Sends the ULR and checks what it did to the store against what the CNN could prove.
  void ulr(const s6a::UpdateLocationRequest& req, const hss::LinkInfo& link) {
    std::optional<store::KmeRecord> kme_before;
    bool renewal_before = false;
    std::optional<std::string> imei14;
    std::vector<store::KmeStatus> pairs_before;  // the IMSI's pairs, for a racing confirm
    if (req.terminal) imei14 = normalized(req.terminal->imei);
    if (imei14 && world_.subscriber(req.imsi) != nullptr) {
      auto k = world_.store().get_kme(req.imsi, *imei14);
      KMEBIND_FUZZ_CHECK(k.has_value());
      kme_before = std::move(*k);
      renewal_before = kme_before && kme_before->renewal_requested;
      if (req.kme_confirm) pairs_before = kme_pairs(req.imsi);
    }
    hss::HssEvent event;
    const s6a::UpdateLocationAnswer ula = hss_.on_ulr(req, now_, link, event);
    check_result(ula.result);
    count(req.kme_confirm
              ? (req.kme_confirm->procedure == s6a::KmeProcedure::kSharedWithCnn ? "ULR confirm-1"
                                                                                 : "ULR confirm-2")
          : req.device_proof ? "ULR proof"
                             : "ULR",
          ula.result);
    after_ = world_.snapshot();
    const std::set<std::string> changes = changed(before_, after_);
    if (!ula.result.ok() || !req.kme_confirm) {
      if (!changes.empty()) {
        check_racing_renewal(req, imei14, kme_before, renewal_before, pairs_before, changes, ula);
      }
      KMEBIND_FUZZ_CHECK(!ula.kme_version_stored);
    }
    if (!ula.result.ok()) return;

    const hc::Subscriber* sub = world_.subscriber(req.imsi);
    KMEBIND_FUZZ_CHECK(sub != nullptr);
    if (sub->mode == store::BindingMode::kNone) {
      KMEBIND_FUZZ_CHECK(!req.kme_confirm && !req.device_proof);
      return;
    }
    KMEBIND_FUZZ_CHECK(imei14.has_value());
    auto allowed = world_.store().is_binding_allowed(req.imsi, *imei14);
    KMEBIND_FUZZ_CHECK(allowed.has_value() && *allowed);
    if (req.device_proof) {
      KMEBIND_FUZZ_CHECK(!req.kme_confirm);
      check_accepted_proof(req, *imei14, kme_before);
      return;
    }
    if (!req.kme_confirm) {
      KMEBIND_FUZZ_CHECK(sub->mode == store::BindingMode::kImeiCheck);
      return;
    }
    check_accepted_confirm(req, *imei14, *sub, link, kme_before, renewal_before, changes, ula);
  }

  void check_accepted_proof(const s6a::UpdateLocationRequest& req, const std::string& imei14,
                            const std::optional<store::KmeRecord>& kme) {
    const s6a::DeviceProof& proof = *req.device_proof;
    const auto issued =
        std::find_if(challenges_.begin(), challenges_.end(),
                     [&](const Challenge& c) { return c.token == proof.challenge_token; });
    KMEBIND_FUZZ_CHECK(issued != challenges_.end());
    KMEBIND_FUZZ_CHECK(issued->imsi == req.imsi && issued->imei14 == imei14);
    KMEBIND_FUZZ_CHECK(proof.kme_version == issued->version);
    KMEBIND_FUZZ_CHECK(now_ <= issued->issued_at + hss_.config().challenge_lifetime_s &&
                       issued->issued_at <= now_ + crypto::kCookieMaxClockSkewS);
    KMEBIND_FUZZ_CHECK(kme.has_value() && kme->version == issued->version);
    KMEBIND_FUZZ_CHECK(!kme->renewal_requested);
    auto rsp = crypto::compute_rsp(kme->kme, issued->nonce);
    KMEBIND_FUZZ_CHECK(rsp.has_value() && *rsp == proof.rsp);
  }

  void check_accepted_confirm(const s6a::UpdateLocationRequest& req, const std::string& imei14,
                              const hc::Subscriber& sub, const hss::LinkInfo& link,
                              const std::optional<store::KmeRecord>& kme_before,
                              bool renewal_before, const std::set<std::string>& changes,
                              const s6a::UpdateLocationAnswer& ula) {
    const s6a::KmeConfirm& c = *req.kme_confirm;
    KMEBIND_FUZZ_CHECK(sub.mode == store::BindingMode::kKmeRequired);
    KMEBIND_FUZZ_CHECK(ula.kme_version_stored == c.kme_version);
    const SecretBytes* confirmed = nullptr;
    if (c.procedure == s6a::KmeProcedure::kSharedWithCnn) {
      KMEBIND_FUZZ_CHECK(link.confidential && hss_.config().allow_procedure1 && sub.procedure1);
      // Taken only where the pair's KME-Request would have provisioned (no KME, or a renewal
      // requested for this pair's KME), or as the very same confirm again ...
      KMEBIND_FUZZ_CHECK(!kme_before || renewal_before ||
                         (kme_before->version == c.kme_version &&
                          kme_before->procedure == store::kKmeProcedure1 &&
                          secret_equals(c.kme, kme_before->kme.view())));
      // ... and only with the Cookie of a procedure-1 provisioning the HSS issued for the pair
      // and version, in its lifetime, naming this KME (docs/protocol.md §2).
      const auto issued = std::find_if(provisions_.begin(), provisions_.end(),
                                       [&](const Provision& p) { return p.cookie == c.cookie; });
      KMEBIND_FUZZ_CHECK(issued != provisions_.end());
      KMEBIND_FUZZ_CHECK(issued->procedure == s6a::KmeProcedure::kSharedWithCnn);
      KMEBIND_FUZZ_CHECK(issued->imsi == req.imsi && issued->imei14 == imei14);
      KMEBIND_FUZZ_CHECK(issued->version == c.kme_version);
      KMEBIND_FUZZ_CHECK(now_ <= issued->issued_at + hss_.config().cookie_lifetime_s &&
                         issued->issued_at <= now_ + crypto::kCookieMaxClockSkewS);
      KMEBIND_FUZZ_CHECK(secret_equals(c.kme, issued->kme.view()));
      confirmed = &c.kme;
    } else {
      KMEBIND_FUZZ_CHECK(c.procedure == s6a::KmeProcedure::kHiddenFromCnn && sub.procedure2);
      const auto issued = std::find_if(provisions_.begin(), provisions_.end(),
                                       [&](const Provision& p) { return p.cookie == c.cookie; });
      KMEBIND_FUZZ_CHECK(issued != provisions_.end());
      KMEBIND_FUZZ_CHECK(issued->procedure == s6a::KmeProcedure::kHiddenFromCnn);
      KMEBIND_FUZZ_CHECK(issued->imsi == req.imsi && issued->imei14 == imei14);
      KMEBIND_FUZZ_CHECK(issued->version == c.kme_version);
      KMEBIND_FUZZ_CHECK(now_ <= issued->issued_at + hss_.config().cookie_lifetime_s &&
                         issued->issued_at <= now_ + crypto::kCookieMaxClockSkewS);
      // Only the signature the genuine device made over the genuine transcript.
      KMEBIND_FUZZ_CHECK(!issued->signature.empty() && c.signature == issued->signature);
      KMEBIND_FUZZ_CHECK(c.signature_algorithm == issued->sig_code);
      confirmed = &issued->kme;
    }
    auto stored = world_.store().get_kme(req.imsi, imei14);
    KMEBIND_FUZZ_CHECK(stored.has_value() && stored->has_value());
    KMEBIND_FUZZ_CHECK((*stored)->version == c.kme_version &&
                       secret_equals(*confirmed, (*stored)->kme.view()));
    if (kme_before && kme_before->version == c.kme_version) {
      // The same confirm again: nothing written (a renewal requested since stays requested).
      KMEBIND_FUZZ_CHECK(changes.empty());
    } else {
      KMEBIND_FUZZ_CHECK(only(changes, {"kme_records", "audit"}));
      KMEBIND_FUZZ_CHECK(!(*stored)->renewal_requested);  // a new KME has no renewal pending
    }
  }

  std::vector<store::KmeStatus> kme_pairs(const std::string& imsi) {
    auto pairs = world_.store().list_kme_status(std::string_view(imsi), 100, std::nullopt);
    KMEBIND_FUZZ_CHECK(pairs.has_value());
    return std::move(*pairs);
  }

  // A refused ULR that wrote: only a procedure-2 confirm of two provisionings that raced
  // (docs/protocol.md §2 "Racing provisionings") — a Cookie the HSS issued for this pair and the
  // stored, unmarked version, the genuine device's signature — marking that pair's KME for
  // renewal (the KME itself unchanged, with an audit row), the IMSI's other pairs untouched. A
  // procedure-1 confirm never marks: its Cookie shows that the HSS issued the KME, not that the
  // device holds it.
  void check_racing_renewal(const s6a::UpdateLocationRequest& req,
                            const std::optional<std::string>& imei14,
                            const std::optional<store::KmeRecord>& kme_before, bool renewal_before,
                            const std::vector<store::KmeStatus>& pairs_before,
                            const std::set<std::string>& changes,
                            const s6a::UpdateLocationAnswer& ula) {
    KMEBIND_FUZZ_CHECK(req.kme_confirm && imei14 && kme_before && !renewal_before);
    const s6a::KmeConfirm& c = *req.kme_confirm;
    KMEBIND_FUZZ_CHECK(ula.result == s6a::kErrorKmeVersionConflict);
    KMEBIND_FUZZ_CHECK(kme_before->version == c.kme_version);
    const auto issued = std::find_if(provisions_.begin(), provisions_.end(),
                                     [&](const Provision& p) { return p.cookie == c.cookie; });
    KMEBIND_FUZZ_CHECK(issued != provisions_.end());
    KMEBIND_FUZZ_CHECK(c.procedure == s6a::KmeProcedure::kHiddenFromCnn);
    KMEBIND_FUZZ_CHECK(issued->procedure == c.procedure);
    KMEBIND_FUZZ_CHECK(issued->imsi == req.imsi && issued->imei14 == *imei14);
    KMEBIND_FUZZ_CHECK(issued->version == c.kme_version);
    KMEBIND_FUZZ_CHECK(!issued->signature.empty() && c.signature == issued->signature);
    KMEBIND_FUZZ_CHECK(only(changes, {"kme_records", "audit"}));
    auto stored = world_.store().get_kme(req.imsi, *imei14);
    KMEBIND_FUZZ_CHECK(stored.has_value() && stored->has_value());
    KMEBIND_FUZZ_CHECK((*stored)->version == kme_before->version &&
                       secret_equals(kme_before->kme, (*stored)->kme.view()) &&
                       (*stored)->renewal_requested);
    const auto others = [&](const std::vector<store::KmeStatus>& pairs) {
      std::vector<std::tuple<std::string, std::uint32_t, bool, bool>> out;
      for (const auto& k : pairs) {
        if (k.imei != *imei14) out.emplace_back(k.imei, k.version, k.present, k.renewal_requested);
      }
      return out;
    };
    KMEBIND_FUZZ_CHECK(others(pairs_before) == others(kme_pairs(req.imsi)));
  }

  static void check_result(const s6a::ResultCode& rc) {
    KMEBIND_FUZZ_CHECK(s6a::describe(rc) != "unrecognised result");
  }

  Reader& in_;
  hc::World& world_;
  const hss::Hss& hss_;
  const bool air_material_;
  std::int64_t now_ = hc::kStartUnixS;
  hc::StoreSnapshot before_;  // the store before the current request
  hc::StoreSnapshot after_;   // and after it
  std::vector<Provision> provisions_;
  std::vector<Challenge> challenges_;
  Bytes last_rand_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  hc::World& world = hc::World::get();
  world.reset();
  Reader in(data, size);
  const std::uint8_t flags = in.byte();
  hss::HssConfig config;
  config.allow_procedure1 = (flags & 1) != 0;
  if ((flags & 2) != 0) config.msisdn = "4915112345678";
  constexpr std::array<std::uint64_t, 4> kSqnSteps = {hss::kDefaultSqnStep, 1, 1u << 16, 4};
  constexpr std::array<std::uint32_t, 4> kMaxVectors = {5, 1, 32, 7};
  config.sqn_step = kSqnSteps[(flags >> 2) & 3];
  config.max_vectors_per_air = kMaxVectors[(flags >> 4) & 3];
  if ((flags & 0x40) != 0) {
    config.cookie_lifetime_s = 30;
    config.challenge_lifetime_s = 1;
  }
  const bool air_material = (flags & 0x80) != 0;
  if (air_material) config.kme_prefetch = (in.byte() & 1) == 0;
  auto hss = hss::Hss::create(world.store(), world.cookie_keys(), config);
  KMEBIND_FUZZ_CHECK(hss.has_value());
  Session session(in, world, *hss, air_material);
  for (std::size_t i = 0; i < kMaxRequests && !in.done(); ++i) session.request();
  world.finished(session.state());
  return 0;
}
