#include "render/kurator/canary_from_rollout.h"

#include "render/fields.h"

namespace gitcanary::render::kurator {

using yaml::Node;

namespace {

Node Seconds(long long n) { return Node::String(std::to_string(n) + "s"); }

// Gives every generated node (line 0) the position of `at`, so that a later
// error about the Canary points at the rollout it came from.
void Stamp(Node& n, yaml::Mark at) {
  if (n.mark.line == 0) n.mark = at;
  for (Node& item : n.items) Stamp(item, at);
  for (yaml::Field& field : n.fields) {
    if (field.key_mark.line == 0) field.key_mark = at;
    Stamp(field.value, at);
  }
}

Node Metadata(const std::string& name, const std::string& ns) {
  Node meta = Node::Mapping();
  meta.Set("name", Node::String(name));
  if (!ns.empty()) meta.Set("namespace", Node::String(ns));
  return meta;
}

Manifest Finish(Node doc, const Rollout& r) {
  Stamp(doc, r.node.mark);
  Manifest m;
  m.doc = std::move(doc);
  m.file = r.file;
  m.RefreshIdentity();
  return m;
}

// CustomMetadata {labels, annotations}: `extra` annotations merged into `given`.
std::optional<Node> ServiceMetadata(const std::optional<Node>& given, const Node* extra) {
  if (!given && extra == nullptr) return std::nullopt;
  Node meta = given ? *given : Node::Mapping();
  if (extra != nullptr) {
    Node* annotations = meta.Find("annotations");
    if (annotations == nullptr || !annotations->IsMapping()) annotations = &meta.Set("annotations", Node::Mapping());
    for (const yaml::Field& f : extra->fields) annotations->Set(f.key, f.value);
  }
  return meta;
}

Node CanaryService(const Rollout& r, const Manifest* service) {
  Node s = Node::Mapping();
  s.Set("name", Node::String(r.service_name));
  s.Set("port", Node::Int(r.port));
  // targetPort as the input's Service maps this port; Flagger's default (the port) otherwise.
  const Node* ports = service == nullptr ? nullptr : service->doc.Path({"spec", "ports"});
  for (std::size_t i = 0; ports != nullptr && ports->IsSequence() && i < ports->items.size(); ++i) {
    const Node* port = ports->items[i].Find("port");
    const Node* target = ports->items[i].Find("targetPort");
    if (port != nullptr && port->AsInt() == r.port && target != nullptr && !target->IsNull()) {
      s.Set("targetPort", *target);
      break;
    }
  }
  if (r.timeout_seconds > 0) s.Set("timeout", Seconds(r.timeout_seconds));
  const std::pair<const char*, const std::optional<Node>*> istio[] = {
      {"gateways", &r.gateways}, {"hosts", &r.hosts}, {"retries", &r.retries}, {"headers", &r.headers},
      {"corsPolicy", &r.cors_policy}};
  for (const auto& [key, value] : istio)
    if (*value) s.Set(key, **value);
  Node kuma = Node::Mapping(1);
  if (r.provider == "kuma") kuma.Set(std::to_string(r.port) + ".service.kuma.io/protocol", Node::String(r.protocol));
  const Node* extra = r.provider == "kuma" ? &kuma : nullptr;
  if (auto apex = ServiceMetadata(std::nullopt, extra)) s.Set("apex", *apex);
  if (auto primary = ServiceMetadata(r.primary, extra)) s.Set("primary", *primary);
  if (auto canary = ServiceMetadata(r.preview, extra)) s.Set("canary", *canary);
  return s;
}

Node Metric(const RolloutMetric& m, const std::string& ns) {
  Node out = Node::Mapping();
  out.Set("name", Node::String(m.name));
  out.Set("interval", Seconds(m.interval_seconds));
  if (m.threshold_range) out.Set("thresholdRange", *m.threshold_range);
  if (m.name != "request-success-rate" && m.name != "request-duration") {
    Node ref = Node::Mapping(2);
    ref.Set("name", Node::String(m.name));
    if (!ns.empty()) ref.Set("namespace", Node::String(ns));
    out.Set("templateRef", std::move(ref));
  }
  return out;
}

Result<Node> Analysis(const Rollout& r, const std::string& app_namespace) {
  Node a = Node::Mapping();
  a.Set("interval", Seconds(r.check_interval_seconds));
  a.Set("threshold", Node::Int(r.check_failed_times));
  if (r.analysis_times > 0) a.Set("iterations", Node::Int(r.analysis_times));
  if (r.max_weight) a.Set("maxWeight", Node::Int(*r.max_weight));
  if (r.step_weight) a.Set("stepWeight", Node::Int(*r.step_weight));
  if (r.step_weights) a.Set("stepWeights", *r.step_weights);
  if (r.step_weight_promotion) a.Set("stepWeightPromotion", Node::Int(*r.step_weight_promotion));
  if (r.match) a.Set("match", *r.match);
  if (r.session_affinity) a.Set("sessionAffinity", *r.session_affinity);
  if (!r.metrics.empty()) {
    Node& metrics = a.Set("metrics", Node::Sequence());
    for (const RolloutMetric& m : r.metrics) metrics.items.push_back(Metric(m, r.ns));
  }
  if (!r.commands.empty()) {
    auto url = LoadTesterUrl(r, app_namespace);
    if (!url.ok()) return url.status();
    Node& hooks = a.Set("webhooks", Node::Sequence());
    for (std::size_t i = 0; i < r.commands.size(); ++i) {
      Node hook = Node::Mapping();
      hook.Set("name", Node::String("generated-testload-" + std::to_string(i)));
      hook.Set("url", Node::String(*url));
      hook.Set("timeout", Seconds(r.webhook_timeout_seconds));
      Node& meta = hook.Set("metadata", Node::Mapping(2));
      meta.Set("type", Node::String("cmd"));
      meta.Set("cmd", Node::String(r.commands[i]));
      Stamp(hook, r.commands_node.items[i].mark);
      hooks.items.push_back(std::move(hook));
    }
  }
  return a;
}

Manifest Canary(const Rollout& r, const Manifest* service, Node analysis) {
  Node doc = Node::Mapping();
  doc.Set("apiVersion", Node::String("flagger.app/v1beta1"));
  doc.Set("kind", Node::String("Canary"));
  Node& meta = doc.Set("metadata", Metadata(r.workload, r.ns));
  Node& annotations = meta.Set("annotations", Node::Mapping(2));
  if (r.provider == "kuma") annotations.Set("kuma.io/mesh", Node::String("default"));
  annotations.Set(kRolloutAnnotation, Node::String(r.policy_name));
  Node& spec = doc.Set("spec", Node::Mapping());
  Node provider = r.provider_node;
  spec.Set("provider", std::move(provider));
  Node& target = spec.Set("targetRef", Node::Mapping(3));
  target.Set("apiVersion", Node::String(r.api_version));
  target.Set("kind", Node::String(r.kind));
  target.Set("name", Node::String(r.workload));
  Stamp(target, r.workload_node.mark);
  if (r.provider == "nginx") {
    Node& ingress = spec.Set("ingressRef", Node::Mapping(3));
    ingress.Set("apiVersion", Node::String("networking.k8s.io/v1"));
    ingress.Set("kind", Node::String("Ingress"));
    ingress.Set("name", Node::String(std::string(kNginxIngressName)));
  }
  if (r.rollout_timeout_seconds) spec.Set("progressDeadlineSeconds", Node::Int(*r.rollout_timeout_seconds));
  spec.Set("service", CanaryService(r, service));
  spec.Set("analysis", std::move(analysis));
  if (r.skip_analysis) spec.Set("skipAnalysis", Node::Bool(true));
  if (r.revert_on_deletion) spec.Set("revertOnDeletion", Node::Bool(true));
  if (r.suspend) spec.Set("suspend", Node::Bool(true));
  return Finish(std::move(doc), r);
}

Manifest MetricTemplate(const Rollout& r, const RolloutMetric& m) {
  Node doc = Node::Mapping();
  doc.Set("apiVersion", Node::String("flagger.app/v1beta1"));
  doc.Set("kind", Node::String("MetricTemplate"));
  Node& meta = doc.Set("metadata", Metadata(m.name, r.ns));
  meta.Set("annotations", Node::Mapping(1)).Set(kRolloutAnnotation, Node::String(r.policy_name));
  doc.Set("spec", *m.custom_metric);
  Stamp(doc, m.name_node.mark);
  return Finish(std::move(doc), r);
}

// The Ingress Kurator creates for an nginx rollout: one rule for the host, all
// paths to the Service.
Manifest NginxIngress(const Rollout& r) {
  Node doc = Node::Mapping();
  doc.Set("apiVersion", Node::String("networking.k8s.io/v1"));
  doc.Set("kind", Node::String("Ingress"));
  Node& meta = doc.Set("metadata", Metadata(std::string(kNginxIngressName), r.ns));
  meta.Set("labels", Node::Mapping(1)).Set("app", Node::String(r.service_name));
  Node& annotations = meta.Set("annotations", Node::Mapping(2));
  annotations.Set("kubernetes.io/ingress.class", Node::String("nginx"));
  annotations.Set(kRolloutAnnotation, Node::String(r.policy_name));
  Node path = Node::Mapping(3);
  path.Set("path", Node::String("/"));
  path.Set("pathType", Node::String("Prefix"));
  Node& backend = path.Set("backend", Node::Mapping(1)).Set("service", Node::Mapping(2));
  backend.Set("name", Node::String(r.service_name));
  backend.Set("port", Node::Mapping(1)).Set("number", Node::Int(r.port));
  Node rule = Node::Mapping(2);
  rule.Set("host", Node::String(r.host));
  rule.Set("http", Node::Mapping(1)).Set("paths", Node::Sequence()).items.push_back(std::move(path));
  doc.Set("spec", Node::Mapping(1)).Set("rules", Node::Sequence()).items.push_back(std::move(rule));
  return Finish(std::move(doc), r);
}

}  // namespace

std::string LoadTesterName(const Rollout& r) { return r.service_name + "-testloader"; }

Result<std::string> LoadTesterUrl(const Rollout& r, const std::string& app_namespace) {
  if (r.test_loader) return "http://" + LoadTesterName(r) + "." + (r.ns.empty() ? app_namespace : r.ns) + "/";
  if (r.cluster.empty()) {
    return Fields(r.file).Error(r.commands_node, r.path + ".rolloutPolicy.trafficAnalysis.webhooks.command",
                                "without testLoader: true the commands run on Kurator's public load tester, whose "
                                "address names the destination cluster: set testLoader: true, or annotate the "
                                "Application with " + std::string(kClusterAnnotation) + ": CLUSTER");
  }
  const std::string ns = r.provider == "istio" ? "istio-system" : r.provider == "kuma" ? "kuma-system" : "ingress-nginx";
  return "http://" + ns + "-testloader-" + r.cluster + "-loadtester." + ns + "/";
}

Result<std::vector<Manifest>> CanaryFromRollout(const Rollout& r, const Manifest* service, const std::string& app_namespace) {
  auto analysis = Analysis(r, app_namespace);
  if (!analysis.ok()) return analysis.status();
  std::vector<Manifest> out;
  out.push_back(Canary(r, service, std::move(*analysis)));
  for (const RolloutMetric& m : r.metrics)
    if (m.custom_metric) out.push_back(MetricTemplate(r, m));
  if (r.provider == "nginx") out.push_back(NginxIngress(r));
  return out;
}

}  // namespace gitcanary::render::kurator
