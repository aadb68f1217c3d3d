#include "policies/analysis_spec_reader.h"

#include <algorithm>
#include <climits>

#include "policies/alert.h"
#include "policies/metric_query.h"
#include "policies/webhook.h"
#include "render/fields.h"
#include "render/routing/provider.h"
#include "render/strict_fields.h"

namespace gitcanary::policies {

namespace {

using render::Fields;
using render::JoinPath;
using render::Manifest;
using render::Shown;
using yaml::Node;

constexpr const char* kBuiltinMetrics[] = {"request-success-rate", "request-duration"};

// Reads the fields of one Canary, prefixing messages with the canary's name.
class Reader {
 public:
  Reader(const Manifest& canary, const std::string& app_ns, const TemplateIndex& templates, long long min_interval_ms,
         const ReferenceScope& scope, std::string_view default_provider)
      : m_(canary), ns_(canary.EffectiveNamespace(app_ns)), templates_(templates), f_(canary.file),
        min_interval_ms_(min_interval_ms), scope_(scope), default_provider_(default_provider) {}

  Result<policies::AnalysisSpec> Read() {
    policies::AnalysisSpec s;
    s.name = m_.name;
    s.ns = ns_;
    const Node* spec = m_.doc.Find("spec");
    if (spec == nullptr || !spec->IsMapping()) return Error(m_.doc, "spec", "missing");
    const Node* target = spec->Path({"targetRef", "name"});
    if (target == nullptr || !target->IsScalar()) return Error(*spec, "spec.targetRef.name", "missing");
    s.target = target->value;
    const Node* service = spec->Path({"service", "name"});
    s.service = service != nullptr && service->IsScalar() && !service->value.empty() ? service->value : s.target;
    if (const Node* server = spec->Find("metricsServer"); server != nullptr && server->IsScalar())
      s.metrics_server = server->value;
    s.provider = render::EffectiveProvider(m_, default_provider_);
    s.metrics_provider = MetricsProviderFor(s.provider, default_provider_);
    if (const Node* ingress = spec->Path({"ingressRef", "name"}); ingress != nullptr && ingress->IsScalar())
      s.ingress = ingress->value;
    if (const Node* route = spec->Path({"routeRef", "name"}); route != nullptr && route->IsScalar())
      s.route = route->value;
    Status st;
    if (!(st = Flag(*spec, "suspend", "spec", &s.suspend)).ok()) return st;
    if (!(st = Flag(*spec, "skipAnalysis", "spec", &s.skip_analysis)).ok()) return st;
    long long deadline_s = 600;
    if (!(st = Number(*spec, "progressDeadlineSeconds", "spec", 1, INT_MAX, &deadline_s)).ok()) return st;
    s.progress_deadline_ms = deadline_s * 1000;
    const Node* analysis = spec->Find("analysis");
    if (analysis == nullptr || !analysis->IsMapping()) {
      s.skip_analysis = true;  // Flagger: no analysis means nothing to analyse
      return s;
    }
    if (!(st = ReadAnalysis(*analysis, &s)).ok()) return st;
    return s;
  }

 private:
  Status Error(const Node& at, std::string_view path, const std::string& message) const {
    return f_.Error(at, path, "canary " + ns_ + "/" + m_.name + ": " + message);
  }

  Status Flag(const Node& parent, std::string_view key, std::string_view path, bool* out) const {
    auto v = f_.Bool(parent, key, path);
    if (!v.ok()) return v.status();
    if (v->has_value()) *out = **v;
    return Status::Ok();
  }

  template <typename T>
  Status Number(const Node& parent, std::string_view key, std::string_view path, long long lo, long long hi,
                T* out) const {
    auto v = f_.Int(parent, key, path);
    if (!v.ok()) return v.status();
    if (!v->has_value()) return Status::Ok();
    if (**v < lo || **v > hi) {
      return Error(*parent.Find(key), JoinPath(path, key),
                   "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", got " +
                       std::to_string(**v));
    }
    *out = static_cast<T>(**v);
    return Status::Ok();
  }

  Status Duration(const Node& parent, std::string_view key, std::string_view path, long long* out_ms) const {
    auto v = f_.String(parent, key, path);
    if (!v.ok()) return v.status();
    if (!v->has_value()) return Status::Ok();
    auto ms = render::ParseDurationMillis(**v);
    if (!ms || *ms <= 0) return Error(*parent.Find(key), JoinPath(path, key), "not a duration: " + **v);
    *out_ms = *ms;
    return Status::Ok();
  }

  Status StringMap(const Node& parent, std::string_view key, std::string_view path,
                   std::map<std::string, std::string>* out) const {
    auto map = f_.Mapping(parent, key, path);
    if (!map.ok()) return map.status();
    if (*map == nullptr) return Status::Ok();
    for (const yaml::Field& field : (*map)->fields) {
      if (!field.value.IsScalar())
        return Error(field.value, JoinPath(JoinPath(path, key), field.key), "expected a string, got " + Shown(field.value));
      (*out)[field.key] = field.value.value;
    }
    return Status::Ok();
  }

  Status ReadAnalysis(const Node& a, policies::AnalysisSpec* s) const {
    const std::string path = "spec.analysis";
    Status st;
    if (!(st = Duration(a, "interval", path, &s->interval_ms)).ok()) return st;
    s->interval_ms = std::max(s->interval_ms, min_interval_ms_);
    if (!(st = Number(a, "threshold", path, 1, INT_MAX, &s->threshold)).ok()) return st;
    if (!(st = Number(a, "maxWeight", path, 1, 100, &s->max_weight)).ok()) return st;
    if (!(st = Number(a, "stepWeight", path, 1, 100, &s->step_weight)).ok()) return st;
    if (!(st = Number(a, "stepWeightPromotion", path, 1, 100, &s->step_weight_promotion)).ok()) return st;
    if (!(st = Number(a, "iterations", path, 1, INT_MAX, &s->iterations)).ok()) return st;
    if (!(st = Flag(a, "mirror", path, &s->mirror)).ok()) return st;
    if (!(st = Number(a, "canaryReadyThreshold", path, 0, 100, &s->canary_ready_threshold)).ok()) return st;
    if (!(st = Number(a, "primaryReadyThreshold", path, 0, 100, &s->primary_ready_threshold)).ok()) return st;
    if (const Node* steps = a.Find("stepWeights"); steps != nullptr && steps->IsSequence()) {
      for (const Node& w : steps->items) s->step_weights.push_back(static_cast<int>(w.AsInt().value_or(0)));
    }
    const Node* match = a.Find("match");
    s->has_match = match != nullptr && match->IsSequence() && !match->items.empty();
    if (const Node* affinity = a.Find("sessionAffinity"); affinity != nullptr && affinity->IsMapping()) {
      if (const Node* n = affinity->Find("cookieName"); n != nullptr && n->IsScalar()) s->affinity_cookie = n->value;
      if (const Node* n = affinity->Find("primaryCookieName"); n != nullptr && n->IsScalar())
        s->affinity_primary_cookie = n->value;
    }
    if (!(st = ReadWebhooks(a, s)).ok()) return st;
    if (!(st = ReadAlerts(a, s)).ok()) return st;
    return ReadMetrics(a, s);
  }

  Status ReadAlerts(const Node& a, policies::AnalysisSpec* s) const {
    auto alerts = f_.Sequence(a, "alerts", "spec.analysis");
    if (!alerts.ok() || *alerts == nullptr) return alerts.status();
    for (std::size_t i = 0; i < (*alerts)->items.size(); ++i) {
      const Node& node = (*alerts)->items[i];
      const std::string path = "spec.analysis.alerts[" + std::to_string(i) + "]";
      if (!node.IsMapping()) return Error(node, path, "expected a mapping, got " + Shown(node));
      policies::AlertRef ref;
      if (const Node* name = node.Find("name")) ref.name = name->value;
      if (const Node* severity = node.Find("severity"); severity != nullptr && severity->IsScalar()) {
        auto parsed = policies::ParseSeverity(severity->value);
        if (!parsed.ok()) return Error(*severity, JoinPath(path, "severity"), parsed.status().message());
        ref.severity = severity->value.empty() ? "info" : severity->value;
      }
      const Node* provider = node.Path({"providerRef", "name"});
      if (provider == nullptr || !provider->IsScalar() || provider->value.empty())
        return Error(node, JoinPath(path, "providerRef.name"), "missing");
      ref.provider_name = provider->value;
      const Node* ns = node.Path({"providerRef", "namespace"});
      ref.provider_ns = ns != nullptr && ns->IsScalar() && !ns->value.empty() ? ns->value : ns_;
      s->alerts.push_back(std::move(ref));
    }
    return Status::Ok();
  }

  Status ReadWebhooks(const Node& a, policies::AnalysisSpec* s) const {
    auto hooks = f_.Sequence(a, "webhooks", "spec.analysis");
    if (!hooks.ok() || *hooks == nullptr) return hooks.status();
    for (std::size_t i = 0; i < (*hooks)->items.size(); ++i) {
      const Node& h = (*hooks)->items[i];
      const std::string path = "spec.analysis.webhooks[" + std::to_string(i) + "]";
      policies::HookSpec hook;
      hook.name = h.Find("name") ? h.Find("name")->value : "";
      hook.url = h.Find("url") ? h.Find("url")->value : "";
      const Node* type = h.Find("type");
      hook.type = policies::ParseHookType(type ? type->value : "").value_or(policies::HookType::kRollout);
      Status url = policies::ValidateWebhookUrl(hook.url);
      if (!url.ok()) return Error(*h.Find("url"), JoinPath(path, "url"), url.message());
      Status st;
      if (!(st = Duration(h, "timeout", path, &hook.timeout_ms)).ok()) return st;
      if (!(st = Number(h, "retries", path, 0, 100, &hook.retries)).ok()) return st;
      if (!(st = Flag(h, "muteAlert", path, &hook.mute_alert)).ok()) return st;
      if (!(st = Flag(h, "disableTLS", path, &hook.disable_tls)).ok()) return st;
      if (!(st = StringMap(h, "metadata", path, &hook.metadata)).ok()) return st;
      s->webhooks.push_back(std::move(hook));
    }
    return Status::Ok();
  }

  Status ReadMetrics(const Node& a, policies::AnalysisSpec* s) const {
    auto metrics = f_.Sequence(a, "metrics", "spec.analysis");
    if (!metrics.ok() || *metrics == nullptr) return metrics.status();
    for (std::size_t i = 0; i < (*metrics)->items.size(); ++i) {
      const Node& node = (*metrics)->items[i];
      const std::string path = "spec.analysis.metrics[" + std::to_string(i) + "]";
      policies::MetricSpec metric;
      metric.name = node.Find("name") ? node.Find("name")->value : "";
      if (const Node* range = node.Find("thresholdRange"); range != nullptr && range->IsMapping()) {
        if (const Node* min = range->Find("min"); min != nullptr && !min->IsNull()) metric.min = min->AsFloat();
        if (const Node* max = range->Find("max"); max != nullptr && !max->IsNull()) metric.max = max->AsFloat();
      }
      if (const Node* interval = node.Find("interval")) metric.interval = interval->value;
      Status st = StringMap(node, "templateVariables", path, &metric.variables);
      if (!st.ok()) return st;
      auto query = f_.String(node, "query", path);
      if (!query.ok()) return query.status();
      const std::string inline_query = query->value_or("");
      if (!(st = ResolveTemplate(node, path, !inline_query.empty(), &metric)).ok()) return st;
      if (inline_query.empty()) {
        s->metrics.push_back(std::move(metric));
        continue;
      }
      // Flagger runs every check a metric names: the built-in one its name may
      // be, its in-line query, then its templateRef. One entry each, in that order.
      policies::MetricSpec in_line = metric;
      in_line.template_name.clear();
      in_line.template_ns.clear();
      in_line.query = inline_query;
      if (IsBuiltinMetric(metric.name)) {
        policies::MetricSpec builtin = in_line;
        builtin.query.clear();
        s->metrics.push_back(std::move(builtin));
      }
      s->metrics.push_back(std::move(in_line));
      if (!metric.template_name.empty()) s->metrics.push_back(std::move(metric));
    }
    return Status::Ok();
  }

  static bool IsBuiltinMetric(const std::string& name) {
    for (const char* builtin : kBuiltinMetrics)
      if (name == builtin) return true;
    return false;
  }

  Status ResolveTemplate(const Node& node, const std::string& path, bool has_query,
                         policies::MetricSpec* metric) const {
    auto ref = f_.Mapping(node, "templateRef", path);
    if (!ref.ok()) return ref.status();
    if (*ref == nullptr) {
      if (has_query || IsBuiltinMetric(metric->name)) return Status::Ok();
      const Node* at = node.Find("name") ? node.Find("name") : &node;
      return Error(*at, JoinPath(path, "name"),
                   "\"" + metric->name +
                       "\" is not a built-in metric (request-success-rate, request-duration) and has neither "
                       "a templateRef nor a query");
    }
    const Node* name = (*ref)->Find("name");
    if (name == nullptr || !name->IsScalar() || name->value.empty())
      return Error(**ref, JoinPath(path, "templateRef.name"), "missing");
    const Node* ns = (*ref)->Find("namespace");
    metric->template_name = name->value;
    metric->template_ns = ns != nullptr && ns->IsScalar() && !ns->value.empty() ? ns->value : ns_;
    const std::string key = metric->template_ns + "/" + metric->template_name;
    if (auto twice = scope_.twice.find("MetricTemplate " + key); twice != scope_.twice.end())
      return Error(**ref, JoinPath(path, "templateRef"),
                   "MetricTemplate " + key + " is defined twice, " + twice->second + "; keep one");
    if (templates_.count(key) == 0)
      return Error(**ref, JoinPath(path, "templateRef"), "MetricTemplate " + key + " not found in " + scope_.looked_in);
    return Status::Ok();
  }

  const Manifest& m_;
  const std::string ns_;
  const TemplateIndex& templates_;
  const Fields f_;
  long long min_interval_ms_;
  const ReferenceScope& scope_;
  const std::string_view default_provider_;
};

Result<policies::MetricTemplate> ReadMetricTemplate(const Manifest& m, const std::string& app_ns) {
  if (Status strict = render::CheckFlaggerObject(m); !strict.ok()) return strict;
  Fields f(m.file);
  policies::MetricTemplate t;
  t.name = m.name;
  t.ns = m.EffectiveNamespace(app_ns);
  const std::string who = "MetricTemplate " + t.ns + "/" + t.name + ": ";
  const Node* spec = m.doc.Find("spec");
  if (spec == nullptr || !spec->IsMapping()) return f.Error(m.doc, "spec", who + "missing");
  auto query = f.String(*spec, "query", "spec");
  if (!query.ok()) return query.status();
  if (!query->has_value() || (*query)->empty()) return f.Error(*spec, "spec.query", who + "missing");
  t.query = **query;
  auto provider = f.Mapping(*spec, "provider", "spec");
  if (!provider.ok()) return provider.status();
  if (*provider == nullptr) return f.Error(*spec, "spec.provider", who + "missing");
  const Node& p = **provider;
  for (auto [key, out] : {std::pair<const char*, std::string*>{"type", &t.provider_type}, {"address", &t.address}}) {
    auto v = f.String(p, key, "spec.provider");
    if (!v.ok()) return v.status();
    if (v->has_value()) *out = **v;
  }
  if (const Node* secret = p.Path({"secretRef", "name"}); secret != nullptr && secret->IsScalar())
    t.secret_name = secret->value;
  auto insecure = f.Bool(p, "insecureSkipVerify", "spec.provider");
  if (!insecure.ok()) return insecure.status();
  t.insecure_skip_verify = insecure->value_or(false);
  auto headers = f.Mapping(p, "headers", "spec.provider");
  if (!headers.ok()) return headers.status();
  if (*headers != nullptr) {
    for (const yaml::Field& h : (*headers)->fields) {
      // http.Header: a list of values per name; one value is what a query needs.
      const Node& v = h.value.IsSequence() && h.value.items.size() == 1 ? h.value.items[0] : h.value;
      if (!v.IsScalar())
        return f.Error(h.value, "spec.provider.headers." + h.key, who + "expected one string value, got " + Shown(h.value));
      t.headers[h.key] = v.value;
    }
  }
  return t;
}

Result<ProviderDoc> ReadAlertProvider(const Manifest& m, const std::string& app_ns) {
  if (Status strict = render::CheckFlaggerObject(m); !strict.ok()) return strict;
  Fields f(m.file);
  ProviderDoc out;
  policies::AlertProvider& p = out.provider;
  p.name = m.name;
  p.ns = m.EffectiveNamespace(app_ns);
  const Node* spec = m.doc.Find("spec");
  if (spec == nullptr || !spec->IsMapping()) return f.Error(m.doc, "spec", "AlertProvider " + p.ns + "/" + p.name + ": missing");
  for (auto [key, field] : {std::pair<const char*, std::string*>{"type", &p.type}, {"address", &p.address},
                            {"channel", &p.channel}, {"username", &p.username}, {"proxy", &p.proxy}}) {
    auto v = f.String(*spec, key, "spec");
    if (!v.ok()) return v.status();
    if (v->has_value()) *field = **v;
  }
  if (!policies::KnownAlertType(p.type)) {
    const Node* at = spec->Find("type") ? spec->Find("type") : spec;
    return f.Error(*at, "spec.type", "AlertProvider " + p.ns + "/" + p.name + ": unknown type \"" + p.type +
                                         "\" (expected slack, msteams, discord, rocket, gchat or generic)");
  }
  if (const Node* secret = spec->Path({"secretRef", "name"}); secret != nullptr && secret->IsScalar())
    out.secret_name = secret->value;
  return out;
}

}  // namespace

Result<ProviderIndex> ReadAlertProviders(const std::vector<Manifest>& objects, const std::string& app_ns) {
  ProviderIndex out;
  for (const Manifest& m : objects) {
    if (m.kind != "AlertProvider" || m.Group() != "flagger.app") continue;
    auto p = ReadAlertProvider(m, app_ns);
    if (!p.ok()) return p.status();
    std::string key = p->provider.ns + "/" + p->provider.name;
    out[key] = std::move(*p);
  }
  return out;
}

Status CheckAlertProviders(const policies::AnalysisSpec& spec, const ProviderIndex& providers,
                           const ReferenceScope& scope) {
  for (std::size_t i = 0; i < spec.alerts.size(); ++i) {
    const policies::AlertRef& a = spec.alerts[i];
    const std::string key = a.provider_ns + "/" + a.provider_name;
    const std::string where = "canary " + spec.ns + "/" + spec.name + ": spec.analysis.alerts[" + std::to_string(i) +
                              "].providerRef: AlertProvider " + key;
    if (auto twice = scope.twice.find("AlertProvider " + key); twice != scope.twice.end())
      return Status::Invalid(where + " is defined twice, " + twice->second + "; keep one");
    if (providers.count(key) == 0) return Status::Invalid(where + " not found in " + scope.looked_in);
  }
  return Status::Ok();
}

bool IsMetricTemplate(const Manifest& m) {
  return m.kind == "MetricTemplate" && m.Group() == "flagger.app";
}

Result<TemplateIndex> ReadMetricTemplates(const std::vector<Manifest>& objects, const std::string& app_ns) {
  TemplateIndex out;
  for (const Manifest& m : objects) {
    if (!IsMetricTemplate(m)) continue;
    auto t = ReadMetricTemplate(m, app_ns);
    if (!t.ok()) return t.status();
    std::string key = t->ns + "/" + t->name;
    if (!out.emplace(key, std::move(*t)).second)
      return Status::Invalid(AtPlace(m.file, m.doc.mark.line, m.doc.mark.column, "MetricTemplate " + key + " is defined twice"));
  }
  return out;
}

Result<policies::AnalysisSpec> ReadAnalysisSpec(const Manifest& canary, const std::string& app_ns,
                                                const TemplateIndex& templates, long long min_interval_ms,
                                                const ReferenceScope& scope, std::string_view default_provider) {
  return Reader(canary, app_ns, templates, min_interval_ms, scope, default_provider).Read();
}

}  // namespace gitcanary::policies
