#include "render/canary_spec.h"

#include "render/fields.h"
#include "render/generated_names.h"
#include "render/generated_objects.h"
#include "render/routing/provider.h"
#include "render/strict_fields.h"

namespace gitcanary::render {

using yaml::Node;

namespace {

constexpr const char* kWebhookTypes[] = {"pre-rollout",   "rollout",    "confirm-rollout",
                                         "confirm-traffic-increase", "confirm-promotion",
                                         "post-rollout", "rollback",   "event"};

Status RenameField(Node& map, std::string_view from, std::string_view to, const Fields& f,
                   std::string_view path) {
  if (map.Find(from) == nullptr) return Status::Ok();
  if (const Node* both = map.Find(to)) {
    return f.Error(*both, JoinPath(path, to), "both " + std::string(from) + " and " +
                                                  std::string(to) + " are set; keep only " + std::string(to));
  }
  for (yaml::Field& field : map.fields)
    if (field.key == from) field.key = std::string(to);
  return Status::Ok();
}

Status CheckRange(const Fields& f, const Node& parent, std::string_view key, std::string_view path,
                  long long lo, long long hi, std::optional<long long>* out = nullptr) {
  auto v = f.Int(parent, key, path);
  if (!v.ok()) return v.status();
  if (v->has_value() && (**v < lo || **v > hi)) {
    return f.Error(*parent.Find(key), JoinPath(path, key),
                   "must be between " + std::to_string(lo) + " and " + std::to_string(hi) +
                       ", got " + std::to_string(**v));
  }
  if (out != nullptr) *out = *v;
  return Status::Ok();
}

Status CheckDuration(const Fields& f, const Node& parent, std::string_view key, std::string_view path) {
  auto v = f.String(parent, key, path);
  if (!v.ok()) return v.status();
  if (v->has_value() && !ParseDurationMillis(**v)) {
    return f.Error(*parent.Find(key), JoinPath(path, key),
                   "not a duration: \"" + **v + "\" (use forms like 30s, 1m, 1m30s)");
  }
  return Status::Ok();
}

// Writes a duration in the form Flagger's CRD takes (`^[0-9]+(m|s)`): a form
// that already matches stays, others become whole minutes or whole seconds
// (1.5m -> 90s, 1h -> 60m). Under a second cannot be written that way.
Status FlaggerDuration(Node& parent, std::string_view key, const Fields& f, std::string_view path) {
  Status s = CheckDuration(f, parent, key, path);
  if (!s.ok()) return s;
  Node* n = parent.Find(key);
  if (n == nullptr || n->IsNull()) return Status::Ok();
  const long long ms = *ParseDurationMillis(n->value);
  if (ms < 1000) {
    return f.Error(*n, JoinPath(path, key), "\"" + n->value + "\" is under a second; Flagger's CRD takes whole seconds or minutes (pattern ^[0-9]+(m|s)), e.g. 1s");
  }
  std::size_t digits = 0;
  while (digits < n->value.size() && n->value[digits] >= '0' && n->value[digits] <= '9') ++digits;
  if (digits > 0 && digits < n->value.size() && (n->value[digits] == 'm' || n->value[digits] == 's')) return Status::Ok();
  if (ms % 1000 != 0) {
    return f.Error(*n, JoinPath(path, key), "\"" + n->value + "\" is not a whole number of seconds; Flagger's CRD takes whole seconds or minutes (pattern ^[0-9]+(m|s))");
  }
  const yaml::Mark mark = n->mark;
  *n = Node::Plain(ms % 60000 == 0 ? std::to_string(ms / 60000) + "m" : std::to_string(ms / 1000) + "s");
  n->mark = mark;
  return Status::Ok();
}

Status NormaliseMetric(Node& metric, const Fields& f, const std::string& path) {
  if (!metric.IsMapping()) return f.Error(metric, path, "expected a mapping, got " + Shown(metric));
  auto name = f.String(metric, "name", path);
  if (!name.ok()) return name.status();
  if (!name->has_value()) return f.Error(metric, JoinPath(path, "name"), "missing");
  if (const Node* threshold = metric.Find("threshold")) {
    if (metric.Find("thresholdRange") != nullptr) {
      return f.Error(*threshold, JoinPath(path, "threshold"), "both threshold and thresholdRange are set");
    }
    if (!threshold->AsFloat()) {
      return f.Error(*threshold, JoinPath(path, "threshold"), "expected a number, got " + Shown(*threshold));
    }
    Node range = Node::Mapping();
    range.Set(**name == "request-success-rate" ? "min" : "max", *threshold);
    for (yaml::Field& field : metric.fields) {
      if (field.key == "threshold") {
        field.key = "thresholdRange";
        field.value = std::move(range);
        break;
      }
    }
  }
  if (const Node* range = metric.Find("thresholdRange")) {
    if (!range->IsMapping()) return f.Error(*range, JoinPath(path, "thresholdRange"), "expected a mapping, got " + Shown(*range));
    for (const char* bound : {"min", "max"}) {
      const Node* b = range->Find(bound);
      if (b != nullptr && !b->IsNull() && !b->AsFloat())
        return f.Error(*b, JoinPath(path, std::string("thresholdRange.") + bound), "expected a number, got " + Shown(*b));
    }
  }
  if (metric.Find("interval") == nullptr) metric.Set("interval", Node::Plain("1m"));
  return FlaggerDuration(metric, "interval", f, path);
}

Status NormaliseWebhook(Node& hook, const Fields& f, const std::string& path) {
  if (!hook.IsMapping()) return f.Error(hook, path, "expected a mapping, got " + Shown(hook));
  for (const char* key : {"name", "url"}) {
    auto v = f.String(hook, key, path);
    if (!v.ok()) return v.status();
    if (!v->has_value()) return f.Error(hook, JoinPath(path, key), "missing");
  }
  auto type = f.String(hook, "type", path);
  if (!type.ok()) return type.status();
  if (type->has_value()) {
    bool known = (*type)->empty();  // Flagger's CRD allows "": a rollout hook
    for (const char* t : kWebhookTypes) known = known || **type == t;
    if (!known) return f.Error(*hook.Find("type"), JoinPath(path, "type"), "unknown webhook type \"" + **type + "\"");
  }
  return FlaggerDuration(hook, "timeout", f, path);
}

Status CheckStepWeights(const Node& analysis, const Fields& f, const std::string& path) {
  auto steps = f.Sequence(analysis, "stepWeights", path);
  if (!steps.ok() || *steps == nullptr) return steps.status();
  long long previous = 0;
  for (std::size_t i = 0; i < (*steps)->items.size(); ++i) {
    const Node& step = (*steps)->items[i];
    std::string at = JoinPath(path, "stepWeights[" + std::to_string(i) + "]");
    auto w = step.AsInt();
    if (!w) return f.Error(step, at, "expected an integer, got " + Shown(step));
    if (*w < 1 || *w > 100) return f.Error(step, at, "must be between 1 and 100, got " + std::to_string(*w));
    if (*w <= previous) return f.Error(step, at, "stepWeights must be strictly ascending, got " + std::to_string(*w) + " after " + std::to_string(previous));
    previous = *w;
  }
  return Status::Ok();
}

Status NormaliseAnalysis(Node& analysis, const Fields& f, const std::string& provider) {
  const std::string path = "spec.analysis";
  if (analysis.Find("interval") == nullptr) analysis.Set("interval", Node::Plain("1m"));
  Status s = FlaggerDuration(analysis, "interval", f, path);
  if (!s.ok()) return s;
  std::optional<long long> threshold, iterations, step_weight;
  if (!(s = CheckRange(f, analysis, "threshold", path, 0, 1000000, &threshold)).ok()) return s;
  if (!threshold || *threshold < 1) analysis.Set("threshold", Node::Int(1));
  if (!(s = CheckRange(f, analysis, "iterations", path, 1, 1000000, &iterations)).ok()) return s;
  if (!(s = CheckRange(f, analysis, "stepWeight", path, 1, 100, &step_weight)).ok()) return s;
  if (!(s = CheckRange(f, analysis, "maxWeight", path, 1, 100)).ok()) return s;
  if (!(s = CheckRange(f, analysis, "mirrorWeight", path, 0, 100)).ok()) return s;
  if (!(s = CheckRange(f, analysis, "stepWeightPromotion", path, 1, 100)).ok()) return s;
  if (!(s = CheckStepWeights(analysis, f, path)).ok()) return s;
  auto mirror = f.Bool(analysis, "mirror", path);
  if (!mirror.ok()) return mirror.status();
  const Node* steps = analysis.Find("stepWeights");
  bool has_steps = steps != nullptr && !steps->IsNull();
  if (!iterations && !step_weight && !has_steps) {
    if (provider == "kubernetes") {  // Flagger would run 10 iterations; say so rather than guess
      return f.Error(analysis, path,
                     "needs iterations: provider kubernetes shifts no traffic and runs blue/green "
                     "(Flagger's default is iterations: 10)");
    }
    return f.Error(analysis, path, "needs iterations (A/B, blue/green), stepWeight or stepWeights (canary)");
  }
  if ((iterations ? 1 : 0) + (step_weight ? 1 : 0) + (has_steps ? 1 : 0) > 1) {
    const char* second = has_steps ? "stepWeights" : "stepWeight";
    const char* first = iterations ? "iterations" : "stepWeight";
    return f.Error(*analysis.Find(second), JoinPath(path, second),
                   std::string("both ") + first + " and " + second +
                       " are set; Flagger's CRD takes exactly one of iterations (A/B, blue/green), stepWeight "
                       "(canary) or stepWeights (canary): remove one");
  }
  if (step_weight && analysis.Find("maxWeight") == nullptr) analysis.Set("maxWeight", Node::Int(100));
  auto metrics = f.Sequence(analysis, "metrics", path);
  if (!metrics.ok()) return metrics.status();
  if (*metrics != nullptr) {
    Node& list = *analysis.Find("metrics");
    for (std::size_t i = 0; i < list.items.size(); ++i)
      if (!(s = NormaliseMetric(list.items[i], f, path + ".metrics[" + std::to_string(i) + "]")).ok()) return s;
  }
  auto hooks = f.Sequence(analysis, "webhooks", path);
  if (!hooks.ok()) return hooks.status();
  if (*hooks != nullptr) {
    Node& list = *analysis.Find("webhooks");
    for (std::size_t i = 0; i < list.items.size(); ++i)
      if (!(s = NormaliseWebhook(list.items[i], f, path + ".webhooks[" + std::to_string(i) + "]")).ok()) return s;
  }
  return Status::Ok();
}

Result<std::vector<std::string>> StringList(const Fields& f, const Node& parent, std::string_view key,
                                            std::string_view path) {
  auto list = f.Sequence(parent, key, path);
  if (!list.ok()) return list.status();
  std::vector<std::string> out;
  if (*list == nullptr) return out;
  for (std::size_t i = 0; i < (*list)->items.size(); ++i) {
    const Node& item = (*list)->items[i];
    if (!item.IsStringScalar()) {
      return f.Error(item, JoinPath(path, std::string(key) + "[" + std::to_string(i) + "]"), "expected a string, got " + Shown(item));
    }
    out.push_back(item.value);
  }
  return out;
}

Status NormaliseService(Node& service, const Fields& f, bool istio, CanaryInfo* info) {
  const std::string path = "spec.service";
  std::optional<long long> port;
  Status s = CheckRange(f, service, "port", path, 1, 65535, &port);
  if (!s.ok()) return s;
  if (!port) return f.Error(service, JoinPath(path, "port"), "missing; the canary's Services need a port");
  info->port = *port;
  auto target_port = f.IntOrString(service, "targetPort", path);
  if (!target_port.ok()) return target_port.status();
  if (target_port->has_value() && (*target_port)->AsInt()) {
    if (!(s = CheckRange(f, service, "targetPort", path, 1, 65535)).ok()) return s;
  }
  info->target_port = target_port->has_value() ? **target_port : Node::Int(*port);
  auto gateways = StringList(f, service, "gateways", path);
  if (!gateways.ok()) return gateways.status();
  if (gateways->empty() && istio) {
    Node mesh = Node::Sequence();
    mesh.items.push_back(Node::String("mesh"));
    service.Set("gateways", std::move(mesh));
    gateways->push_back("mesh");
  }
  const Node* listed = service.Find("gateways");
  for (std::size_t i = 0; i < gateways->size(); ++i) {
    auto ref = ParseGatewayRef((*gateways)[i]);
    if (!ref.ok()) return f.Error(listed->items[i], JoinPath(path, "gateways[" + std::to_string(i) + "]"), ref.status().message());
  }
  info->gateways = std::move(*gateways);
  auto hosts = StringList(f, service, "hosts", path);
  if (!hosts.ok()) return hosts.status();
  info->hosts = std::move(*hosts);
  return Status::Ok();
}

Status NormaliseRefs(Node& spec, const Fields& f, CanaryInfo* info) {
  auto target = f.Mapping(spec, "targetRef", "spec");
  if (!target.ok()) return target.status();
  if (*target == nullptr) return f.Error(spec, "spec.targetRef", "missing; name the Deployment to canary");
  auto kind = f.String(**target, "kind", "spec.targetRef");
  if (!kind.ok()) return kind.status();
  if (kind->has_value() && **kind != "Deployment") {
    return f.Error(*(*target)->Find("kind"), "spec.targetRef.kind", "only Deployment targets are supported, got \"" + **kind + "\"");
  }
  auto name = f.String(**target, "name", "spec.targetRef");
  if (!name.ok()) return name.status();
  if (!name->has_value()) return f.Error(**target, "spec.targetRef.name", "missing");
  info->target = **name;
  auto scaler = f.Mapping(spec, "autoscalerRef", "spec");
  if (!scaler.ok()) return scaler.status();
  if (*scaler == nullptr) return Status::Ok();
  auto scaler_name = f.String(**scaler, "name", "spec.autoscalerRef");
  if (!scaler_name.ok()) return scaler_name.status();
  if (!scaler_name->has_value()) return f.Error(**scaler, "spec.autoscalerRef.name", "missing");
  info->autoscaler = **scaler_name;
  auto api = f.String(**scaler, "apiVersion", "spec.autoscalerRef");
  if (!api.ok()) return api.status();
  if (api->has_value() && (**api == "autoscaling/v2beta1" || **api == "autoscaling/v2beta2")) {
    spec.Find("autoscalerRef")->Set("apiVersion", Node::String("autoscaling/v2"));
  }
  return Status::Ok();
}

}  // namespace

bool IsCanary(const Manifest& m) { return m.kind == "Canary" && m.Group() == kCanaryGroup; }

Result<CanaryInfo> NormaliseCanary(Manifest& m, std::string_view default_provider) {
  Fields f(m.file);
  if (Status strict = CheckFlaggerObject(m, default_provider); !strict.ok()) return strict;
  const Node* api = m.doc.Find("apiVersion");
  if (m.api_version == "flagger.app/v1alpha3") {
    m.doc.Set("apiVersion", Node::String(std::string(kCanaryApiVersion)));
  } else if (m.api_version != kCanaryApiVersion) {
    return f.Error(*api, "apiVersion", "unknown Canary apiVersion \"" + m.api_version +
                                           "\"; supported: flagger.app/v1beta1, flagger.app/v1alpha3");
  }
  m.api_version = std::string(kCanaryApiVersion);
  auto spec_ptr = f.Mapping(m.doc, "spec", "");
  if (!spec_ptr.ok()) return spec_ptr.status();
  if (*spec_ptr == nullptr) return f.Error(m.doc, "spec", "missing");
  Node& spec = *m.doc.Find("spec");
  CanaryInfo info;
  info.provider = EffectiveProvider(m, default_provider);
  Status s = NormaliseRefs(spec, f, &info);
  if (!s.ok()) return s;
  if (!(s = RenameField(spec, "canaryAnalysis", "analysis", f, "spec")).ok()) return s;
  auto analysis = f.Mapping(spec, "analysis", "spec");
  if (!analysis.ok()) return analysis.status();
  if (*analysis == nullptr) return f.Error(spec, "spec.analysis", "missing");
  if (!(s = NormaliseAnalysis(*spec.Find("analysis"), f, info.provider)).ok()) return s;
  auto service = f.Mapping(spec, "service", "spec");
  if (!service.ok()) return service.status();
  if (*service == nullptr) return f.Error(spec, "spec.service", "missing; the canary's Services need a port");
  if (!(s = NormaliseService(*spec.Find("service"), f, info.provider == "istio", &info)).ok()) return s;
  if (!(s = CheckRange(f, spec, "progressDeadlineSeconds", "spec", 1, 86400 * 365)).ok()) return s;
  if (spec.Find("progressDeadlineSeconds") == nullptr) spec.Set("progressDeadlineSeconds", Node::Int(600));
  auto skip = f.Bool(spec, "skipAnalysis", "spec");
  if (!skip.ok()) return skip.status();
  if (!(s = CheckGeneratedNames(spec, f)).ok()) return s;
  return info;
}

}  // namespace gitcanary::render
