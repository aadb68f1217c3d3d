#include "render/kurator/application.h"

#include <initializer_list>

#include "render/fields.h"

namespace gitcanary::render::kurator {

using yaml::Node;

namespace {

// An error for a field that is not among `known` (Kurator's JSON names).
Status CheckKeys(const Fields& f, const Node& n, const std::string& path, std::initializer_list<std::string_view> known) {
  for (const yaml::Field& field : n.fields) {
    bool ok = false;
    for (std::string_view k : known) ok = ok || field.key == k;
    if (ok) continue;
    std::string list;
    for (std::string_view k : known) list += (list.empty() ? "" : ", ") + std::string(k);
    Node at;
    at.mark = field.key_mark;
    return f.Error(at, JoinPath(path, field.key), "unknown field; Kurator's rollout fields here are " + list);
  }
  return Status::Ok();
}

Status Missing(const Fields& f, const Node& parent, const std::string& path, std::string_view key, std::string_view why) {
  return f.Error(parent, JoinPath(path, key), "missing; " + std::string(why));
}

// An integer in [lo, hi], or nullopt when absent.
Result<std::optional<long long>> IntIn(const Fields& f, const Node& parent, const std::string& path, std::string_view key,
                                       long long lo, long long hi) {
  auto v = f.Int(parent, key, path);
  if (!v.ok() || !v->has_value()) return v;
  if (**v < lo || **v > hi) {
    return f.Error(*parent.Find(key), JoinPath(path, key),
                   "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", got " + std::to_string(**v));
  }
  return v;
}

std::optional<Node> Copy(const Node& parent, std::string_view key) {
  const Node* n = parent.Find(key);
  if (n == nullptr || n->IsNull()) return std::nullopt;
  return *n;
}

Status ParseWorkload(const Fields& f, const Node& rollout, const std::string& path, Rollout* r) {
  auto w = f.Mapping(rollout, "workload", path);
  if (!w.ok()) return w.status();
  if (*w == nullptr) return Missing(f, rollout, path, "workload", "name the Deployment to roll out: workload: {name: NAME, namespace: NS}");
  const std::string wp = path + ".workload";
  if (Status s = CheckKeys(f, **w, wp, {"apiVersion", "kind", "name", "namespace"}); !s.ok()) return s;
  r->workload_node = **w;
  auto name = f.String(**w, "name", wp);
  if (!name.ok()) return name.status();
  if (!name->has_value() || (*name)->empty()) return Missing(f, **w, wp, "name", "name the Deployment to roll out");
  r->workload = **name;
  auto ns = f.String(**w, "namespace", wp);
  if (!ns.ok()) return ns.status();
  r->ns = ns->value_or("");
  auto kind = f.String(**w, "kind", wp);
  if (!kind.ok()) return kind.status();
  if (kind->has_value() && **kind != "Deployment") {
    return f.Error(*(*w)->Find("kind"), wp + ".kind", "\"" + **kind + "\": only Deployment workloads are rendered; use a Deployment");
  }
  auto api = f.String(**w, "apiVersion", wp);
  if (!api.ok()) return api.status();
  if (api->has_value() && !(*api)->empty()) r->api_version = **api;
  return Status::Ok();
}

Status ParseCanaryStrategy(const Fields& f, const Node& routing, const std::string& path, Rollout* r) {
  auto cs = f.Mapping(routing, "canaryStrategy", path);
  if (!cs.ok()) return cs.status();
  if (*cs == nullptr) return Status::Ok();
  r->canary = true;
  const std::string cp = path + ".canaryStrategy";
  if (Status s = CheckKeys(f, **cs, cp, {"maxWeight", "stepWeight", "stepWeights", "stepWeightPromotion"}); !s.ok()) return s;
  auto max = IntIn(f, **cs, cp, "maxWeight", 1, 100);
  if (!max.ok()) return max.status();
  auto step = IntIn(f, **cs, cp, "stepWeight", 1, 100);
  if (!step.ok()) return step.status();
  auto promo = IntIn(f, **cs, cp, "stepWeightPromotion", 1, 100);
  if (!promo.ok()) return promo.status();
  auto steps = f.Sequence(**cs, "stepWeights", cp);
  if (!steps.ok()) return steps.status();
  r->max_weight = *max;
  r->step_weight = *step;
  r->step_weight_promotion = *promo;
  if (*steps != nullptr) r->step_weights = **steps;
  if (r->step_weight && r->step_weights) {
    return f.Error(*(*cs)->Find("stepWeights"), cp + ".stepWeights",
                   "set together with stepWeight; Kurator takes one of them: remove stepWeight or stepWeights");
  }
  if (!r->step_weight && !r->step_weights) {
    return Missing(f, **cs, cp, "stepWeight", "a canary needs stepWeight (e.g. 10) or stepWeights (e.g. [10, 20, 50])");
  }
  return Status::Ok();
}

Status ParseRouting(const Fields& f, const Node& policy, const std::string& path, Rollout* r) {
  auto tr = f.Mapping(policy, "trafficRouting", path);
  if (!tr.ok()) return tr.status();
  const std::string rp = path + ".trafficRouting";
  if (*tr == nullptr) {
    return Missing(f, policy, path, "trafficRouting",
                   "set trafficRouting.canaryStrategy for a canary, or trafficRouting.analysisTimes for A/B testing or blue/green");
  }
  const Node& routing = **tr;
  if (Status s = CheckKeys(f, routing, rp, {"timeoutSeconds", "gateways", "hosts", "retries", "headers", "corsPolicy", "host",
                                           "protocol", "canaryStrategy", "analysisTimes", "match"});
      !s.ok())
    return s;
  auto timeout = IntIn(f, routing, rp, "timeoutSeconds", 0, 86400);
  if (!timeout.ok()) return timeout.status();
  r->timeout_seconds = timeout->value_or(0);
  // Fields of one provider only: Kurator would drop them silently under another.
  const std::pair<std::string_view, std::string_view> only[] = {
      {"gateways", "istio"}, {"hosts", "istio"}, {"retries", "istio"}, {"headers", "istio"},
      {"corsPolicy", "istio"}, {"host", "nginx"}, {"protocol", "kuma"}};
  for (const auto& [key, provider] : only) {
    const Node* n = routing.Find(key);
    if (n == nullptr || n->IsNull() || r->provider == provider) continue;
    return f.Error(*n, JoinPath(rp, key), "applies to trafficRoutingProvider " + std::string(provider) +
                                               " only, this rollout uses " + r->provider + ": remove it");
  }
  r->gateways = Copy(routing, "gateways");
  r->hosts = Copy(routing, "hosts");
  r->retries = Copy(routing, "retries");
  r->headers = Copy(routing, "headers");
  r->cors_policy = Copy(routing, "corsPolicy");
  r->match = Copy(routing, "match");
  auto host = f.String(routing, "host", rp);
  if (!host.ok()) return host.status();
  r->host = host->value_or("");
  if (r->provider == "nginx" && r->host.empty()) {
    return Missing(f, routing, rp, "host", "an nginx rollout is routed through an Ingress for this host, e.g. host: app.example.com");
  }
  auto protocol = f.String(routing, "protocol", rp);
  if (!protocol.ok()) return protocol.status();
  if (r->provider == "kuma") r->protocol = protocol->value_or("http");
  if (Status s = ParseCanaryStrategy(f, routing, rp, r); !s.ok()) return s;
  auto times = IntIn(f, routing, rp, "analysisTimes", 0, 1000000);
  if (!times.ok()) return times.status();
  r->analysis_times = times->value_or(0);
  if (r->canary && r->analysis_times > 0) {
    return f.Error(*routing.Find("analysisTimes"), rp + ".analysisTimes",
                   "set together with canaryStrategy; canaryStrategy makes a canary, analysisTimes an A/B test or "
                   "blue/green: remove one");
  }
  if (!r->canary && r->analysis_times == 0) {
    return Missing(f, routing, rp, "canaryStrategy",
                   "set canaryStrategy for a canary, or analysisTimes for A/B testing (with match) or blue/green");
  }
  return Status::Ok();
}

Status ParseMetrics(const Fields& f, const Node& analysis, const std::string& path, Rollout* r) {
  auto metrics = f.Sequence(analysis, "metrics", path);
  if (!metrics.ok()) return metrics.status();
  if (*metrics == nullptr) return Status::Ok();
  for (std::size_t i = 0; i < (*metrics)->items.size(); ++i) {
    const Node& m = (*metrics)->items[i];
    const std::string mp = path + ".metrics[" + std::to_string(i) + "]";
    if (!m.IsMapping()) return f.Error(m, mp, "expected a mapping, got " + Shown(m));
    if (Status s = CheckKeys(f, m, mp, {"name", "intervalSeconds", "thresholdRange", "customMetric"}); !s.ok()) return s;
    RolloutMetric metric;
    auto name = f.String(m, "name", mp);
    if (!name.ok()) return name.status();
    if (!name->has_value() || (*name)->empty()) return Missing(f, m, mp, "name", "request-success-rate, request-duration or a custom name");
    metric.name = **name;
    metric.name_node = *m.Find("name");
    auto interval = IntIn(f, m, mp, "intervalSeconds", 1, 86400);
    if (!interval.ok()) return interval.status();
    metric.interval_seconds = interval->value_or(60);
    metric.threshold_range = Copy(m, "thresholdRange");
    metric.custom_metric = Copy(m, "customMetric");
    if (metric.custom_metric && (metric.name == "request-success-rate" || metric.name == "request-duration")) {
      return f.Error(*m.Find("customMetric"), mp + ".customMetric",
                     "a built-in metric never reads a customMetric: give the metric a name of its own");
    }
    r->metrics.push_back(std::move(metric));
  }
  return Status::Ok();
}

Status ParseWebhooks(const Fields& f, const Node& analysis, const std::string& path, Rollout* r) {
  auto hooks = f.Mapping(analysis, "webhooks", path);
  if (!hooks.ok()) return hooks.status();
  if (*hooks == nullptr) return Status::Ok();
  const std::string hp = path + ".webhooks";
  if (Status s = CheckKeys(f, **hooks, hp, {"timeoutSeconds", "command"}); !s.ok()) return s;
  auto timeout = IntIn(f, **hooks, hp, "timeoutSeconds", 1, 86400);
  if (!timeout.ok()) return timeout.status();
  r->webhook_timeout_seconds = timeout->value_or(60);
  auto commands = f.Sequence(**hooks, "command", hp);
  if (!commands.ok()) return commands.status();
  if (*commands == nullptr) return Status::Ok();
  r->commands_node = **commands;
  for (std::size_t i = 0; i < (*commands)->items.size(); ++i) {
    const Node& c = (*commands)->items[i];
    if (!c.IsScalar() || !c.IsStringScalar())
      return f.Error(c, hp + ".command[" + std::to_string(i) + "]", "expected a string (a shell command), got " + Shown(c));
    r->commands.push_back(c.value);
  }
  return Status::Ok();
}

Status ParseAnalysis(const Fields& f, const Node& policy, const std::string& path, Rollout* r) {
  auto ta = f.Mapping(policy, "trafficAnalysis", path);
  if (!ta.ok()) return ta.status();
  if (*ta == nullptr) {
    return Missing(f, policy, path, "trafficAnalysis", "set at least checkIntervalSeconds and checkFailedTimes");
  }
  const std::string ap = path + ".trafficAnalysis";
  const Node& analysis = **ta;
  if (Status s = CheckKeys(f, analysis, ap, {"checkIntervalSeconds", "checkFailedTimes", "metrics", "webhooks", "sessionAffinity"});
      !s.ok())
    return s;
  auto interval = IntIn(f, analysis, ap, "checkIntervalSeconds", 1, 86400);
  if (!interval.ok()) return interval.status();
  if (!interval->has_value()) return Missing(f, analysis, ap, "checkIntervalSeconds", "the seconds between two checks, e.g. 60");
  r->check_interval_seconds = **interval;
  auto failed = IntIn(f, analysis, ap, "checkFailedTimes", 1, 1000000);
  if (!failed.ok()) return failed.status();
  if (!failed->has_value()) return Missing(f, analysis, ap, "checkFailedTimes", "the failed checks before rolling back, e.g. 2");
  r->check_failed_times = **failed;
  r->session_affinity = Copy(analysis, "sessionAffinity");
  if (Status s = ParseMetrics(f, analysis, ap, r); !s.ok()) return s;
  return ParseWebhooks(f, analysis, ap, r);
}

Status ParsePolicy(const Fields& f, const Node& rollout, const std::string& path, Rollout* r) {
  auto p = f.Mapping(rollout, "rolloutPolicy", path);
  if (!p.ok()) return p.status();
  if (*p == nullptr) return Missing(f, rollout, path, "rolloutPolicy", "set trafficRouting and trafficAnalysis");
  const std::string pp = path + ".rolloutPolicy";
  const Node& policy = **p;
  if (Status s = CheckKeys(f, policy, pp, {"trafficRouting", "trafficAnalysis", "rolloutTimeoutSeconds", "skipTrafficAnalysis",
                                          "revertOnDeletion", "suspend"});
      !s.ok())
    return s;
  auto deadline = IntIn(f, policy, pp, "rolloutTimeoutSeconds", 1, 2147483647);
  if (!deadline.ok()) return deadline.status();
  r->rollout_timeout_seconds = *deadline;
  for (auto [key, out] : {std::pair<std::string_view, bool*>{"skipTrafficAnalysis", &r->skip_analysis},
                          {"revertOnDeletion", &r->revert_on_deletion}, {"suspend", &r->suspend}}) {
    auto b = f.Bool(policy, key, pp);
    if (!b.ok()) return b.status();
    *out = b->value_or(false);
  }
  if (Status s = ParseRouting(f, policy, pp, r); !s.ok()) return s;
  return ParseAnalysis(f, policy, pp, r);
}

Status ParseRollout(const Fields& f, const Node& rollout, const std::string& path, Rollout* r) {
  if (Status s = CheckKeys(f, rollout, path, {"testLoader", "trafficRoutingProvider", "workload", "serviceName", "port", "primary",
                                              "preview", "rolloutPolicy"});
      !s.ok())
    return s;
  auto provider = f.String(rollout, "trafficRoutingProvider", path);
  if (!provider.ok()) return provider.status();
  if (!provider->has_value()) return Missing(f, rollout, path, "trafficRoutingProvider", "one of istio, kuma or nginx");
  r->provider = **provider;
  r->provider_node = *rollout.Find("trafficRoutingProvider");
  if (r->provider != "istio" && r->provider != "kuma" && r->provider != "nginx") {
    return f.Error(r->provider_node, path + ".trafficRoutingProvider",
                   "\"" + r->provider + "\" is not a Kurator provider: use istio, kuma or nginx");
  }
  if (Status s = ParseWorkload(f, rollout, path, r); !s.ok()) return s;
  auto service = f.String(rollout, "serviceName", path);
  if (!service.ok()) return service.status();
  if (!service->has_value() || (*service)->empty())
    return Missing(f, rollout, path, "serviceName", "name the Service that selects the workload's pods");
  r->service_name = **service;
  auto port = IntIn(f, rollout, path, "port", 1, 65535);
  if (!port.ok()) return port.status();
  if (!port->has_value()) return Missing(f, rollout, path, "port", "the port the Service exposes, e.g. 80");
  r->port = **port;
  auto loader = f.Bool(rollout, "testLoader", path);
  if (!loader.ok()) return loader.status();
  r->test_loader = loader->value_or(false);
  for (auto [key, out] : {std::pair<std::string_view, std::optional<Node>*>{"primary", &r->primary}, {"preview", &r->preview}}) {
    auto meta = f.Mapping(rollout, key, path);
    if (!meta.ok()) return meta.status();
    if (*meta == nullptr) continue;
    if (Status s = CheckKeys(f, **meta, JoinPath(path, key), {"labels", "annotations"}); !s.ok()) return s;
    *out = **meta;
  }
  return ParsePolicy(f, rollout, path, r);
}

}  // namespace

bool IsApplication(const Manifest& m) { return m.kind == kApplicationKind && m.Group() == kApplicationGroup; }

Result<std::vector<Rollout>> ParseRollouts(const Manifest& app) {
  Fields f(app.file);
  std::vector<Rollout> out;
  auto spec = f.Mapping(app.doc, "spec", "");
  if (!spec.ok()) return spec.status();
  if (*spec == nullptr) return out;
  auto policies = f.Sequence(**spec, "syncPolicies", "spec");
  if (!policies.ok()) return policies.status();
  if (*policies == nullptr) return out;
  std::string cluster;
  if (const Node* c = app.doc.Path({"metadata", "annotations", kClusterAnnotation}); c != nullptr && c->IsScalar()) cluster = c->value;
  for (std::size_t i = 0; i < (*policies)->items.size(); ++i) {
    const Node& policy = (*policies)->items[i];
    const std::string pp = "spec.syncPolicies[" + std::to_string(i) + "]";
    if (!policy.IsMapping()) return f.Error(policy, pp, "expected a mapping, got " + Shown(policy));
    auto rollout = f.Mapping(policy, "rollout", pp);
    if (!rollout.ok()) return rollout.status();
    if (*rollout == nullptr) continue;
    Rollout r;
    r.file = app.file;
    r.path = pp + ".rollout";
    r.node = **rollout;
    r.cluster = cluster;
    auto name = f.String(policy, "name", pp);
    if (!name.ok()) return name.status();
    r.policy_name = name->has_value() && !(*name)->empty() ? **name : app.name + "-" + std::to_string(i);
    if (Status s = ParseRollout(f, **rollout, r.path, &r); !s.ok()) return s;
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace gitcanary::render::kurator
