// `kmebind admin audit`: the audit trail of binding, device and KME changes.
#include <iostream>

#include "admin.h"

namespace kmebind::app::admin {
namespace {

struct AuditOptions {
  std::string imsi;
  std::size_t limit = 100;
  std::int64_t after = 0;
};

int run_audit(Context& ctx, const AuditOptions& o) {
  const std::string cmd = "admin audit";
  auto s = ctx.open_store();
  if (!s) return config_error(cmd, s.error());
  store::AuditQuery q;
  if (!o.imsi.empty()) q.imsi = o.imsi;
  q.after_id = o.after;
  q.limit = o.limit;
  auto rows = (*s)->list_audit(q);
  if (!rows) return operation_error(cmd, rows.error());
  for (const auto& r : *rows) {
    std::cout << r.id << ' ' << iso_time(r.at_unix_s) << ' ' << r.actor << ' ' << r.action;
    if (!r.imsi.empty()) std::cout << " imsi=" << r.imsi;
    if (!r.imei.empty()) std::cout << " imei=" << r.imei;
    if (!r.source.empty()) std::cout << " source=" << r.source;
    std::cout << " : " << r.detail << "\n";
  }
  return kExitOk;
}

}  // namespace

void setup_audit(CLI::App* admin, Context& ctx) {
  auto o = std::make_shared<AuditOptions>();
  CLI::App* sub = add_group(admin, "audit", "Show the audit trail (binding, device and KME changes), oldest first");
  sub->add_option("--imsi", o->imsi, "Only rows about this IMSI");
  sub->add_option("--limit", o->limit, "At most this many rows (default 100)");
  sub->add_option("--after", o->after, "Only rows with an id above this (for paging)");
  on_run(sub, ctx, [&ctx, o] { return run_audit(ctx, *o); });
}

}  // namespace kmebind::app::admin
