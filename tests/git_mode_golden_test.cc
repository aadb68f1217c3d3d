// git mode, golden files for every example in every phase.
//
// Each case writes a CanaryStatus document for every Canary of an example,
// renders it with --mode git and compares with tests/golden/git/EXAMPLE/PHASE.yaml.
// The promoted snapshot is the target's pod template: as it is now once the
// revision is promoted (Initialized, Promoting, Finalising, Succeeded), or
// with the previous image (tag 0.9.0) while the new revision is only analysed
// (Progressing, Failed, A/B, mirroring), so the primary visibly differs.
// Regenerate after an intended change with GITCANARY_UPDATE_GOLDENS=1 and
// review the diff like code.
#include <doctest/doctest.h>

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <algorithm>
#include <filesystem>

#include "tests/helm_release_status.h"
#include "tests/test_util.h"

namespace fs = std::filesystem;
using namespace gitcanary::testing;

namespace {

struct PhaseCase {
  const char* file;   // golden file stem
  const char* phase;
  int weight;
  bool promoted_is_new;
};

const PhaseCase kPhases[] = {
    {"initialized", "Initialized", 0, true},    {"progressing-10", "Progressing", 10, false},
    {"progressing-40", "Progressing", 40, false}, {"promoting", "Promoting", 40, true},
    {"finalising", "Finalising", 0, true},      {"succeeded", "Succeeded", 0, true},
    {"failed", "Failed", 0, false},
    // A primary that stayed unready during promotion: all traffic on the canary.
    {"failed-promotion", "Failed", 100, true},
};

std::string Example(const std::string& name) { return SourceDir() + "/examples/" + name; }

std::vector<YAML::Node> LoadDir(const std::string& dir) {
  std::vector<YAML::Node> docs;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file() || e.path().extension() != ".yaml" || e.path().filename() == "gitcanary.yaml") continue;
    for (const YAML::Node& d : YAML::LoadAllFromFile(e.path().string()))
      if (d.IsMap()) docs.push_back(d);
  }
  return docs;
}

std::string Str(const YAML::Node& n) { return n ? n.as<std::string>() : std::string(); }

// The (name, namespace) of every Canary: written ones, and those a template or
// a Kurator Application's rollout generates.
std::vector<std::pair<std::string, std::string>> Canaries(const std::vector<YAML::Node>& docs) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const YAML::Node& d : docs) {
    if (Str(d["kind"]) == "Canary") out.emplace_back(Str(d["metadata"]["name"]), Str(d["metadata"]["namespace"]));
    if (Str(d["kind"]) == "Deployment" && d["metadata"]["annotations"] &&
        d["metadata"]["annotations"]["gitcanary.io/canary-template"])
      out.emplace_back(Str(d["metadata"]["name"]), Str(d["metadata"]["namespace"]));
    if (Str(d["kind"]) == "Application" && Str(d["apiVersion"]).rfind("apps.kurator.dev/", 0) == 0)
      for (const YAML::Node& p : d["spec"]["syncPolicies"])
        if (p["rollout"]) out.emplace_back(Str(p["rollout"]["workload"]["name"]), Str(p["rollout"]["workload"]["namespace"]));
  }
  return out;
}

YAML::Node TargetTemplate(const std::vector<YAML::Node>& docs, const std::string& canary, const std::string& ns) {
  std::string target = canary;
  for (const YAML::Node& d : docs)
    if (Str(d["kind"]) == "Canary" && Str(d["metadata"]["name"]) == canary && Str(d["metadata"]["namespace"]) == ns)
      target = Str(d["spec"]["targetRef"]["name"]);
  for (const YAML::Node& d : docs)
    if (Str(d["kind"]) == "Deployment" && Str(d["metadata"]["name"]) == target && Str(d["metadata"]["namespace"]) == ns)
      return YAML::Clone(d["spec"]["template"]);
  FAIL("no target Deployment for " << canary);
  return {};
}

// Emits `n` keeping quoted scalars quoted (yaml-cpp's own emitter drops the
// quotes, so an annotation "true" would come back as a boolean).
void EmitKeepingQuotes(YAML::Emitter& out, const YAML::Node& n) {
  if (n.IsMap()) {
    out << YAML::BeginMap;
    for (const auto& kv : n) {
      out << YAML::Key;
      EmitKeepingQuotes(out, kv.first);
      out << YAML::Value;
      EmitKeepingQuotes(out, kv.second);
    }
    out << YAML::EndMap;
  } else if (n.IsSequence()) {
    out << YAML::BeginSeq;
    for (const YAML::Node& item : n) EmitKeepingQuotes(out, item);
    out << YAML::EndSeq;
  } else if (n.IsScalar() && n.Tag() == "!") {
    out << YAML::DoubleQuoted << n.Scalar();
  } else {
    out << n;
  }
}

std::string StatusDocument(const std::vector<YAML::Node>& docs, const std::string& name, const std::string& ns,
                           const PhaseCase& pc) {
  YAML::Node tmpl = TargetTemplate(docs, name, ns);
  if (!pc.promoted_is_new) {
    for (YAML::Node c : tmpl["spec"]["containers"]) {
      std::string image = c["image"].as<std::string>();
      c["image"] = image.substr(0, image.rfind(':')) + ":0.9.0";
    }
  }
  YAML::Node doc;
  doc["apiVersion"] = "gitcanary.io/v1alpha1";
  doc["kind"] = "CanaryStatus";
  doc["metadata"]["name"] = name;
  if (!ns.empty()) doc["metadata"]["namespace"] = ns;
  YAML::Node status = doc["status"];
  status["phase"] = pc.phase;
  status["canaryWeight"] = pc.weight;
  status["failedChecks"] = std::string(pc.phase) == "Failed" ? 5 : 0;
  status["iterations"] = 0;
  status["lastTransitionTime"] = "2026-11-22T10:00:00Z";
  status["promoted"]["template"] = tmpl;
  for (const YAML::Node& d : docs)
    if (Str(d["kind"]) == "ConfigMap" && Str(d["metadata"]["namespace"]) == ns)
      status["promoted"]["configMaps"][Str(d["metadata"]["name"])] = d["data"];
  YAML::Emitter out;
  EmitKeepingQuotes(out, doc);
  return std::string(out.c_str()) + "\n";
}

// The status of the HelmRelease canary of examples/flux-helmrelease/app: the
// promoted chart is the one in git, or 6.14.0 when the promoted revision is the
// old one.
std::string HelmReleaseStatusDocument(const std::vector<YAML::Node>& docs, const PhaseCase& pc) {
  YAML::Node release;
  for (const YAML::Node& d : docs)
    if (Str(d["kind"]) == "HelmRelease") release = YAML::Clone(d);
  REQUIRE(release);
  return PodinfoHelmReleaseStatus(pc.phase, pc.weight, std::string(pc.phase) == "Failed" ? 5 : 0, pc.promoted_is_new,
                                  release["spec"]["chart"], release["spec"]["values"]);
}

// Renders `example` (copied, plus status documents) in git mode.
RunResult RenderPhase(const std::string& example, const PhaseCase* pc) {
  TempDir dir;
  fs::copy(Example(example), dir / "app", fs::copy_options::recursive);
  std::vector<YAML::Node> docs = LoadDir(Example(example));
  if (pc != nullptr && example.rfind("flux-helmrelease/", 0) == 0) {
    WriteFile(dir / "app/status-0.yaml", HelmReleaseStatusDocument(docs, *pc));
  } else if (pc != nullptr) {
    int i = 0;
    for (const auto& [name, ns] : Canaries(docs))
      WriteFile(dir / ("app/status-" + std::to_string(i++) + ".yaml"), StatusDocument(docs, name, ns, *pc));
  }
  return Gitcanary({"render", "--mode", "git", dir / "app"});
}

void CheckGolden(const std::string& example, const std::string& stem, const RunResult& r) {
  CAPTURE(example);
  CAPTURE(stem);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  std::string dir = example;
  std::replace(dir.begin(), dir.end(), '/', '-');
  const std::string path = SourceDir() + "/tests/golden/git/" + dir + "/" + stem + ".yaml";
  if (std::getenv("GITCANARY_UPDATE_GOLDENS") != nullptr) WriteFile(path, r.out);
  CHECK(r.out == ReadFile(path));
  // Idempotent: the rendered objects render to themselves.
  TempDir again;
  WriteFile(again / "rendered.yaml", r.out);
  CHECK(Gitcanary({"render", "--mode", "git", again.path()}).out == r.out);
}

}  // namespace

TEST_CASE("git mode: every example renders as its golden file in every phase") {
  for (const char* example : {"hello-world", "podinfo", "bookinfo-reviews", "monorepo", "podinfo-linkerd", "podinfo-nginx"}) {
    CheckGolden(example, "bootstrap", RenderPhase(example, nullptr));
    for (const PhaseCase& pc : kPhases) CheckGolden(example, pc.file, RenderPhase(example, &pc));
  }
}

TEST_CASE("git mode: A/B and mirroring examples render as their golden files") {
  const PhaseCase progressing{"progressing", "Progressing", 100, false};
  const PhaseCase mirroring{"mirroring", "Progressing", 0, false};
  CheckGolden("podinfo-ab", "progressing", RenderPhase("podinfo-ab", &progressing));
  CheckGolden("podinfo-ab", "succeeded", RenderPhase("podinfo-ab", &kPhases[5]));
  CheckGolden("podinfo-mirror", "mirroring", RenderPhase("podinfo-mirror", &mirroring));
  CheckGolden("podinfo-mirror", "progressing-40", RenderPhase("podinfo-mirror", &kPhases[2]));
  CheckGolden("podinfo-nginx-ab", "progressing", RenderPhase("podinfo-nginx-ab", &progressing));
  CheckGolden("podinfo-nginx-ab", "succeeded", RenderPhase("podinfo-nginx-ab", &kPhases[5]));
}

TEST_CASE("git mode: the Gateway API examples render as their golden files") {
  CheckGolden("podinfo-gatewayapi", "bootstrap", RenderPhase("podinfo-gatewayapi", nullptr));
  for (const PhaseCase& pc : kPhases) CheckGolden("podinfo-gatewayapi", pc.file, RenderPhase("podinfo-gatewayapi", &pc));
  const PhaseCase ab{"progressing", "Progressing", 100, false};
  CheckGolden("podinfo-gatewayapi-ab", "progressing", RenderPhase("podinfo-gatewayapi-ab", &ab));
  CheckGolden("podinfo-gatewayapi-ab", "succeeded", RenderPhase("podinfo-gatewayapi-ab", &kPhases[5]));
  CheckGolden("podinfo-linkerd-gatewayapi", "bootstrap", RenderPhase("podinfo-linkerd-gatewayapi", nullptr));
  CheckGolden("podinfo-linkerd-gatewayapi", "progressing-10", RenderPhase("podinfo-linkerd-gatewayapi", &kPhases[1]));
}

TEST_CASE("git mode: the Kurator Application example renders its rollout as a Canary would") {
  CheckGolden("kurator-rollout", "bootstrap", RenderPhase("kurator-rollout", nullptr));
  CheckGolden("kurator-rollout", "progressing-10", RenderPhase("kurator-rollout", &kPhases[1]));
  CheckGolden("kurator-rollout", "succeeded", RenderPhase("kurator-rollout", &kPhases[5]));
}

TEST_CASE("git mode: the Blue/Green example with Services only renders as its golden files") {
  // Provider kubernetes shifts no weight: Blue/Green keeps the status weight at
  // 0 while it iterates, and only the Deployments change between phases.
  const PhaseCase iterating{"progressing", "Progressing", 0, false};
  const PhaseCase promoting{"promoting", "Promoting", 0, true};
  CheckGolden("podinfo-bluegreen", "bootstrap", RenderPhase("podinfo-bluegreen", nullptr));
  CheckGolden("podinfo-bluegreen", "initialized", RenderPhase("podinfo-bluegreen", &kPhases[0]));
  CheckGolden("podinfo-bluegreen", "progressing", RenderPhase("podinfo-bluegreen", &iterating));
  CheckGolden("podinfo-bluegreen", "promoting", RenderPhase("podinfo-bluegreen", &promoting));
  CheckGolden("podinfo-bluegreen", "succeeded", RenderPhase("podinfo-bluegreen", &kPhases[5]));
  CheckGolden("podinfo-bluegreen", "failed", RenderPhase("podinfo-bluegreen", &kPhases[6]));
}

TEST_CASE("git mode: the Flux HelmRelease example renders as its golden files in every phase") {
  CheckGolden("flux-helmrelease/app", "bootstrap", RenderPhase("flux-helmrelease/app", nullptr));
  for (const PhaseCase& pc : kPhases) CheckGolden("flux-helmrelease/app", pc.file, RenderPhase("flux-helmrelease/app", &pc));
}
