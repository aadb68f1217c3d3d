#include "render/kurator/load_tester.h"

#include "render/kurator/canary_from_rollout.h"

namespace gitcanary::render::kurator {

using yaml::Node;

namespace {

Node Str(std::string_view s) { return Node::String(std::string(s)); }

Node Metadata(const Rollout& r, const std::string& name) {
  Node meta = Node::Mapping();
  meta.Set("name", Str(name));
  if (!r.ns.empty()) meta.Set("namespace", Str(r.ns));
  meta.Set("labels", Node::Mapping(1)).Set("app", Str(name));
  meta.Set("annotations", Node::Mapping(1)).Set(kRolloutAnnotation, Str(r.policy_name));
  return meta;
}

// `wget --spider` of the load tester's /healthz, as its probes run it.
Node HealthProbe() {
  Node probe = Node::Mapping(2);
  Node& command = probe.Set("exec", Node::Mapping(1)).Set("command", Node::Sequence());
  for (const char* arg : {"wget", "--quiet", "--tries=1", "--timeout=4", "--spider", "http://localhost:8080/healthz"})
    command.items.push_back(Str(arg));
  probe.Set("timeoutSeconds", Node::Int(5));
  return probe;
}

Node Container() {
  Node c = Node::Mapping();
  c.Set("name", Str("loadtester"));
  c.Set("image", Str(kLoadTesterImage));
  c.Set("imagePullPolicy", Str("IfNotPresent"));
  Node port = Node::Mapping(2);
  port.Set("name", Str("http"));
  port.Set("containerPort", Node::Int(8080));
  c.Set("ports", Node::Sequence()).items.push_back(std::move(port));
  Node& command = c.Set("command", Node::Sequence());
  for (const char* arg : {"./loadtester", "-port=8080", "-log-level=info", "-timeout=1h"}) command.items.push_back(Str(arg));
  c.Set("livenessProbe", HealthProbe());
  c.Set("readinessProbe", HealthProbe());
  Node& resources = c.Set("resources", Node::Mapping(2));
  Node& limits = resources.Set("limits", Node::Mapping(2));
  limits.Set("memory", Str("512Mi"));
  limits.Set("cpu", Str("1000m"));
  Node& requests = resources.Set("requests", Node::Mapping(2));
  requests.Set("memory", Str("32Mi"));
  requests.Set("cpu", Str("10m"));
  Node& security = c.Set("securityContext", Node::Mapping(2));
  security.Set("readOnlyRootFilesystem", Node::Bool(true));
  security.Set("runAsUser", Node::Int(10001));
  return c;
}

Manifest Finish(Node doc, const Rollout& r) {
  Manifest m;
  m.doc = std::move(doc);
  m.file = r.file;
  m.RefreshIdentity();
  return m;
}

}  // namespace

std::vector<Manifest> LoadTester(const Rollout& r) {
  const std::string name = LoadTesterName(r);
  Node deploy = Node::Mapping();
  deploy.Set("apiVersion", Str("apps/v1"));
  deploy.Set("kind", Str("Deployment"));
  deploy.Set("metadata", Metadata(r, name));
  Node& spec = deploy.Set("spec", Node::Mapping(2));
  spec.Set("selector", Node::Mapping(1)).Set("matchLabels", Node::Mapping(1)).Set("app", Str(name));
  Node& tmpl = spec.Set("template", Node::Mapping(2));
  Node& tmeta = tmpl.Set("metadata", Node::Mapping(2));
  tmeta.Set("labels", Node::Mapping(1)).Set("app", Str(name));
  Node& tann = tmeta.Set("annotations", Node::Mapping(3));
  tann.Set("prometheus.io/scrape", Str("true"));
  tann.Set("prometheus.io/port", Str("8080"));
  tann.Set("openservicemesh.io/inbound-port-exclusion-list", Str("80, 8080"));
  tmpl.Set("spec", Node::Mapping(1)).Set("containers", Node::Sequence()).items.push_back(Container());

  Node svc = Node::Mapping();
  svc.Set("apiVersion", Str("v1"));
  svc.Set("kind", Str("Service"));
  svc.Set("metadata", Metadata(r, name));
  Node& sspec = svc.Set("spec", Node::Mapping(3));
  sspec.Set("type", Str("ClusterIP"));
  sspec.Set("selector", Node::Mapping(1)).Set("app", Str(name));
  Node port = Node::Mapping(4);
  port.Set("name", Str("http"));
  port.Set("port", Node::Int(80));
  port.Set("protocol", Str("TCP"));
  port.Set("targetPort", Str("http"));
  sspec.Set("ports", Node::Sequence()).items.push_back(std::move(port));

  std::vector<Manifest> out;
  out.push_back(Finish(std::move(deploy), r));
  out.push_back(Finish(std::move(svc), r));
  return out;
}

}  // namespace gitcanary::render::kurator
