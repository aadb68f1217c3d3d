// examples/flux-helmrelease/app-flux-v1, the Flux v1 variant of the Flux
// HelmRelease example: its git-mode golden files, and the check that it
// renders the same objects as the v2 example examples/flux-helmrelease/app
// once the differences that the conversion documents are set aside.
//
// The two apps have the same Namespace and Canary. The v1 HelmRelease
// releases the same chart, version and values, with rollback.enable, retry
// and maxRetries 3 where the v2 one has remediation retries 3. What may
// differ, each for a reason the README's "Flux v1 HelmReleases" gives:
// - the chart source: HelmRepository stefanprodan-github-io-podinfo (derived
//   from the URL) against the v2 app's own podinfo, with their intervals, and
//   so sourceRef.name and the revision checksum, which covers the chart
//   reference;
// - spec.interval: 3m (the Helm Operator's --charts-sync-interval) against 5m;
// - spec.releaseName: written out as podinfo, which is v2's default for the
//   v2 app (its name, no targetNamespace);
// - the chart's own interval (1h in the v2 app; none in v1);
// - install.remediation (v1 had no install remediation), remediateLastFailure
//   (written by the conversion, v2's default when retries > 0) and
//   rollback.disableWait (v1 rolled back without waiting);
// - the v1 annotation fluxcd.io/automated, kept as written.
// Regenerate the goldens with GITCANARY_UPDATE_GOLDENS=1 and review the diff.
#include <doctest/doctest.h>

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/helm_release_status.h"
#include "tests/test_util.h"

namespace fs = std::filesystem;
using namespace gitcanary::testing;

namespace {

const char* const kV1 = "flux-helmrelease/app-flux-v1";
const char* const kV2 = "flux-helmrelease/app";

std::string Example(const std::string& name) { return SourceDir() + "/examples/" + name; }

struct Phase {
  const char* file;
  const char* phase;
  int weight;
  bool promoted_is_new;  // else the promoted chart is the older 6.14.0
};

const Phase kPhases[] = {{"progressing-10", "Progressing", 10, false}, {"succeeded", "Succeeded", 0, true}};

// The v1 example's chart once converted (README, "Flux v1 HelmReleases"), and
// the v2 example's chart as written.
YAML::Node PromotedChart(const std::string& example) {
  if (example == kV1)
    return YAML::Load("spec:\n  chart: podinfo\n  version: \"6.14.1\"\n  sourceRef:\n    kind: HelmRepository\n"
                      "    name: stefanprodan-github-io-podinfo\n");
  return YAML::Clone(YAML::LoadFile(Example(example) + "/release.yaml")["spec"]["chart"]);
}

RunResult Render(const std::string& example, const Phase* pc, const std::string& mode = "git") {
  TempDir dir;
  fs::copy(Example(example), dir / "app", fs::copy_options::recursive);
  if (pc != nullptr)
    WriteFile(dir / "app/status.yaml",
              PodinfoHelmReleaseStatus(pc->phase, pc->weight, 0, pc->promoted_is_new, PromotedChart(example),
                                       YAML::Load("replicaCount: 2\nservice:\n  enabled: false\n")));
  return Gitcanary({"render", "--mode", mode, dir / "app"});
}

void CheckGolden(const std::string& stem, const RunResult& r) {
  CAPTURE(stem);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const std::string path = SourceDir() + "/tests/golden/git/flux-helmrelease-app-flux-v1/" + stem + ".yaml";
  if (std::getenv("GITCANARY_UPDATE_GOLDENS") != nullptr) WriteFile(path, r.out);
  CHECK(r.out == ReadFile(path));
  TempDir again;
  WriteFile(again / "rendered.yaml", r.out);
  CHECK(Gitcanary({"render", "--mode", "git", again.path()}).out == r.out);
}

std::string Str(const YAML::Node& n) { return n && n.IsScalar() ? n.Scalar() : std::string(); }

// A text of the tree with mapping keys sorted (the conversion writes
// releaseName where the v2 app has none) and scalars as their text.
std::string Canonical(const YAML::Node& n) {
  if (!n || n.IsNull()) return "null";
  if (n.IsScalar()) return "'" + n.Scalar() + "'";
  std::string out;
  if (n.IsSequence()) {
    out = "[";
    for (const YAML::Node& item : n) out += Canonical(item) + ",";
    return out + "]";
  }
  std::vector<std::string> fields;
  for (const auto& kv : n) fields.push_back(kv.first.Scalar() + ":" + Canonical(kv.second));
  std::sort(fields.begin(), fields.end());
  out = "{";
  for (const std::string& f : fields) out += f + ",";
  return out + "}";
}

void Erase(YAML::Node parent, const std::string& key) {
  if (parent && parent.IsMap()) parent.remove(key);
}

// The objects of a render with the documented differences set aside.
std::vector<std::string> Comparable(const std::string& rendered) {
  std::vector<std::string> out;
  for (YAML::Node doc : YAML::LoadAll(rendered)) {
    const std::string kind = Str(doc["kind"]);
    if (kind == "HelmRepository" || kind == "GitRepository") continue;
    YAML::Node meta = doc["metadata"];
    Erase(meta["annotations"], "gitcanary.io/revision");
    Erase(meta["annotations"], "fluxcd.io/automated");
    if (meta["annotations"] && meta["annotations"].size() == 0) Erase(meta, "annotations");
    if (kind == "HelmRelease") {
      YAML::Node spec = doc["spec"];
      Erase(spec, "interval");
      if (!spec["releaseName"]) spec["releaseName"] = Str(meta["name"]);
      Erase(spec["chart"]["spec"], "interval");
      spec["chart"]["spec"]["sourceRef"]["name"] = "SOURCE";
      Erase(spec["install"], "remediation");
      if (spec["install"] && spec["install"].size() == 0) Erase(spec, "install");
      Erase(spec["upgrade"]["remediation"], "remediateLastFailure");
      Erase(spec["rollback"], "disableWait");
      if (spec["rollback"] && spec["rollback"].size() == 0) Erase(spec, "rollback");
    }
    out.push_back(kind + " " + Str(meta["name"]) + " " + Canonical(doc));
  }
  return out;
}

// The source each HelmRelease of a render names, as "HelmRepository NAME".
std::vector<std::string> SourceRefs(const std::string& rendered) {
  std::vector<std::string> out;
  for (const YAML::Node& doc : YAML::LoadAll(rendered))
    if (Str(doc["kind"]) == "HelmRelease")
      out.push_back(Str(doc["spec"]["chart"]["spec"]["sourceRef"]["kind"]) + " " +
                    Str(doc["spec"]["chart"]["spec"]["sourceRef"]["name"]));
  return out;
}

}  // namespace

TEST_CASE("git mode: the Flux v1 HelmRelease example renders as its golden files") {
  CheckGolden("bootstrap", Render(kV1, nullptr));
  for (const Phase& pc : kPhases) CheckGolden(pc.file, Render(kV1, &pc));
}

TEST_CASE("examples: the Flux v1 variant renders the objects of the v2 example but for the documented differences") {
  struct Case {
    const char* what;
    const Phase* phase;
    const char* mode;
  };
  const Case cases[] = {{"flagger mode", nullptr, "flagger"},
                        {"git mode, no status yet", nullptr, "git"},
                        {"git mode, progressing from 6.14.0", &kPhases[0], "git"},
                        {"git mode, succeeded", &kPhases[1], "git"}};
  for (const Case& c : cases) {
    CAPTURE(c.what);
    RunResult v1 = Render(kV1, c.phase, c.mode);
    RunResult v2 = Render(kV2, c.phase, c.mode);
    REQUIRE_MESSAGE(v1.exit_code == 0, v1.err);
    REQUIRE_MESSAGE(v2.exit_code == 0, v2.err);
    CHECK(Comparable(v1.out) == Comparable(v2.out));
    // Each HelmRelease names its app's own source, which is in the render.
    for (const std::string& ref : SourceRefs(v1.out)) CHECK(ref == "HelmRepository stefanprodan-github-io-podinfo");
    for (const std::string& ref : SourceRefs(v2.out)) CHECK(ref == "HelmRepository podinfo");
    CHECK(v1.out.find("kind: HelmRepository\nmetadata:\n  name: stefanprodan-github-io-podinfo\n") != std::string::npos);
  }
}

TEST_CASE("explain: the Flux v1 example says what was converted") {
  RunResult r = Gitcanary({"render", "--mode", "git", "--explain", Example(kV1)});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  for (const char* line :
       {"explain: HelmRelease prod/podinfo: helm.fluxcd.io/v1 converted to helm.toolkit.fluxcd.io/v2\n",
        "explain: HelmRelease prod/podinfo: spec.rollback.enable became spec.upgrade.remediation (roll back a failed "
        "upgrade)\n",
        "explain: HelmRelease prod/podinfo: chart source added: HelmRepository stefanprodan-github-io-podinfo (url "
        "https://stefanprodan.github.io/podinfo)\n"}) {
    CAPTURE(line);
    CHECK(r.err.find(line) != std::string::npos);
  }
}
