// git mode through the CLI: bad status input, Flagger's Istio router behaviour,
// and the promise that no Argo CD ignoreDifferences is ever needed.
#include <doctest/doctest.h>

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <set>

#include "tests/test_util.h"

namespace fs = std::filesystem;
using namespace gitcanary::testing;

namespace {

std::string Example(const std::string& name) { return SourceDir() + "/examples/" + name; }

// hello-world's status document with the given body lines (indented under status:).
std::string HelloStatus(const std::string& body, const std::string& api = "gitcanary.io/v1alpha1",
                        const std::string& name = "hello-world") {
  return "apiVersion: " + api + "\nkind: CanaryStatus\nmetadata:\n  name: " + name + "\nstatus:\n" + body;
}

const char kPromoted[] =
    "  promoted:\n    template:\n      metadata:\n        labels: {app: hello-world}\n"
    "      spec:\n        containers:\n        - name: hello-world\n          image: docker.io/example/hello-world:0.9.0\n";

RunResult RenderHello(const std::string& status_file_text, const std::vector<std::string>& extra = {}) {
  TempDir dir;
  fs::copy(Example("hello-world"), dir / "app", fs::copy_options::recursive);
  WriteFile(dir / "app/hello-world.gitcanary-status.yaml", status_file_text);
  std::vector<std::string> args{"render", "--mode", "git"};
  args.insert(args.end(), extra.begin(), extra.end());
  args.push_back(dir / "app");
  return Gitcanary(args);
}

void ExpectError(const RunResult& r, const std::string& needle) {
  INFO("stderr: " << r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  CHECK(r.err.find("hello-world.gitcanary-status.yaml") != std::string::npos);
  CHECK(r.err.find(needle) != std::string::npos);
}

std::vector<YAML::Node> Objects(const std::string& stream) { return YAML::LoadAll(stream); }

YAML::Node Find(const std::vector<YAML::Node>& docs, const std::string& kind, const std::string& name) {
  for (const YAML::Node& d : docs)
    if (d["kind"].as<std::string>() == kind && d["metadata"]["name"].as<std::string>() == name) return d;
  FAIL("no " << kind << " " << name);
  return {};
}

// hello-world's Canary with its status (Progressing at 30) in the gitcanary.io/status annotation.
std::string AnnotatedHelloCanary() {
  std::string canary = ReadFile(Example("hello-world") + "/canary.yaml");
  const std::string json = R"({"phase":"Progressing","canaryWeight":30,"promoted":{"template":{"metadata":{"labels":{"app":"hello-world"}},"spec":{"containers":[{"name":"hello-world","image":"docker.io/example/hello-world:0.9.0"}]}}}})";
  const std::string name_line = "  name: hello-world\n";
  canary.replace(canary.find(name_line), name_line.size(),
                 name_line + "  annotations:\n    gitcanary.io/status: '" + json + "'\n");
  return canary;
}

}  // namespace

TEST_CASE("git mode: a valid status renders, so the failures below are caused by their status") {
  RunResult r = RenderHello(HelloStatus("  phase: Progressing\n  canaryWeight: 40\n" + std::string(kPromoted)));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  auto docs = Objects(r.out);
  YAML::Node routes = Find(docs, "VirtualService", "hello-world")["spec"]["http"][0]["route"];
  CHECK(routes[0]["destination"]["host"].as<std::string>() == "hello-world-primary");
  CHECK(routes[0]["weight"].as<int>() == 60);
  CHECK(routes[1]["destination"]["host"].as<std::string>() == "hello-world-canary");
  CHECK(routes[1]["weight"].as<int>() == 40);
}

TEST_CASE("git mode: bad status input is an error naming the status file, with nothing on stdout") {
  SUBCASE("a status for a Canary that does not exist") {
    ExpectError(RenderHello(HelloStatus("  phase: Initialized\n" + std::string(kPromoted), "gitcanary.io/v1alpha1", "goodbye")),
                "status for Canary default/goodbye, which does not exist");
  }
  SUBCASE("a weight out of range") {
    ExpectError(RenderHello(HelloStatus("  phase: Progressing\n  canaryWeight: 150\n" + std::string(kPromoted))),
                "canaryWeight: must be between 0 and 100, got 150");
  }
  SUBCASE("a promoted snapshot missing") {
    ExpectError(RenderHello(HelloStatus("  phase: Progressing\n  canaryWeight: 10\n")), "promoted snapshot missing");
  }
  SUBCASE("a status written by a newer schema version") {
    ExpectError(RenderHello(HelloStatus("  phase: Initialized\n" + std::string(kPromoted), "gitcanary.io/v1beta1")),
                "newer or unknown schema version");
  }
}

TEST_CASE("git mode: routing follows Flagger's Istio router") {
  RunResult r = Gitcanary({"render", "--mode", "git", Example("bookinfo-reviews")});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  auto docs = Objects(r.out);
  YAML::Node vs = Find(docs, "VirtualService", "reviews");
  // Default gateway mesh, and the apex name added to the hosts.
  REQUIRE(vs["spec"]["gateways"].size() == 1);
  CHECK(vs["spec"]["gateways"][0].as<std::string>() == "mesh");
  bool apex = false;
  for (const YAML::Node& h : vs["spec"]["hosts"]) apex = apex || h.as<std::string>() == "reviews";
  CHECK(apex);
  // Services: apex and primary select the primary pods, the canary Service the canary's.
  CHECK(Find(docs, "Service", "reviews")["spec"]["selector"]["app"].as<std::string>() == "reviews-primary");
  CHECK(Find(docs, "Service", "reviews-primary")["spec"]["selector"]["app"].as<std::string>() == "reviews-primary");
  CHECK(Find(docs, "Service", "reviews-canary")["spec"]["selector"]["app"].as<std::string>() == "reviews");
  // No Canary object: no Flagger runs in the cluster.
  for (const YAML::Node& d : docs) CHECK(d["kind"].as<std::string>() != "Canary");
}

TEST_CASE("git mode: A/B puts the match route first, mirroring only while mirroring") {
  TempDir dir;
  fs::copy(Example("podinfo-ab"), dir / "ab", fs::copy_options::recursive);
  RunResult ab = Gitcanary({"render", "--mode", "git", dir / "ab"});
  REQUIRE_MESSAGE(ab.exit_code == 0, ab.err);
  YAML::Node http = Find(Objects(ab.out), "VirtualService", "podinfo")["spec"]["http"];
  REQUIRE(http.size() == 2);
  CHECK(http[0]["match"][0]["headers"]["x-canary"]["exact"].as<std::string>() == "insider");
  CHECK(!http[1]["match"]);
  // Bootstrap (no status): no mirroring even though the Canary asks for it.
  RunResult idle = Gitcanary({"render", "--mode", "git", Example("podinfo-mirror")});
  REQUIRE_MESSAGE(idle.exit_code == 0, idle.err);
  CHECK(!Find(Objects(idle.out), "VirtualService", "podinfo")["spec"]["http"][0]["mirror"]);
}

TEST_CASE("git mode: no field needs Argo CD ignoreDifferences in any phase") {
  // Controllers in the cluster write three kinds of fields Flagger users must ignore:
  // replicas of HPA-scaled Deployments, the Canary's status, and routing that Flagger
  // rewrites. Here the renderer writes all routing from git, emits no Canary, and sets
  // replicas on an HPA-scaled Deployment only to 0, where the HPA does not act.
  for (const char* phase : {"Initializing", "Initialized", "Progressing", "Promoting", "Finalising", "Succeeded", "Failed"}) {
    CAPTURE(phase);
    std::string body = std::string("  phase: ") + phase + "\n  canaryWeight: 30\n" + kPromoted;
    RunResult r = RenderHello(HelloStatus(body));
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    auto docs = Objects(r.out);
    std::set<std::string> hpa_scaled;
    for (const YAML::Node& d : docs)
      if (d["kind"].as<std::string>() == "HorizontalPodAutoscaler")
        hpa_scaled.insert(d["spec"]["scaleTargetRef"]["name"].as<std::string>());
    CHECK(hpa_scaled == std::set<std::string>{"hello-world", "hello-world-primary"});
    for (const YAML::Node& d : docs) {
      const std::string kind = d["kind"].as<std::string>();
      CHECK(kind != "Canary");
      CHECK(!d["status"]);
      if (kind == "Deployment" && hpa_scaled.count(d["metadata"]["name"].as<std::string>()) && d["spec"]["replicas"])
        CHECK(d["spec"]["replicas"].as<int>() == 0);
      if (kind == "VirtualService") {
        int sum = 0;
        for (const YAML::Node& route : d["spec"]["http"][0]["route"]) sum += route["weight"].as<int>();
        CHECK(sum == 100);
      }
    }
    // The primary is never scaled by us.
    CHECK(!Find(docs, "Deployment", "hello-world-primary")["spec"]["replicas"]);
  }
}

TEST_CASE("git mode: status surfaces as annotations on the VirtualService and both Deployments") {
  RunResult r = RenderHello(HelloStatus("  phase: Progressing\n  canaryWeight: 20\n  lastTransitionTime: \"2026-11-22T10:00:00Z\"\n" +
                                        std::string(kPromoted)));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  auto docs = Objects(r.out);
  for (auto [kind, name] : {std::pair{"VirtualService", "hello-world"}, std::pair{"Deployment", "hello-world"},
                            std::pair{"Deployment", "hello-world-primary"}}) {
    CAPTURE(name);
    YAML::Node a = Find(docs, kind, name)["metadata"]["annotations"];
    CHECK(a["gitcanary.io/phase"].as<std::string>() == "Progressing");
    CHECK(a["gitcanary.io/canary-weight"].as<std::string>() == "20");
    CHECK(a["gitcanary.io/last-transition"].as<std::string>() == "2026-11-22T10:00:00Z");
    CHECK(a["gitcanary.io/revision"].as<std::string>().size() == 16);
  }
  // Never on the pod template: that would roll the pods at every step.
  CHECK(!Find(docs, "Deployment", "hello-world")["spec"]["template"]["metadata"]["annotations"]["gitcanary.io/phase"]);
}

TEST_CASE("git mode: the status annotation on the Canary renders like a status document") {
  TempDir doc_dir, ann_dir;
  fs::copy(Example("hello-world"), doc_dir / "app", fs::copy_options::recursive);
  fs::copy(Example("hello-world"), ann_dir / "app", fs::copy_options::recursive);
  WriteFile(doc_dir / "app/hello-world.gitcanary-status.yaml", HelloStatus("  phase: Progressing\n  canaryWeight: 30\n" + std::string(kPromoted)));
  const std::string canary = AnnotatedHelloCanary();
  WriteFile(ann_dir / "app/canary.yaml", canary);
  RunResult from_doc = Gitcanary({"render", "--mode", "git", doc_dir / "app"});
  RunResult from_annotation = Gitcanary({"render", "--mode", "git", ann_dir / "app"});
  REQUIRE_MESSAGE(from_doc.exit_code == 0, from_doc.err);
  REQUIRE_MESSAGE(from_annotation.exit_code == 0, from_annotation.err);
  CHECK(from_doc.out == from_annotation.out);
}

TEST_CASE("git mode: a status annotation is read when a status document of another canary comes first") {
  TempDir dir;
  fs::create_directories(dir / "app");
  fs::copy(Example("podinfo"), dir / "app/a-podinfo", fs::copy_options::recursive);
  fs::copy(Example("hello-world"), dir / "app/b-hello", fs::copy_options::recursive);
  fs::remove(dir / "app/a-podinfo/gitcanary.yaml");
  fs::remove(dir / "app/b-hello/gitcanary.yaml");
  // Sorted first: podinfo's status document.
  WriteFile(dir / "app/a-podinfo/podinfo.gitcanary-status.yaml",
            "apiVersion: gitcanary.io/v1alpha1\nkind: CanaryStatus\nmetadata:\n  name: podinfo\n  namespace: test\n"
            "status:\n  phase: Initializing\n");
  const std::string canary = AnnotatedHelloCanary();
  WriteFile(dir / "app/b-hello/canary.yaml", canary);
  RunResult r = Gitcanary({"render", "--mode", "git", dir / "app"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  YAML::Node a = Find(Objects(r.out), "VirtualService", "hello-world")["metadata"]["annotations"];
  CHECK(a["gitcanary.io/phase"].as<std::string>() == "Progressing");
  CHECK(a["gitcanary.io/canary-weight"].as<std::string>() == "30");
}

namespace {

// An app whose Canary, Deployment and selector label value all differ, with
// the app's own LoadBalancer Service named like the apex.
constexpr const char* kWebApp = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: podinfo-web
  namespace: web
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: podinfo
  template:
    metadata:
      labels:
        app.kubernetes.io/name: podinfo
    spec:
      containers:
      - name: podinfo
        image: ghcr.io/stefanprodan/podinfo:6.0.0
        ports:
        - name: http
          containerPort: 9898
        - containerPort: 9797
      - name: istio-proxy
        image: istio/proxyv2
        ports:
        - containerPort: 15090
---
apiVersion: v1
kind: Service
metadata:
  name: podinfo-web
  namespace: web
  annotations:
    service.beta.kubernetes.io/aws-load-balancer-type: nlb
spec:
  type: LoadBalancer
  externalTrafficPolicy: Local
  selector:
    app.kubernetes.io/name: podinfo
  ports:
  - name: http
    port: 9898
    targetPort: 9898
    nodePort: 30098
---
apiVersion: flagger.app/v1beta1
kind: Canary
metadata:
  name: web-canary
  namespace: web
spec:
  targetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: podinfo-web
  service:
    port: 9898
    portDiscovery: true
    gateways: [istio-system/public-gateway]
    hosts: [web.example.com]
  analysis:
    interval: 1m
    threshold: 5
    stepWeight: 10
    maxWeight: 50
)";

}  // namespace

TEST_CASE("git mode: names follow the target, selectors its label value, and the app's LoadBalancer is adopted") {
  TempDir dir;
  WriteFile(dir / "app/app.yaml", kWebApp);
  RunResult r = Gitcanary({"render", "--mode", "git", dir / "app"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  auto docs = Objects(r.out);
  const char* label = "app.kubernetes.io/name";
  YAML::Node apex = Find(docs, "Service", "podinfo-web");
  CHECK(apex["spec"]["selector"][label].as<std::string>() == "podinfo-primary");
  CHECK(Find(docs, "Service", "podinfo-web-primary")["spec"]["selector"][label].as<std::string>() == "podinfo-primary");
  CHECK(Find(docs, "Service", "podinfo-web-canary")["spec"]["selector"][label].as<std::string>() == "podinfo");
  CHECK(apex["spec"]["type"].as<std::string>() == "LoadBalancer");
  CHECK(apex["spec"]["externalTrafficPolicy"].as<std::string>() == "Local");
  CHECK(apex["spec"]["ports"][0]["nodePort"].as<int>() == 30098);
  CHECK(apex["metadata"]["annotations"]["service.beta.kubernetes.io/aws-load-balancer-type"].as<std::string>() == "nlb");
  // portDiscovery: the unnamed port of container podinfo (index 1), not the istio-proxy's.
  YAML::Node ports = Find(docs, "Service", "podinfo-web-canary")["spec"]["ports"];
  REQUIRE(ports.size() == 2);
  CHECK(ports[1]["name"].as<std::string>() == "tcp-podinfo-1");
  CHECK(ports[1]["port"].as<int>() == 9797);
  Find(docs, "DestinationRule", "podinfo-web-primary");
  Find(docs, "DestinationRule", "podinfo-web-canary");
  YAML::Node vs = Find(docs, "VirtualService", "podinfo-web");
  // Behind a gateway other than mesh, with portDiscovery, destinations name the port.
  CHECK(vs["spec"]["http"][0]["route"][0]["destination"]["port"]["number"].as<int>() == 9898);
  CHECK(vs["spec"]["hosts"][1].as<std::string>() == "podinfo-web");
  for (const YAML::Node& d : docs) CHECK(d["metadata"]["name"].as<std::string>().find("web-canary") != 0);
}
