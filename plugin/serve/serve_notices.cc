#include "plugin/serve/serve_notices.h"

#include "policies/webhook.h"

namespace gitcanary::plugin {

namespace {

constexpr std::size_t kListedCanaries = 5;

// "test/a (request-success-rate, request-duration), test/b (...) and 3 more"
std::string UsersText(const std::vector<PrometheusUser>& users) {
  std::string out;
  for (std::size_t i = 0; i < users.size() && i < kListedCanaries; ++i) {
    if (i > 0) out += ", ";
    out += users[i].canary + " (";
    for (std::size_t j = 0; j < users[i].metrics.size(); ++j) out += (j > 0 ? ", " : "") + users[i].metrics[j];
    out += ")";
  }
  if (users.size() > kListedCanaries) out += " and " + std::to_string(users.size() - kListedCanaries) + " more";
  return out;
}

}  // namespace

std::vector<PrometheusUser> DefaultPrometheusUsers(const Catalog& catalog) {
  std::vector<PrometheusUser> out;
  for (const CatalogEntry& e : catalog.canaries) {
    if (!e.error.ok()) continue;
    PrometheusUser user{e.id, {}};
    for (const policies::MetricSpec& m : e.spec.metrics) {
      bool uses_default = m.builtin() && e.spec.metrics_server.empty();
      if (!m.builtin() && e.app != nullptr) {
        const std::string ns = m.template_ns.empty() ? e.spec.ns : m.template_ns;
        auto t = e.app->templates.find(ns + "/" + m.template_name);
        uses_default = t != e.app->templates.end() && t->second.provider_type == "prometheus" && t->second.address.empty();
      }
      if (uses_default) user.metrics.push_back(m.name);
    }
    if (!user.metrics.empty()) out.push_back(std::move(user));
  }
  return out;
}

std::string MissingPrometheusWarning(const std::vector<PrometheusUser>& users, const std::string& address,
                                     const std::string& probe_error) {
  if (address.empty()) {
    if (users.empty()) return "";
    return "no --prometheus is given, so the metrics of " + UsersText(users) +
           " have no data and every check of them fails; give --prometheus URL, or spec.metricsServer in the Canary";
  }
  if (probe_error.empty()) return "";
  const std::string why = policies::RedactUrls(probe_error);
  if (users.empty()) return why + "; readiness and metrics asked of it have no data until it answers";
  return why + "; the metrics of " + UsersText(users) + " have no data and every check of them fails until it answers";
}

std::string DelayText(long long ms) {
  long long s = ms <= 0 ? 0 : (ms + 999) / 1000;
  const long long h = s / 3600, m = s / 60 % 60;
  s %= 60;
  if (h > 0) return std::to_string(h) + "h" + std::to_string(m) + "m" + std::to_string(s) + "s";
  if (m > 0) return std::to_string(m) + "m" + std::to_string(s) + "s";
  return std::to_string(s) + "s";
}

std::string NothingDueText(const Catalog& catalog, const std::optional<Reconciler::NextCanary>& next, long long now_ms,
                           const std::string& branch) {
  if (catalog.canaries.empty()) return "nothing due; no canaries on branch " + branch;
  if (!next) return "nothing due; every canary on branch " + branch + " is halted";
  return "nothing due; next: " + next->id + " in " + DelayText(next->due_ms - now_ms);
}

}  // namespace gitcanary::plugin
