#include "policies/lint.h"

#include <algorithm>
#include <cctype>
#include <iterator>
#include <map>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "policies/lint_split_routes.h"
#include "render/url_credentials.h"
#include "render/canary_spec.h"
#include "render/canary_templates.h"
#include "render/fields.h"
#include "render/primary_workload.h"
#include "render/routing/provider.h"
#include "render/routing/router.h"
#include "render/routing_replaced.h"

namespace gitcanary::policies {

using render::Manifest;
using yaml::Node;

namespace {

constexpr long long kFlaggerMinIntervalMs = 10'000;

struct Canary {
  std::size_t index;  // into Lint::ms
  render::CanaryInfo info;
  std::string who;  // "canary NS/NAME"
};

// Services that reach a canary's pods around its weights, by (namespace, name).
using DirectServices = std::map<std::pair<std::string, std::string>, const Canary*>;

struct Lint {
  const std::vector<Manifest>& ms;  // templates expanded, Canaries normalised
  const std::string& app_ns;
  std::vector<Canary> canaries;
  std::vector<Finding> out;

  void Add(Severity severity, const std::string& file, int line, const char* rule, std::string message) {
    out.push_back(Finding{severity, file, line, rule, std::move(message)});
  }
};

int LineOf(const Node* n) { return n == nullptr ? 0 : n->mark.line; }

// The line of `key` in `map`; for a mapping value this is where the field is.
int KeyLine(const Node* map, std::string_view key) {
  if (map == nullptr) return 0;
  for (const yaml::Field& f : map->fields)
    if (f.key == key) return f.key_mark.line;
  return 0;
}

std::optional<long long> IntAt(const Node& map, std::string_view key) {
  const Node* n = map.Find(key);
  return n == nullptr ? std::nullopt : n->AsInt();
}

std::string Str(long long v) { return std::to_string(v); }

bool HasHook(const Node& analysis, std::string_view type) {
  const Node* hooks = analysis.Find("webhooks");
  if (hooks == nullptr) return false;
  for (const Node& h : hooks->items) {
    const Node* t = h.Find("type");
    if (t != nullptr && t->IsScalar() && t->value == type) return true;
  }
  return false;
}

void CheckStepOverMax(Lint& l, const Canary& c, const Manifest& m, const Node& a) {
  auto max = IntAt(a, "maxWeight");
  if (!max) return;
  const std::string tail = " is above maxWeight " + Str(*max) + "; lower it or raise maxWeight";
  if (auto step = IntAt(a, "stepWeight"); step && *step > *max)
    l.Add(Severity::kError, m.file, LineOf(a.Find("stepWeight")), "step-over-max",
          c.who + ": analysis.stepWeight " + Str(*step) + tail);
  // With stepWeights, Flagger ignores maxWeight and steps to the last entry:
  // the spec says two things, and the entries win.
  const Node* steps = a.Find("stepWeights");
  if (steps == nullptr) return;
  for (std::size_t i = 0; i < steps->items.size(); ++i) {
    auto w = steps->items[i].AsInt();
    if (!w || *w <= *max) continue;
    l.Add(Severity::kWarning, m.file, LineOf(&steps->items[i]), "step-over-max",
          c.who + ": analysis.stepWeights[" + Str(static_cast<long long>(i)) + "] " + Str(*w) + " is above maxWeight " +
              Str(*max) + ", which is ignored with stepWeights (the weight goes to " + Str(*w) +
              "); remove maxWeight or the entries above it");
    return;
  }
}

void CheckGate(Lint& l, const Canary& c, const Manifest& m, const Node& a) {
  if (IntAt(a, "iterations")) return;  // A/B testing and blue/green shift no weights
  const Node* reach = nullptr;         // the field that takes the canary to weight 100
  std::string what;
  const Node* steps = a.Find("stepWeights");
  if (steps != nullptr && !steps->items.empty()) {
    if (steps->items.back().AsInt() == 100) {
      reach = &steps->items.back();
      what = "analysis.stepWeights ends at 100";
    }
  } else if (IntAt(a, "maxWeight") == 100) {
    reach = a.Find("maxWeight");
    what = "analysis.maxWeight is 100";
    if (reach->mark.line == 0 && a.Find("stepWeight") != nullptr) {  // Flagger's default with stepWeight
      reach = a.Find("stepWeight");
      what = "analysis.maxWeight defaults to 100 with stepWeight";
    }
  }
  if (reach == nullptr || HasHook(a, "confirm-promotion")) return;
  l.Add(Severity::kWarning, m.file, LineOf(reach), "max-weight-without-gate",
        c.who + ": " + what + ", so the new version takes all traffic with no confirm-promotion webhook; "
                "add a confirm-promotion webhook as a gate, or set a lower maxWeight");
}

void CheckMetrics(Lint& l, const Canary& c, const Manifest& m, const Node& a) {
  const Node* metrics = a.Find("metrics");
  if (metrics != nullptr && !metrics->items.empty()) return;
  const int line = metrics != nullptr ? KeyLine(&a, "metrics") : KeyLine(m.doc.Find("spec"), "analysis");
  l.Add(Severity::kWarning, m.file, line, "no-metrics",
        c.who + ": the analysis has no metrics, so a bad version is promoted unless a webhook fails; "
                "add metrics such as request-success-rate and request-duration");
}

void CheckInterval(Lint& l, const Canary& c, const Manifest& m, const Node& a) {
  const Node* interval = a.Find("interval");
  if (interval == nullptr || !interval->IsScalar()) return;
  auto ms = render::ParseDurationMillis(interval->value);
  if (!ms || *ms >= kFlaggerMinIntervalMs) return;
  l.Add(Severity::kWarning, m.file, LineOf(interval), "interval-too-short",
        c.who + ": analysis.interval " + interval->value +
            " is under Flagger's 10s floor, where Flagger runs it every 10s anyway; set 10s or more");
}

// A Gateway API provider attaches HTTPRoute X to the parents in
// service.gatewayRefs: without them Flagger fails to reconcile the canary and
// git mode refuses to render it.
void CheckGatewayRefs(Lint& l, const Canary& c, const Manifest& m, const render::AppConfig& config) {
  const std::string provider = render::EffectiveProvider(m, config.default_provider);
  if (provider.rfind("gatewayapi:", 0) != 0) return;
  const Node* spec = m.doc.Find("spec");
  const Node* refs = m.doc.Path({"spec", "service", "gatewayRefs"});
  if (refs != nullptr && refs->IsSequence() && !refs->items.empty()) return;
  const Node* service = spec != nullptr ? spec->Find("service") : nullptr;
  const int line = refs != nullptr      ? LineOf(refs)
                   : service != nullptr ? KeyLine(spec, "service")
                                        : KeyLine(spec, "provider");
  l.Add(Severity::kError, m.file, line, "gateway-refs-missing",
        c.who + ": provider " + provider + " attaches HTTPRoute " + render::ApexName(m.doc) +
            " to the parents in spec.service.gatewayRefs, and there are none, so neither Flagger nor git mode can "
            "route it; add spec.service.gatewayRefs (a Gateway, or for a mesh the apex Service with group core, "
            "kind Service)");
}

void CheckHookUrls(Lint& l, const Canary& c, const Manifest& m, const Node& a) {
  const Node* hooks = a.Find("webhooks");
  if (hooks == nullptr) return;
  for (const Node& h : hooks->items) {
    const Node* url = h.Find("url");
    if (url == nullptr || !url->IsScalar()) continue;
    auto shown = render::RedactedCredentialUrl(url->value);
    if (!shown) continue;
    const Node* name = h.Find("name");
    l.Add(Severity::kError, m.file, LineOf(url), "webhook-credentials",
          c.who + ": webhook \"" + (name != nullptr ? name->value : "") + "\" has credentials in its URL " + *shown +
              ", and git keeps them forever; rotate them and authenticate the call another way");
  }
}

void CheckProviderAddresses(Lint& l) {
  for (const Manifest& m : l.ms) {
    if (m.Group() != render::kCanaryGroup) continue;
    const Node* address = m.kind == "MetricTemplate"  ? m.doc.Path({"spec", "provider", "address"})
                          : m.kind == "AlertProvider" ? m.doc.Path({"spec", "address"})
                                                      : nullptr;
    if (address == nullptr || !address->IsScalar()) continue;
    auto shown = render::RedactedCredentialUrl(address->value);
    if (!shown) continue;
    l.Add(Severity::kError, m.file, LineOf(address), "webhook-credentials",
          m.kind + " " + m.EffectiveNamespace(l.app_ns) + "/" + m.name + ": address " + *shown +
              " has credentials in it, and git keeps them forever; rotate them and read them from a Secret "
              "through secretRef");
  }
}

void CheckHpas(Lint& l, const render::AppConfig& config) {
  std::map<std::pair<std::string, std::string>, const Canary*> owner;
  for (const Canary& c : l.canaries)
    if (!c.info.autoscaler.empty()) owner[{l.ms[c.index].EffectiveNamespace(l.app_ns), c.info.autoscaler}] = &c;
  for (const Manifest& m : l.ms) {
    const Node* spec = m.doc.Find("spec");
    if (m.kind != "HorizontalPodAutoscaler" || m.Group() != "autoscaling" || spec == nullptr) continue;
    auto min = IntAt(*spec, "minReplicas");
    auto max = IntAt(*spec, "maxReplicas");
    if (!min || !max || *min <= *max) continue;
    const std::string& ns = m.EffectiveNamespace(l.app_ns);
    auto it = owner.find({ns, m.name});
    std::string who = it == owner.end() ? "HorizontalPodAutoscaler " + ns + "/" + m.name
                                        : it->second->who + ": HorizontalPodAutoscaler " + m.name;
    l.Add(Severity::kError, m.file, LineOf(spec->Find("minReplicas")), "hpa-min-over-max",
          who + " has minReplicas " + Str(*min) + " above maxReplicas " + Str(*max) +
              ", which Kubernetes rejects; lower minReplicas or raise maxReplicas");
  }
  const render::HpaDefaults& d = config.hpa;
  if (d.min_replicas <= d.max_replicas) return;
  l.Add(Severity::kError, config.file.empty() ? std::string(render::kConfigFileName) : config.file, 0,
        "hpa-min-over-max",
        "gitcanary.yaml defaults.hpa: minReplicas " + Str(d.min_replicas) + " is above maxReplicas " +
            Str(d.max_replicas) + ", so every HPA render generates would be rejected; fix the defaults");
}

// The Deployments of the app by effective namespace and name ('\0' between);
// the first of a name wins, as render takes it.
using Deployments = std::unordered_map<std::string, const Manifest*>;

std::string DeploymentKey(const std::string& ns, const std::string& name) { return ns + '\0' + name; }

Deployments IndexDeployments(const Lint& l) {
  Deployments out;
  for (const Manifest& m : l.ms)
    if (m.kind == "Deployment" && m.Group() == "apps") out.emplace(DeploymentKey(m.EffectiveNamespace(l.app_ns), m.name), &m);
  return out;
}

// Kept Services of the canary's namespace that select its target's pods, or
// the primary's (the selector label becomes TARGET-primary there).
void CheckKeptServices(Lint& l, const Canary& c, const Manifest& target, const render::ServiceIndex& services,
                       const std::vector<bool>& removed, DirectServices* direct) {
  const Node* labels = target.doc.Path({"spec", "template", "metadata", "labels"});
  if (labels == nullptr || !labels->IsMapping()) return;
  const std::string& ns = l.ms[c.index].EffectiveNamespace(l.app_ns);
  auto target_selector = render::SelectorOf(target, render::kDefaultSelectorLabels);
  Node primary = *labels;
  if (target_selector.ok()) primary.Set(target_selector->label, Node::String(target_selector->value + "-primary"));
  std::vector<std::size_t> candidates = render::CandidateServices(services, ns, *labels);
  if (target_selector.ok()) {
    std::vector<std::size_t> of_primary = render::CandidateServices(services, ns, primary), both;
    std::set_union(candidates.begin(), candidates.end(), of_primary.begin(), of_primary.end(), std::back_inserter(both));
    candidates = std::move(both);
  }
  for (std::size_t i : candidates) {
    const Manifest& s = l.ms[i];
    const Node* selector = s.doc.Path({"spec", "selector"});
    if (removed[i] || selector == nullptr) continue;
    std::string whose;
    if (render::SelectsPods(*selector, *labels)) whose = "the pods of Deployment " + target.name;
    else if (target_selector.ok() && render::SelectsPods(*selector, primary))
      whose = "the primary pods (" + target_selector->label + ": " + target_selector->value + "-primary)";
    else continue;
    (*direct)[{ns, s.name}] = &c;
    l.Add(Severity::kWarning, s.file, KeyLine(s.doc.Find("spec"), "selector"), "routing-bypass",
          c.who + ": Service " + s.name + " selects " + whose + " directly, so its traffic bypasses the canary "
                  "weights; point clients at Service " + l.ms[c.index].name + " and remove this one");
  }
}

bool IsIngress(const Manifest& m) {
  return m.kind == "Ingress" && (m.api_version == "networking.k8s.io/v1" || m.api_version == "networking.k8s.io/v1beta1" ||
                                 m.api_version == "extensions/v1beta1");
}

// The Service-name nodes of an Ingress's backends (v1 and v1beta1 shapes).
std::vector<const Node*> BackendNames(const Node& spec) {
  std::vector<const Node*> out;
  auto add = [&out](const Node* backend) {
    if (backend == nullptr) return;
    const Node* name = backend->Path({"service", "name"});
    if (name == nullptr) name = backend->Find("serviceName");
    if (name != nullptr && name->IsScalar()) out.push_back(name);
  };
  add(spec.Find("defaultBackend"));
  add(spec.Find("backend"));
  if (const Node* rules = spec.Find("rules"))
    for (const Node& rule : rules->items)
      if (const Node* paths = rule.Path({"http", "paths"}))
        for (const Node& p : paths->items) add(p.Find("backend"));
  return out;
}

void CheckKeptIngresses(Lint& l, const std::vector<bool>& removed, const DirectServices& direct) {
  for (std::size_t i = 0; i < l.ms.size(); ++i) {
    const Manifest& m = l.ms[i];
    const Node* spec = m.doc.Find("spec");
    if (removed[i] || !IsIngress(m) || spec == nullptr) continue;
    for (const Node* name : BackendNames(*spec)) {
      auto it = direct.find({m.EffectiveNamespace(l.app_ns), name->value});
      if (it == direct.end()) continue;
      l.Add(Severity::kWarning, m.file, LineOf(name), "routing-bypass",
            it->second->who + ": Ingress " + m.name + " routes to Service " + name->value +
                ", which reaches the canary's pods directly and bypasses its weights; route this traffic "
                "through the canary's gateway (spec.service.gateways and hosts) instead");
    }
  }
}

// Whether some rule path of `ingress` has the Service `name` as its backend
// (what Flagger's NGINX router looks for; the default backend does not count).
bool RoutesPathTo(const Node& ingress, const std::string& name) {
  const Node* rules = ingress.Path({"spec", "rules"});
  if (rules == nullptr) return false;
  for (const Node& rule : rules->items)
    if (const Node* paths = rule.Path({"http", "paths"}))
      for (const Node& p : paths->items)
        if (const Node* svc = p.Path({"backend", "service", "name"}); svc != nullptr && svc->value == name) return true;
  return false;
}

// An nginx Canary copies the Ingress of its ingressRef and renames the paths
// to the apex Service: without such a path there is nothing to shift.
void CheckIngressRefs(Lint& l) {
  for (const Canary& c : l.canaries) {
    if (c.info.provider != "nginx") continue;
    const Manifest& m = l.ms[c.index];
    const std::string apex = render::ApexName(m.doc);
    const Node* name = m.doc.Path({"spec", "ingressRef", "name"});
    if (name == nullptr || !name->IsScalar() || name->value.empty()) {
      l.Add(Severity::kError, m.file, KeyLine(&m.doc, "spec"), "nginx-ingress-ref",
            c.who + ": provider nginx without spec.ingressRef; name the networking.k8s.io/v1 Ingress that routes "
                    "to Service " + apex + ", which the canary Ingress copies");
      continue;
    }
    const std::string& ns = m.EffectiveNamespace(l.app_ns);
    const Manifest* ingress = nullptr;
    for (const Manifest& o : l.ms)
      if (IsIngress(o) && o.name == name->value && o.EffectiveNamespace(l.app_ns) == ns) ingress = &o;
    if (ingress == nullptr) {
      l.Add(Severity::kWarning, m.file, LineOf(name), "nginx-ingress-ref",
            c.who + ": Ingress " + name->value + " of spec.ingressRef is not in this app; git mode needs it in the "
                    "app, and Flagger in namespace " + ns);
      continue;
    }
    if (RoutesPathTo(ingress->doc, apex)) continue;
    l.Add(Severity::kError, m.file, LineOf(name), "nginx-ingress-ref",
          c.who + ": Ingress " + name->value + " of spec.ingressRef has no rule path whose backend is Service " +
              apex + " (the apex), so the canary Ingress would carry no traffic and Flagger fails to start; point a "
              "path of " + ingress->file + " at Service " + apex);
  }
}

// What render keeps is what can bypass: run render's own replacement rules,
// then look at what stays.
void CheckRouting(Lint& l) {
  std::vector<bool> removed(l.ms.size(), false);
  std::vector<std::string> explain;
  const render::ServiceIndex services = render::IndexServices(l.ms, l.app_ns);
  std::vector<std::pair<const Canary*, const Manifest*>> targets;
  std::vector<render::IngressRouter> routers;
  std::vector<int> replaced_by(l.ms.size(), -1);
  const Deployments deployments = IndexDeployments(l);
  for (const Canary& c : l.canaries) {
    const Manifest& canary = l.ms[c.index];
    auto found = deployments.find(DeploymentKey(canary.EffectiveNamespace(l.app_ns), c.info.target));
    if (found == deployments.end()) continue;  // render reports it
    const Manifest* target = found->second;
    auto replaced = render::MarkReplacedServices(l.ms, services, canary, c.info, *target, l.app_ns, &removed, &explain);
    if (!replaced.ok()) return;  // render rejects this app and says why
    for (std::size_t i : *replaced) replaced_by[i] = static_cast<int>(routers.size());
    routers.push_back(render::IngressRouter{&canary, &c.info});
    targets.emplace_back(&c, target);
  }
  if (!render::MarkReplacedIngresses(l.ms, routers, replaced_by, l.app_ns, &removed, &explain).ok()) return;
  DirectServices direct;  // the canary's own primary and canary Services count too
  for (auto [c, target] : targets) {
    const std::string& ns = l.ms[c->index].EffectiveNamespace(l.app_ns);
    for (const std::string& base : {l.ms[c->index].name, target->name})
      for (const char* suffix : {"-primary", "-canary"}) direct[{ns, base + suffix}] = c;
  }
  for (auto [c, target] : targets) CheckKeptServices(l, *c, *target, services, removed, &direct);
  CheckKeptIngresses(l, removed, direct);
}

}  // namespace

std::vector<Finding> LintApp(const std::vector<Manifest>& manifests, const render::AppConfig& config,
                             const std::string& app_namespace) {
  std::vector<Manifest> work = manifests;
  std::vector<std::string> explain;
  if (!render::ExpandCanaryTemplates(work, config, app_namespace, &explain).ok()) work = manifests;
  Lint l{work, app_namespace, {}, {}};
  for (std::size_t i = 0; i < work.size(); ++i) {
    if (!render::IsCanary(work[i])) continue;
    auto info = render::NormaliseCanary(work[i], config.default_provider);
    if (!info.ok()) continue;  // invalid input: render reports it
    l.canaries.push_back(Canary{i, std::move(*info), "canary " + work[i].EffectiveNamespace(app_namespace) + "/" + work[i].name});
  }
  for (const Canary& c : l.canaries) {
    const Manifest& m = work[c.index];
    CheckGatewayRefs(l, c, m, config);
    const Node* analysis = m.doc.Path({"spec", "analysis"});
    if (analysis == nullptr) continue;
    CheckStepOverMax(l, c, m, *analysis);
    CheckGate(l, c, m, *analysis);
    CheckMetrics(l, c, m, *analysis);
    CheckInterval(l, c, m, *analysis);
    CheckHookUrls(l, c, m, *analysis);
  }
  CheckProviderAddresses(l);
  CheckHpas(l, config);
  CheckRouting(l);
  std::vector<std::size_t> canary_indices;
  for (const Canary& c : l.canaries) canary_indices.push_back(c.index);
  for (Finding& f : CheckSplitWithHttpRoute(work, canary_indices, config.default_provider, app_namespace))
    l.out.push_back(std::move(f));
  CheckIngressRefs(l);
  std::stable_sort(l.out.begin(), l.out.end(), [](const Finding& a, const Finding& b) {
    return std::tie(a.file, a.line, a.rule, a.message) < std::tie(b.file, b.line, b.rule, b.message);
  });
  return std::move(l.out);
}

}  // namespace gitcanary::policies
