// `kmebind admin subscriber add|show|list|remove`.
#include <algorithm>
#include <charconv>
#include <iostream>
#include <limits>
#include <optional>

#include "admin.h"
#include "crypto/milenage.h"
#include "store/exchange_fields.h"

namespace kmebind::app::admin {
namespace {

struct AddOptions {
  std::string imsi, k, op, opc, amf = "8000", sqn = "0", binding = "none", procedures = "1,2";
};

// "1,2", "1", "2" or "none".
Result<std::array<bool, 2>> parse_procedure_list(const std::string& text) {
  if (text == "none") return std::array<bool, 2>{false, false};
  std::string semi = text;
  std::replace(semi.begin(), semi.end(), ',', ';');
  auto p = store::exchange::parse_procedures(semi);
  if (!p || text.empty()) return fail(Code::kInvalidArgument, "--procedures: must be 1,2 or 1 or 2 or none");
  return p;
}

int run_add(Context& ctx, const AddOptions& o) {
  const std::string cmd = "admin subscriber add";
  store::SubscriberRecord r;
  r.imsi = o.imsi;
  if (auto st = store::check_imsi(o.imsi); !st) return usage(cmd, "--imsi: " + st.error().message());
  auto k = SecretBytes::from_hex(o.k, store::kKeySize, "--k");
  if (!k) return usage(cmd, "--k: must be 32 hex digits");
  r.k = std::move(*k);
  if (o.op.empty() == o.opc.empty()) return usage(cmd, "--op/--opc: give exactly one of them");
  if (!o.op.empty()) {
    auto op = SecretBytes::from_hex(o.op, store::kKeySize, "--op");
    if (!op) return usage(cmd, "--op: must be 32 hex digits");
    auto opc = crypto::milenage_opc(r.k, *op);  // TS 35.206 §4.1
    if (!opc) return operation_error(cmd, opc.error());
    r.opc = std::move(*opc);
  } else {
    auto opc = SecretBytes::from_hex(o.opc, store::kKeySize, "--opc");
    if (!opc) return usage(cmd, "--opc: must be 32 hex digits");
    r.opc = std::move(*opc);
  }
  auto amf = store::exchange::parse_amf(o.amf);
  if (!amf) return usage(cmd, "--amf: must be 4 hex digits");
  r.amf = *amf;
  auto sqn = store::exchange::parse_sqn(o.sqn);
  if (!sqn) return usage(cmd, "--sqn: must be a decimal number below 2^48");
  r.sqn = *sqn;
  auto mode = store::parse_binding_mode(o.binding);
  if (!mode) return usage(cmd, "--binding: " + mode.error().message());
  r.binding_mode = *mode;
  auto procedures = parse_procedure_list(o.procedures);
  if (!procedures) return usage(cmd, procedures.error().message());
  r.procedure1_allowed = (*procedures)[0];
  r.procedure2_allowed = (*procedures)[1];

  auto s = ctx.open_store();
  if (!s) return config_error(cmd, s.error());
  if (auto st = (*s)->add_subscriber(r, "admin"); !st) return operation_error(cmd, st.error());
  std::cout << "added subscriber " << r.imsi << "\n";
  return kExitOk;
}

int run_show(Context& ctx, const std::string& imsi, bool reveal) {
  const std::string cmd = "admin subscriber show";
  auto s = ctx.open_store();
  if (!s) return config_error(cmd, s.error());
  auto r = (*s)->get_subscriber(imsi);
  if (!r) return operation_error(cmd, r.error());
  auto imeis = (*s)->list_bindings(imsi);
  if (!imeis) return operation_error(cmd, imeis.error());
  std::string procedures = store::exchange::procedures_text(r->procedure1_allowed, r->procedure2_allowed);
  std::replace(procedures.begin(), procedures.end(), ';', ',');
  std::cout << "imsi: " << r->imsi << "\n"
            << "k: " << (reveal ? r->k.reveal_hex() : "<redacted>") << "\n"
            << "opc: " << (reveal ? r->opc.reveal_hex() : "<redacted>") << "\n"
            << "amf: " << store::exchange::amf_hex(r->amf) << "\n"
            << "sqn: " << r->sqn << "\n"
            << "binding_mode: " << store::to_string(r->binding_mode) << "\n"
            << "procedures: " << (procedures.empty() ? "none" : procedures) << "\n"
            << "kme_renewal_requested: " << (r->kme_renewal_requested ? "yes" : "no") << "\n"
            << "imeis:";
  if (imeis->empty()) std::cout << " none";
  for (const auto& i : *imeis) std::cout << ' ' << i;
  std::cout << "\n";
  return kExitOk;
}

// Keyset paging (store/subscriber_store.h): pages of at most kPage IMSIs, each starting after the
// last IMSI printed, until `limit` are printed (0: all), so a listing of any length costs one index
// range read per page and holds one page in memory.
int run_list(Context& ctx, std::size_t limit, const std::string& after_imsi) {
  const std::string cmd = "admin subscriber list";
  if (!after_imsi.empty()) {
    if (auto st = store::check_imsi(after_imsi); !st) {
      return usage(cmd, "--after: " + st.error().message());
    }
  }
  auto s = ctx.open_store();
  if (!s) return config_error(cmd, s.error());
  constexpr std::size_t kPage = 1000;
  std::optional<std::string> after;
  if (!after_imsi.empty()) after = after_imsi;
  std::size_t left = limit == 0 ? std::numeric_limits<std::size_t>::max() : limit;
  while (left > 0) {
    const std::size_t want = std::min(left, kPage);
    auto imsis = (*s)->list_subscribers(want, after);
    if (!imsis) return operation_error(cmd, imsis.error());
    for (const auto& i : *imsis) std::cout << i << "\n";
    if (imsis->size() < want) break;
    left -= want;
    after = imsis->back();
  }
  std::cout.flush();
  return kExitOk;
}

int run_remove(Context& ctx, const std::string& imsi) {
  const std::string cmd = "admin subscriber remove";
  auto s = ctx.open_store();
  if (!s) return config_error(cmd, s.error());
  if (auto st = (*s)->remove_subscriber(imsi, "admin"); !st) return operation_error(cmd, st.error());
  std::cout << "removed subscriber " << imsi << " with its bindings and KMEs\n";
  return kExitOk;
}

}  // namespace

void setup_subscriber(CLI::App* admin, Context& ctx) {
  CLI::App* group = add_group(admin, "subscriber", "Add, show, list or remove subscribers");
  group->require_subcommand(1);

  auto a = std::make_shared<AddOptions>();
  CLI::App* add = add_group(group, "add", "Add a subscriber (K, OP or OPc, AMF, SQN, binding policy)");
  add->add_option("--imsi", a->imsi, "IMSI, 6 to 15 digits")->required();
  add->add_option("--k", a->k, "Subscriber key K, 32 hex digits")->required();
  add->add_option("--op", a->op, "Operator variant OP, 32 hex digits (OPc = OP xor E_K(OP))");
  add->add_option("--opc", a->opc, "OPc, 32 hex digits (instead of --op)");
  add->add_option("--amf", a->amf, "AMF, 4 hex digits (default 8000)");
  add->add_option("--sqn", a->sqn, "Initial SQN, decimal, below 2^48 (default 0)");
  add->add_option("--binding", a->binding, "Binding mode: none, imei-check or kme-required (default none)");
  add->add_option("--procedures", a->procedures,
                  "KME procedures a CNN may run: 1,2 or 1 or 2 or none (default 1,2)");
  on_run(add, ctx, [&ctx, a] { return run_add(ctx, *a); });

  auto show_imsi = std::make_shared<std::string>();
  auto reveal = std::make_shared<bool>(false);
  CLI::App* show = add_group(group, "show", "Show a subscriber (K and OPc print as <redacted>)");
  show->add_option("--imsi", *show_imsi, "IMSI")->required();
  show->add_flag("--reveal", *reveal, "Print K and OPc in hex");
  on_run(show, ctx, [&ctx, show_imsi, reveal] { return run_show(ctx, *show_imsi, *reveal); });

  auto limit = std::make_shared<std::size_t>(100);
  auto after = std::make_shared<std::string>();
  CLI::App* list = add_group(group, "list", "List IMSIs in ascending order");
  list->add_option("--limit", *limit, "At most this many (default 100; 0 = all)");
  list->add_option("--after", *after,
                   "Start after this IMSI (the last one of the previous page; default: the first)");
  on_run(list, ctx, [&ctx, limit, after] { return run_list(ctx, *limit, *after); });

  auto remove_imsi = std::make_shared<std::string>();
  CLI::App* remove = add_group(group, "remove", "Remove a subscriber with its bindings and KMEs");
  remove->add_option("--imsi", *remove_imsi, "IMSI")->required();
  on_run(remove, ctx, [&ctx, remove_imsi] { return run_remove(ctx, *remove_imsi); });
}

}  // namespace kmebind::app::admin
