// Tests for the object diff: pairing by key, field paths (named list items,
// quoted annotation keys, indexes), rename detection, Secret redaction and the
// canary status summary. Expected values are worked out by hand.
#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

#include "render/loader.h"
#include "render/object_diff.h"
#include "render/status_summary.h"

namespace gitcanary::render {
namespace {

std::vector<Manifest> Parse(const std::string& text) {
  auto parsed = ParseManifests(text, "app.yaml");
  REQUIRE_MESSAGE(parsed.ok(), parsed.status().message());
  return std::move(*parsed);
}

// "path: before -> after" with "-" for an absent side, to compare compactly.
std::vector<std::string> Fields(const ResourceChange& c) {
  std::vector<std::string> out;
  for (const FieldChange& f : c.fields) out.push_back(f.path + ": " + f.before.value_or("-") + " -> " + f.after.value_or("-"));
  return out;
}

std::string Cm(const std::string& name, const std::string& value, const std::string& ns = "") {
  return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\n" + (ns.empty() ? "" : "  namespace: " + ns + "\n") +
         "data:\n  key: " + value + "\n";
}

const char* kDeployBefore = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: podinfo
  namespace: test
  annotations:
    gitcanary.io/phase: Progressing
spec:
  replicas: 2
  template:
    spec:
      containers:
      - name: sidecar
        image: envoy:1
      - name: podinfo
        image: ghcr.io/podinfo:6.0.0
        ports:
        - containerPort: 9898
)";

const char* kDeployAfter = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: podinfo
  namespace: test
  annotations:
    gitcanary.io/phase: Promoting
spec:
  replicas: 3
  template:
    spec:
      containers:
      - name: podinfo
        image: ghcr.io/podinfo:6.1.0
        ports:
        - containerPort: 9898
        - containerPort: 9797
)";

TEST_CASE("object diff: resource keys print with and without a namespace") {
  CHECK(ResourceKey{"apps/v1", "Deployment", "test", "podinfo"}.Text() == "apps/v1/Deployment/test/podinfo");
  CHECK(ResourceKey{"v1", "Service", "", "podinfo"}.Text() == "v1/Service/podinfo");
}

TEST_CASE("object diff: field paths name list items by name, quote annotation keys, index other lists") {
  auto changes = DiffObjects(Parse(kDeployBefore), Parse(kDeployAfter), {});
  REQUIRE(changes.size() == 1);
  CHECK(changes[0].type == ChangeType::kChanged);
  CHECK(changes[0].key.Text() == "apps/v1/Deployment/test/podinfo");
  const std::vector<std::string> expected = {
      "metadata.annotations[\"gitcanary.io/phase\"]: Progressing -> Promoting",
      "spec.replicas: 2 -> 3",
      "spec.template.spec.containers[name=sidecar]: {\"name\":\"sidecar\",\"image\":\"envoy:1\"} -> -",
      "spec.template.spec.containers[name=podinfo].image: ghcr.io/podinfo:6.0.0 -> ghcr.io/podinfo:6.1.0",
      "spec.template.spec.containers[name=podinfo].ports[1]: - -> {\"containerPort\":9797}",
  };
  CHECK(Fields(changes[0]) == expected);
  CHECK(changes[0].before_yaml.find("replicas: 2\n") != std::string::npos);
  CHECK(changes[0].after_yaml.find("replicas: 3\n") != std::string::npos);
}

TEST_CASE("object diff: added, removed and changed resources come sorted by key") {
  auto before = Parse(Cm("b", "one") + "---\n" + Cm("a", "same") + "---\n" + Cm("d", "gone"));
  auto after = Parse(Cm("c", "new") + "---\n" + Cm("b", "two") + "---\n" + Cm("a", "same"));
  auto changes = DiffObjects(before, after, {});
  REQUIRE(changes.size() == 3);
  CHECK(changes[0].key.name == "b");
  CHECK(changes[0].type == ChangeType::kChanged);
  CHECK(Fields(changes[0]) == std::vector<std::string>{"data.key: one -> two"});
  CHECK(changes[1].key.name == "c");
  CHECK(changes[1].type == ChangeType::kAdded);
  CHECK(changes[1].before_yaml.empty());
  CHECK(changes[1].after_yaml == "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  key: new\n");
  CHECK(changes[1].fields.empty());
  CHECK(changes[2].key.name == "d");
  CHECK(changes[2].type == ChangeType::kRemoved);
  CHECK(changes[2].after_yaml.empty());
}

TEST_CASE("object diff: identical inputs and reordered keys are no change") {
  CHECK(DiffObjects(Parse(kDeployBefore), Parse(kDeployBefore), {}).empty());
  auto a = Parse("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  p: \"1\"\n  q: \"2\"\n");
  auto b = Parse("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  q: \"2\"\n  p: \"1\"\n");
  CHECK(DiffObjects(a, b, {}).empty());
}

TEST_CASE("object diff: removed keys sit where they were, added keys where they are") {
  yaml::Node a = Parse("apiVersion: v1\nkind: X\nmetadata:\n  name: x\nspec:\n  a: 1\n  b: 2\n  c: 3\n")[0].doc;
  yaml::Node b = Parse("apiVersion: v1\nkind: X\nmetadata:\n  name: x\nspec:\n  n: 0\n  c: 4\n  z: 9\n")[0].doc;
  std::vector<std::string> got;
  for (const FieldChange& f : DiffFields(a, b)) got.push_back(f.path + ": " + f.before.value_or("-") + " -> " + f.after.value_or("-"));
  CHECK(got == std::vector<std::string>{"spec.n: - -> 0", "spec.a: 1 -> -", "spec.b: 2 -> -", "spec.c: 3 -> 4",
                                        "spec.z: - -> 9"});
}

TEST_CASE("object diff: value text keeps strings apart from numbers and quotes odd strings") {
  yaml::Node a = Parse("apiVersion: v1\nkind: X\nmetadata:\n  name: x\nv: 5\nw: plain\ns: \"a b \"\nn: ~\n")[0].doc;
  yaml::Node b = Parse("apiVersion: v1\nkind: X\nmetadata:\n  name: x\nv: \"5\"\nw: \"true\"\ns: [1, x]\nn: \"\"\n")[0].doc;
  std::vector<std::string> got;
  for (const FieldChange& f : DiffFields(a, b)) got.push_back(f.path + ": " + *f.before + " -> " + *f.after);
  CHECK(got == std::vector<std::string>{"v: 5 -> \"5\"", "w: plain -> \"true\"", "s: \"a b \" -> [1,\"x\"]",
                                        "n: null -> \"\""});
}

TEST_CASE("object diff: a list without unique names is addressed by index") {
  yaml::Node a = Parse("apiVersion: v1\nkind: X\nmetadata:\n  name: x\nl:\n- name: a\n  v: 1\n- name: a\n  v: 2\n")[0].doc;
  yaml::Node b = Parse("apiVersion: v1\nkind: X\nmetadata:\n  name: x\nl:\n- name: a\n  v: 1\n- name: a\n  v: 3\n")[0].doc;
  auto fields = DiffFields(a, b);
  REQUIRE(fields.size() == 1);
  CHECK(fields[0].path == "l[1].v");
  yaml::Node c = Parse("apiVersion: v1\nkind: X\nmetadata:\n  name: x\nl:\n- name: \"a b\"\n  v: 1\n")[0].doc;
  yaml::Node d = Parse("apiVersion: v1\nkind: X\nmetadata:\n  name: x\nl:\n- name: \"a b\"\n  v: 2\n")[0].doc;
  CHECK(DiffFields(c, d).at(0).path == "l[name=\"a b\"].v");
}

TEST_CASE("object diff: a renamed resource is one change with only the name field") {
  auto changes = DiffObjects(Parse(Cm("cfg-v1", "x")), Parse(Cm("cfg-v2", "x")), {});
  REQUIRE(changes.size() == 1);
  CHECK(changes[0].type == ChangeType::kRenamed);
  CHECK(changes[0].key.name == "cfg-v2");
  REQUIRE(changes[0].renamed_from.has_value());
  CHECK(changes[0].renamed_from->name == "cfg-v1");
  CHECK(Fields(changes[0]) == std::vector<std::string>{"metadata.name: cfg-v1 -> cfg-v2"});

  auto moved = DiffObjects(Parse(Cm("cfg", "x", "a")), Parse(Cm("cfg", "x", "b")), {});
  REQUIRE(moved.size() == 1);
  CHECK(moved[0].type == ChangeType::kRenamed);
  CHECK(Fields(moved[0]) == std::vector<std::string>{"metadata.namespace: a -> b"});
}

TEST_CASE("object diff: no rename when the content or the kind differs") {
  auto changes = DiffObjects(Parse(Cm("cfg-v1", "x")), Parse(Cm("cfg-v2", "y")), {});
  REQUIRE(changes.size() == 2);
  CHECK(changes[0].type == ChangeType::kRemoved);
  CHECK(changes[0].key.name == "cfg-v1");
  CHECK(changes[1].type == ChangeType::kAdded);
  CHECK(changes[1].key.name == "cfg-v2");
  auto other_kind = Parse("apiVersion: v1\nkind: Other\nmetadata:\n  name: cfg-v2\ndata:\n  key: x\n");
  auto kinds = DiffObjects(Parse(Cm("cfg-v1", "x")), other_kind, {});
  REQUIRE(kinds.size() == 2);
  CHECK(kinds[0].type == ChangeType::kRemoved);
  CHECK(kinds[1].type == ChangeType::kAdded);
}

std::string Secret(const std::string& name, const std::string& password, const std::string& extra = "") {
  return "apiVersion: v1\nkind: Secret\nmetadata:\n  name: " + name + "\ndata:\n  password: " + password +
         "\n  user: YWRtaW4=\n" + extra + "stringData:\n  token: hunter2-token\n";
}

bool Contains(const std::string& s, const std::string& what) { return s.find(what) != std::string::npos; }

TEST_CASE("object diff: secret values are redacted and only say whether they changed") {
  auto before = Parse(Secret("db", "c2VjcmV0MQ=="));
  auto after = Parse(Secret("db", "c2VjcmV0Mg==", "  extra: ZXh0cmFleHRyYQ==\n"));
  auto changes = DiffObjects(before, after, {});
  REQUIRE(changes.size() == 1);
  CHECK(Fields(changes[0]) == std::vector<std::string>{
                                  "data.password: <redacted: old value> -> <redacted: new value>",
                                  "data.extra: - -> <redacted>"});
  for (const std::string& yaml : {changes[0].before_yaml, changes[0].after_yaml}) {
    for (const char* secret : {"c2VjcmV0MQ==", "c2VjcmV0Mg==", "YWRtaW4=", "ZXh0cmFleHRyYQ==", "hunter2-token"})
      CHECK_MESSAGE(!Contains(yaml, secret), secret);
    CHECK(Contains(yaml, "user: <redacted>\n"));
    CHECK(Contains(yaml, "token: <redacted>\n"));
  }
  CHECK(Contains(changes[0].before_yaml, "password: \"<redacted: old value>\"\n"));

  auto shown = DiffObjects(before, after, {.show_secrets = true});
  REQUIRE(shown.size() == 1);
  CHECK(Fields(shown[0]).at(0) == "data.password: c2VjcmV0MQ== -> c2VjcmV0Mg==");
}

TEST_CASE("object diff: added, removed and odd-shaped secrets are redacted too") {
  auto added = DiffObjects({}, Parse(Secret("db", "c2VjcmV0MQ==")), {});
  REQUIRE(added.size() == 1);
  CHECK(!Contains(added[0].after_yaml, "c2VjcmV0MQ=="));
  CHECK(!Contains(added[0].after_yaml, "hunter2-token"));
  auto odd_a = Parse("apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata: topsecret1\n");
  auto odd_b = Parse("apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata: [topsecret2]\n");
  auto odd = DiffObjects(odd_a, odd_b, {});
  REQUIRE(odd.size() == 1);
  CHECK(Fields(odd[0]) == std::vector<std::string>{"data: <redacted: old value> -> <redacted: new value>"});
  auto renamed = DiffObjects(Parse(Secret("db1", "c2VjcmV0MQ==")), Parse(Secret("db2", "c2VjcmV0MQ==")), {});
  REQUIRE(renamed.size() == 1);
  CHECK(renamed[0].type == ChangeType::kRenamed);
  CHECK(!Contains(renamed[0].before_yaml + renamed[0].after_yaml, "c2VjcmV0MQ=="));
}

std::string Vs(const std::string& ns, const std::string& name, const std::string& phase, const std::string& weight) {
  return "apiVersion: networking.istio.io/v1beta1\nkind: VirtualService\nmetadata:\n  name: " + name + "\n" +
         (ns.empty() ? "" : "  namespace: " + ns + "\n") + "  annotations:\n    gitcanary.io/phase: " + phase +
         "\n    gitcanary.io/canary-weight: \"" + weight + "\"\n";
}

TEST_CASE("object diff: status summary reports weight and phase changes per canary") {
  auto base = Parse(Vs("test", "podinfo", "Progressing", "10") + "---\n" + Vs("", "gone", "Succeeded", "0") +
                    "---\n" + Vs("test", "same", "Progressing", "30"));
  auto head = Parse(Vs("test", "podinfo", "Progressing", "20") + "---\n" + Vs("", "fresh", "Initializing", "0") +
                    "---\n" + Vs("test", "same", "Progressing", "30"));
  CHECK(StatusSummary(base, head) == std::vector<std::string>{
                                         "canary fresh: new, weight 0, phase Initializing",
                                         "canary gone: removed (was weight 0, phase Succeeded)",
                                         "canary test/podinfo: weight 10 -> 20, phase Progressing"});
  auto promoting = Parse(Vs("test", "podinfo", "Promoting", "20"));
  CHECK(StatusSummary(Parse(Vs("test", "podinfo", "Progressing", "20")), promoting) ==
        std::vector<std::string>{"canary test/podinfo: weight 20, phase Progressing -> Promoting"});
  CHECK(StatusSummary(base, base).empty());
}

TEST_CASE("object diff: status summary falls back to route weights and reads Canary annotations") {
  const std::string routed = R"(apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata:
  name: podinfo
  annotations:
    gitcanary.io/phase: Progressing
spec:
  http:
  - route:
    - destination: {host: podinfo-primary}
      weight: 70
    - destination: {host: podinfo-canary}
      weight: 30
)";
  CHECK(StatusSummary({}, Parse(routed)) == std::vector<std::string>{"canary podinfo: new, weight 30, phase Progressing"});
  auto canary = [](const std::string& status) {
    return "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: web\n  namespace: prod\n"
           "  annotations:\n    gitcanary.io/status: '" + status + "'\n";
  };
  CHECK(StatusSummary(Parse(canary(R"({"phase":"Progressing","canaryWeight":5})")),
                      Parse(canary(R"({"phase":"Progressing","canaryWeight":15})"))) ==
        std::vector<std::string>{"canary prod/web: weight 5 -> 15, phase Progressing"});
}

TEST_CASE("object diff: status summary reads every provider's routing object and Services-only Deployments") {
  // Each object carries the status annotations as git mode writes them.
  auto annotated = [](const std::string& head, const std::string& phase, const std::string& weight,
                      const std::string& revision, const std::string& body) {
    return head + "  namespace: test\n  annotations:\n    gitcanary.io/phase: " + phase +
           "\n    gitcanary.io/canary-weight: \"" + weight + "\"\n    gitcanary.io/revision: " + revision + "\n" + body;
  };
  const std::string route = annotated("apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: web\n",
                                      "Progressing", "10", "r1", "");
  const std::string split = annotated("apiVersion: split.smi-spec.io/v1alpha1\nkind: TrafficSplit\nmetadata:\n  name: api\n",
                                      "Progressing", "5", "r2", "");
  // The NGINX canary Ingress is named after the user's Ingress, and routes to <apex>-canary.
  const std::string ingress = annotated(
      "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: public-canary\n", "Promoting", "40", "r3",
      "spec:\n  rules:\n  - http:\n      paths:\n      - path: /\n        pathType: Prefix\n"
      "        backend: {service: {name: shop-canary, port: {number: 80}}}\n");
  // A Services-only canary: the pair of Deployments carry the annotations.
  const std::string pair =
      annotated("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: blue\n", "Succeeded", "0", "r4", "") + "---\n" +
      annotated("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: blue-primary\n", "Succeeded", "0", "r4", "");
  // The Deployments of the HTTPRoute's canary (same revision) add no line of their own.
  const std::string web_deployment =
      annotated("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-app\n", "Progressing", "10", "r1", "");
  auto head = Parse(route + "---\n" + split + "---\n" + ingress + "---\n" + pair + "---\n" + web_deployment);
  CHECK(StatusSummary({}, head) == std::vector<std::string>{
                                       "canary test/api: new, weight 5, phase Progressing",
                                       "canary test/blue: new, weight 0, phase Succeeded",
                                       "canary test/shop: new, weight 40, phase Promoting",
                                       "canary test/web: new, weight 10, phase Progressing"});
}

}  // namespace
}  // namespace gitcanary::render
