// MetricTemplates and AlertProviders resolved across a repository's apps, as
// they would be in the cluster: merging definitions (one app: found; two apps:
// an error naming both), then simulate and status on a real repository where
// the template lives in a platform app built by kustomize.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <string>

#include "plugin/apps/shared_references.h"
#include "tests/test_util.h"

using namespace gitcanary::testing;
namespace plugin = gitcanary::plugin;

namespace {

gitcanary::policies::MetricTemplate Template(const std::string& query) {
  gitcanary::policies::MetricTemplate t;
  t.query = query;
  return t;
}

const char kCanary[] = R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: podinfo, namespace: test}
spec:
  selector: {matchLabels: {app: podinfo}}
  template:
    metadata: {labels: {app: podinfo}}
    spec:
      containers:
      - {name: podinfod, image: "ghcr.io/stefanprodan/podinfo:6.0.0"}
---
apiVersion: flagger.app/v1beta1
kind: Canary
metadata: {name: podinfo, namespace: test}
spec:
  targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}
  service: {port: 9898}
  analysis:
    interval: 1m
    threshold: 2
    maxWeight: 20
    stepWeight: 10
    metrics:
    - name: errors
      templateRef: {name: error-rate, namespace: istio-system}
      thresholdRange: {max: 1}
)";

// A MetricTemplate without a namespace: the platform kustomization puts it in istio-system.
const char kTemplate[] = R"(apiVersion: flagger.app/v1beta1
kind: MetricTemplate
metadata: {name: error-rate}
spec:
  provider: {type: prometheus, address: "http://prometheus.istio-system:9090"}
  query: sum(rate(errors{namespace="{{ namespace }}"}[{{ interval }}]))
)";

void Commit(const std::string& repo) {
  Sh("cd " + repo + " && git add -A && git -c user.name=t -c user.email=t@e commit -qm change");
}

}  // namespace

TEST_CASE("shared references: one app's definition is found, and two apps' is an error naming both") {
  plugin::AppDefinitions podinfo{"apps/podinfo", {}, {}};
  plugin::AppDefinitions istio{"platform/istio", {{"istio-system/error-rate", Template("errors")}}, {}};
  plugin::AppDefinitions linkerd{"platform/linkerd", {{"linkerd/latency", Template("latency")}}, {}};
  plugin::SharedReferences once = plugin::MergeDefinitions({podinfo, istio, linkerd});
  CHECK(once.templates.count("istio-system/error-rate") == 1);
  CHECK(once.templates.count("linkerd/latency") == 1);
  CHECK(once.scope.twice.empty());
  CHECK(once.scope.looked_in == "the 3 apps of the repository");

  plugin::AppDefinitions copy{"platform/copy", {{"istio-system/error-rate", Template("other")}}, {}};
  plugin::SharedReferences twice = plugin::MergeDefinitions({podinfo, copy, istio, linkerd});
  CHECK(twice.templates.count("istio-system/error-rate") == 0);
  CHECK(twice.templates.count("linkerd/latency") == 1);
  CHECK(twice.scope.twice.at("MetricTemplate istio-system/error-rate") == "in apps platform/copy and platform/istio");
  CHECK(plugin::MergeDefinitions({podinfo}).scope.looked_in == "the app");
}

TEST_CASE("shared references: simulate and status find a template in the platform app, and refuse one defined twice") {
  if (Run({"/bin/sh", "-c", "command -v kubectl"}).exit_code != 0) {
    MESSAGE("kubectl is not installed; skipped");
    return;
  }
  TempDir dir;
  const std::string repo = dir / "repo";
  WriteFile(repo + "/apps/podinfo/podinfo.yaml", kCanary);
  WriteFile(repo + "/platform/istio/kustomization.yaml", "namespace: istio-system\nresources:\n- error-rate.yaml\n");
  WriteFile(repo + "/platform/istio/error-rate.yaml", kTemplate);
  Sh("cd " + repo + " && git init -q");
  Commit(repo);

  RunResult sim = Gitcanary({"simulate", repo + "/apps/podinfo", "--scenario", "fail:errors@2"});
  CHECK_MESSAGE(sim.exit_code == 0, sim.err);
  CHECK(sim.out.find("errors 1.5 > 1") != std::string::npos);
  RunResult status = Gitcanary({"status", "--repo", repo, "-o", "json"}, "", {{"TMPDIR", dir.path()}});
  REQUIRE_MESSAGE(status.exit_code == 0, status.err);
  const nlohmann::json found = nlohmann::json::parse(status.out);
  REQUIRE(found.size() == 1);
  CHECK(found[0]["error"] == "");

  // Two apps define it: in the cluster they would fight over one object.
  WriteFile(repo + "/platform/copy/error-rate.yaml",
            std::string(kTemplate).replace(std::string(kTemplate).find("metadata: {name: error-rate}"), 28,
                                           "metadata: {name: error-rate, namespace: istio-system}"));
  Commit(repo);
  const std::string expected =
      "MetricTemplate istio-system/error-rate is defined twice, in apps platform/copy and platform/istio; keep one";
  RunResult twice = Gitcanary({"simulate", repo + "/apps/podinfo"});
  CHECK(twice.exit_code == 1);
  CHECK_MESSAGE(twice.err.find(expected) != std::string::npos, twice.err);
  RunResult halted = Gitcanary({"status", "--repo", repo, "-o", "json"}, "", {{"TMPDIR", dir.path()}});
  REQUIRE(halted.exit_code == 0);
  const nlohmann::json rows = nlohmann::json::parse(halted.out);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0]["status"] == "Halted");
  CHECK(rows[0]["error"].get<std::string>().find(expected) != std::string::npos);

  // Defined nowhere: the message says where gitcanary looked.
  Sh("rm -r " + repo + "/platform");
  Commit(repo);
  RunResult nowhere = Gitcanary({"simulate", repo + "/apps/podinfo"});
  CHECK(nowhere.exit_code == 1);
  CHECK_MESSAGE(nowhere.err.find("MetricTemplate istio-system/error-rate not found in the app") != std::string::npos,
                nowhere.err);
}
