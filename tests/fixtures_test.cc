// Real-world manifests from public projects (../shared/fixtures): render must
// load them as kubectl does and apply the canary rewrites to them. Skips
// cleanly when the fixtures directory is absent.
#include <doctest/doctest.h>

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <set>

#include "tests/test_util.h"

namespace fs = std::filesystem;
using namespace gitcanary::testing;

namespace {

std::string Fixtures() { return SourceDir() + "/../shared/fixtures"; }

bool HaveFixtures() {
  if (fs::is_directory(Fixtures())) return true;
  MESSAGE("skipped: " << Fixtures() << " is absent");
  return false;
}

bool HaveKubectl() { return std::system("kubectl version --client >/dev/null 2>&1") == 0; }

// (kind, name) of every document in a YAML stream.
std::set<std::pair<std::string, std::string>> Identities(const std::string& stream) {
  std::set<std::pair<std::string, std::string>> out;
  for (const YAML::Node& doc : YAML::LoadAll(stream))
    if (doc.IsMap()) out.emplace(doc["kind"].as<std::string>(), doc["metadata"]["name"].as<std::string>());
  return out;
}

}  // namespace

TEST_CASE("fixtures: without a Canary, render passes real kustomize trees through as kubectl kustomize sees them") {
  if (!HaveFixtures()) return;
  const bool kubectl = HaveKubectl();
  if (!kubectl) MESSAGE("kubectl not installed: comparing with the object count only");
  for (const char* name : {"podinfo-kustomize", "flagger-kustomize-podinfo", "flagger-kustomize-tester", "istio-bookinfo"}) {
    CAPTURE(name);
    std::string dir = Fixtures() + "/" + name;
    RunResult r = Gitcanary({"render", "--mode", "flagger", dir});
    REQUIRE(r.exit_code == 0);
    auto ours = Identities(r.out);
    CHECK(!ours.empty());
    if (kubectl && fs::exists(dir + "/kustomization.yaml")) {
      RunResult k = Run({"kubectl", "kustomize", dir});
      REQUIRE(k.exit_code == 0);
      CHECK(ours == Identities(k.out));
    }
    // Idempotent on real input too.
    TempDir again;
    WriteFile(again / "out.yaml", r.out);
    CHECK(Gitcanary({"render", "--mode", "flagger", again.path()}).out == r.out);
  }
}

// Kurator's rollout examples each roll out webapp/backend, whose manifests live
// in podinfo's repository: each renders alone in flagger mode, to the Canary
// and the objects Kurator would create; git mode says where the workload is
// missing (or that kuma is not routed); together they hold eight rollouts of
// one workload. Field-level facts: render/kurator/canary_from_rollout_test.cc.
TEST_CASE("fixtures: each Kurator rollout example renders alone in flagger mode and is refused in git mode") {
  if (!HaveFixtures()) return;
  const std::string dir = Fixtures() + "/kurator-examples-rollout";
  struct Want {
    const char* file;
    std::set<std::pair<std::string, std::string>> generated;  // besides Canary backend and the load tester
  };
  const Want wants[] = {
      {"canary.yaml", {}},
      {"canaryWithCustomMetric.yaml", {{"MetricTemplate", "istio-request-success-rate"}}},
      {"canaryKuma.yaml", {{"MetricTemplate", "kuma-request-success-rate"}}},
      {"canaryNginx.yaml", {{"MetricTemplate", "nginx-request-success-rate"}, {"Ingress", "nginx"}}},
      {"ab-testing.yaml", {}},
      {"ab-testingNginx.yaml", {{"MetricTemplate", "nginx-request-success-rate"}, {"Ingress", "nginx"}}},
      {"blue_green.yaml", {}},
      {"blue_greenNginx.yaml", {{"MetricTemplate", "nginx-request-success-rate"}, {"Ingress", "nginx"}}},
  };
  for (const Want& w : wants) {
    const std::string file = w.file;
    CAPTURE(file);
    TempDir app;
    fs::copy_file(dir + "/" + w.file, app / w.file);
    RunResult r = Gitcanary({"render", "--mode", "flagger", app.path()});
    REQUIRE(r.exit_code == 0);
    auto ids = Identities(r.out);
    std::set<std::pair<std::string, std::string>> want = w.generated;
    want.insert({{"Canary", "backend"}, {"Deployment", "backend-testloader"}, {"Service", "backend-testloader"}});
    want.insert({"Application", YAML::LoadFile(dir + "/" + w.file)["metadata"]["name"].as<std::string>()});
    CHECK(ids == want);
    CHECK(r.out.find("\n    rollout:") == std::string::npos);  // no syncPolicies[].rollout left
    RunResult git = Gitcanary({"render", "--mode", "git", app.path()});
    CHECK(git.exit_code == 1);
    CHECK(git.out.empty());
    const bool kuma = std::string(w.file) == "canaryKuma.yaml";
    CHECK(git.err.find(kuma ? "kuma is not routed in git mode" : "Deployment webapp/backend is not in the rendered input") !=
          std::string::npos);
    CHECK(git.err.find("--mode flagger") != std::string::npos);
  }
  RunResult all = Gitcanary({"render", "--mode", "flagger", dir});
  CHECK(all.exit_code == 1);
  CHECK(all.err.find("already has a rollout") != std::string::npos);
}

TEST_CASE("fixtures: a Canary over podinfo's own kustomize tree drops the Service and keeps its HPA") {
  if (!HaveFixtures()) return;
  TempDir app;
  for (const char* f : {"deployment.yaml", "hpa.yaml", "service.yaml"})
    fs::copy_file(Fixtures() + "/podinfo-kustomize/" + f, app / f);
  // podinfo's Service maps 9898 to the named container port "http" (9898).
  WriteFile(app / "canary.yaml", R"(apiVersion: flagger.app/v1beta1
kind: Canary
metadata:
  name: podinfo
spec:
  targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}
  autoscalerRef: {apiVersion: autoscaling/v2, kind: HorizontalPodAutoscaler, name: podinfo}
  service:
    port: 9898
    targetPort: 9898
    gateways: [istio-system/public-gateway]
  analysis: {interval: 1m, threshold: 5, maxWeight: 50, stepWeight: 10}
)");
  RunResult r = Gitcanary({"render", "--mode", "flagger", "--explain", app.path()});
  REQUIRE(r.exit_code == 0);
  auto ids = Identities(r.out);
  CHECK(ids.count({"Service", "podinfo"}) == 0);
  CHECK(ids.count({"HorizontalPodAutoscaler", "podinfo"}) == 1);
  CHECK(ids.count({"Gateway", "public-gateway"}) == 1);
  CHECK(r.err.find("generated HorizontalPodAutoscaler") == std::string::npos);
  for (const YAML::Node& doc : YAML::LoadAll(r.out))
    if (doc["kind"].as<std::string>() == "Deployment") CHECK(!doc["spec"]["replicas"]);
}

TEST_CASE("fixtures: a Canary for bookinfo's reviews-v3 takes over the shared reviews Service") {
  if (!HaveFixtures()) return;
  TempDir app;
  fs::copy_file(Fixtures() + "/istio-bookinfo/reviews.yaml", app / "reviews.yaml");
  WriteFile(app / "canary.yaml", R"(apiVersion: flagger.app/v1beta1
kind: Canary
metadata:
  name: reviews
spec:
  targetRef: {apiVersion: apps/v1, kind: Deployment, name: reviews-v3}
  service: {port: 9080}
  analysis: {interval: 1m, threshold: 5, stepWeights: [10, 20, 40]}
)");
  RunResult r = Gitcanary({"render", "--mode", "flagger", app.path()});
  REQUIRE(r.exit_code == 0);
  auto ids = Identities(r.out);
  // The Service selects app=reviews, a subset of reviews-v3's pod labels: replaced.
  CHECK(ids.count({"Service", "reviews"}) == 0);
  CHECK(ids.count({"Deployment", "reviews-v1"}) == 1);
  CHECK(ids.count({"Deployment", "reviews-v3"}) == 1);
  CHECK(ids.count({"Gateway", "mesh"}) == 0);
}
