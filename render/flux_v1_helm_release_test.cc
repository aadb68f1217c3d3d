// Tests for the Flux v1 HelmRelease conversion. Expected values come from the
// two APIs: the Helm Operator's helm.fluxcd.io/v1 HelmRelease (its defaults:
// release name <namespace>-<name>, wait only with rollback or test, values
// reset unless resetValues: false, git ref master, valuesFrom key values.yaml)
// and helm-controller's helm.toolkit.fluxcd.io/v2 with source-controller's
// source.toolkit.fluxcd.io/v1 sources (interval required, waits unless
// disableWait, GitRepository URLs http/https/ssh, HelmRepository URLs
// http/https/oci). Expected trees are written as YAML and compared
// structurally (marks aside; key order counts).
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "render/flux_v1_helm_release.h"
#include "render/loader.h"
#include "render/render.h"
#include "render/yaml_emit.h"
#include "render/yaml_parse.h"

namespace gitcanary::render {
namespace {

using yaml::Node;

constexpr const char* kFile = "release.yaml";
constexpr const char* kRepoUrl = "https://stefanprodan.github.io/podinfo";
constexpr const char* kRepoSource = "stefanprodan-github-io-podinfo";

// Lines 1-6 of a v1 HelmRelease podinfo in prod; `spec` starts on line 7.
std::string V1(std::string_view spec, std::string_view name = "podinfo", std::string_view ns = "prod") {
  std::string out = "apiVersion: helm.fluxcd.io/v1\nkind: HelmRelease\nmetadata:\n  name: " + std::string(name) + "\n";
  out += ns.empty() ? "  labels: {app: podinfo}\n" : "  namespace: " + std::string(ns) + "\n";
  return out + "spec:\n" + std::string(spec);
}

// A chart from the podinfo Helm repository: spec lines 7-10.
const std::string kRepoChart = "  chart:\n    repository: " + std::string(kRepoUrl) +
                               "\n    name: podinfo\n    version: 6.5.0\n";

std::vector<Manifest> Parse(const std::string& text) {
  auto parsed = ParseManifests(text, kFile);
  REQUIRE_MESSAGE(parsed.ok(), parsed.status().message());
  return std::move(*parsed);
}

Node Yaml(const std::string& text) {
  auto docs = yaml::ParseYamlStream(text, "expected.yaml");
  REQUIRE_MESSAGE(docs.ok(), docs.status().message());
  REQUIRE(docs->size() == 1);
  return (*docs)[0];
}

std::string Shown(const Node& n) {
  std::string out;
  yaml::EmitYaml(n, &out);
  return out;
}

struct Converted {
  std::vector<Manifest> objects;
  std::vector<std::string> explain;
};

Converted Convert(const std::string& text, const std::string& app_namespace = "default") {
  Converted c;
  c.objects = Parse(text);
  Status s = ConvertFluxV1HelmReleases(c.objects, app_namespace, &c.explain);
  REQUIRE_MESSAGE(s.ok(), s.message());
  return c;
}

std::string ErrorOf(const std::string& text) {
  std::vector<Manifest> ms = Parse(text);
  std::vector<std::string> explain;
  Status s = ConvertFluxV1HelmReleases(ms, "default", &explain);
  REQUIRE_FALSE(s.ok());
  return s.message();
}

const Manifest& Find(const std::vector<Manifest>& ms, std::string_view kind, std::string_view name) {
  for (const Manifest& m : ms)
    if (m.kind == kind && m.name == name) return m;
  FAIL("no " << kind << " " << name);
  return ms.front();
}

bool Mentions(const std::vector<std::string>& lines, std::string_view text) {
  for (const std::string& l : lines)
    if (l.find(text) != std::string::npos) return true;
  return false;
}

TEST_CASE("a v1 HelmRelease from a Helm repository becomes v2 with a HelmRepository") {
  Converted c = Convert(V1("  releaseName: podinfo\n" + kRepoChart + "  values:\n    service:\n      enabled: false\n"));
  REQUIRE(c.objects.size() == 2);
  const Manifest& hr = c.objects[0];
  CHECK(hr.api_version == "helm.toolkit.fluxcd.io/v2");
  CHECK(hr.kind == "HelmRelease");
  CHECK(hr.name == "podinfo");
  CHECK(hr.ns == "prod");
  // interval: helm-operator's --charts-sync-interval default; no wait, rollback
  // or test: v1 did not wait, so both actions disable v2's wait.
  const Node want = Yaml(std::string("interval: 3m\nreleaseName: podinfo\n"
                                     "chart:\n  spec:\n    chart: podinfo\n    version: 6.5.0\n"
                                     "    sourceRef:\n      kind: HelmRepository\n      name: ") +
                         kRepoSource +
                         "\ninstall:\n  disableWait: true\nupgrade:\n  disableWait: true\n"
                         "values:\n  service:\n    enabled: false\n");
  CHECK_MESSAGE(*hr.doc.Find("spec") == want, Shown(*hr.doc.Find("spec")));
  const Manifest& repo = c.objects[1];
  const Node want_repo = Yaml(std::string("apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\n"
                                          "metadata:\n  name: ") +
                              kRepoSource + "\n  namespace: prod\nspec:\n  url: " + kRepoUrl + "\n  interval: 5m\n");
  CHECK_MESSAGE(repo.doc == want_repo, Shown(repo.doc));
  CHECK(repo.kind == "HelmRepository");
  CHECK(repo.name == kRepoSource);
  CHECK(repo.ns == "prod");
}

struct MappingRow {
  const char* what;
  std::string v1;                        // spec lines besides the chart
  std::vector<std::string_view> path;    // under the v2 spec
  const char* want;                      // YAML of that node; nullptr = absent
};

TEST_CASE("each v1 HelmRelease field maps to its v2 field") {
  const std::vector<MappingRow> rows = {
      {"releaseName carries over", "  releaseName: web\n", {"releaseName"}, "web"},
      {"no releaseName: v1's <namespace>-<name>", "", {"releaseName"}, "prod-podinfo"},
      {"no releaseName with another targetNamespace: <namespace>-<target>-<name>", "  targetNamespace: web\n",
       {"releaseName"}, "prod-web-podinfo"},
      {"no releaseName with targetNamespace = namespace: <namespace>-<name>", "  targetNamespace: prod\n",
       {"releaseName"}, "prod-podinfo"},
      {"targetNamespace carries over", "  targetNamespace: web\n", {"targetNamespace"}, "web"},
      {"timeout in seconds becomes a duration", "  timeout: 300\n", {"timeout"}, "300s"},
      {"maxHistory carries over", "  maxHistory: 3\n", {"maxHistory"}, "3"},
      {"no maxHistory: none written", "", {"maxHistory"}, nullptr},
      {"wait: true leaves v2's waiting on", "  wait: true\n", {"install"}, nullptr},
      {"wait: true writes no upgrade either", "  wait: true\n", {"upgrade"}, nullptr},
      {"wait: false disables install's wait", "  wait: false\n", {"install"}, "disableWait: true"},
      {"rollback.enable: v1 waited", "  rollback:\n    enable: true\n", {"install"}, nullptr},
      {"rollback.enable remediates the last failed upgrade", "  rollback:\n    enable: true\n", {"upgrade"},
       "remediation:\n  remediateLastFailure: true"},
      {"rollback.enable without rollback.wait: the rollback does not wait", "  rollback:\n    enable: true\n",
       {"rollback"}, "disableWait: true"},
      {"rollback.retry retries maxRetries times, 5 by default", "  rollback:\n    enable: true\n    retry: true\n",
       {"upgrade", "remediation"}, "retries: 5\nremediateLastFailure: true"},
      {"rollback.maxRetries", "  rollback:\n    enable: true\n    retry: true\n    maxRetries: 2\n",
       {"upgrade", "remediation", "retries"}, "2"},
      {"rollback's force, recreate, disableHooks, timeout and wait",
       "  rollback:\n    enable: true\n    force: true\n    recreate: true\n    disableHooks: true\n"
       "    timeout: 60\n    wait: true\n",
       {"rollback"}, "force: true\nrecreate: true\ndisableHooks: true\ntimeout: 60s"},
      {"rollback settings without enable are dropped", "  rollback:\n    force: true\n", {"rollback"}, nullptr},
      {"rollback settings without enable: v1 did not wait", "  rollback:\n    force: true\n", {"install"},
       "disableWait: true"},
      {"test.enable, ignoreFailures and timeout", "  test:\n    enable: true\n    ignoreFailures: true\n    timeout: 120\n",
       {"test"}, "enable: true\nignoreFailures: true\ntimeout: 120s"},
      {"test.enable: v1 waited", "  test:\n    enable: true\n", {"upgrade"}, nullptr},
      {"test.cleanup (Helm 2) is dropped", "  test:\n    enable: true\n    cleanup: true\n", {"test"}, "enable: true"},
      {"resetValues: false preserves values", "  wait: true\n  resetValues: false\n", {"upgrade"},
       "preserveValues: true"},
      {"resetValues: true is v2's default", "  wait: true\n  resetValues: true\n", {"upgrade"}, nullptr},
      {"forceUpgrade", "  wait: true\n  forceUpgrade: true\n", {"upgrade"}, "force: true"},
      {"skipCRDs", "  wait: true\n  skipCRDs: true\n", {"install"}, "crds: Skip"},
      {"disableOpenAPIValidation on install", "  wait: true\n  disableOpenAPIValidation: true\n", {"install"},
       "disableOpenAPIValidation: true"},
      {"disableOpenAPIValidation on upgrade", "  wait: true\n  disableOpenAPIValidation: true\n", {"upgrade"},
       "disableOpenAPIValidation: true"},
      {"helmVersion v3 is dropped", "  helmVersion: v3\n", {"helmVersion"}, nullptr},
      {"configMapKeyRef", "  valuesFrom:\n  - configMapKeyRef:\n      name: common\n      key: prod.yaml\n      optional: true\n",
       {"valuesFrom"}, "- kind: ConfigMap\n  name: common\n  valuesKey: prod.yaml\n  optional: true"},
      {"secretKeyRef without key: both default to values.yaml", "  valuesFrom:\n  - secretKeyRef:\n      name: creds\n",
       {"valuesFrom"}, "- kind: Secret\n  name: creds"},
      {"a valuesFrom namespace equal to the release's", "  valuesFrom:\n  - secretKeyRef:\n      name: creds\n      namespace: prod\n",
       {"valuesFrom"}, "- kind: Secret\n  name: creds"},
      {"valueFileSecrets come first, as Secrets",
       "  valueFileSecrets:\n  - name: old\n  valuesFrom:\n  - configMapKeyRef:\n      name: common\n",
       {"valuesFrom"}, "- kind: Secret\n  name: old\n- kind: ConfigMap\n  name: common"},
      {"values carry over", "  values:\n    image:\n      tag: 3.1.0\n    replicaCount: 2\n", {"values"},
       "image:\n  tag: 3.1.0\nreplicaCount: 2"},
      {"no values: none written", "", {"values"}, nullptr},
  };
  for (const MappingRow& row : rows) {
    CAPTURE(row.what);
    Converted c = Convert(V1(row.v1 + kRepoChart));
    const Node* spec = c.objects[0].doc.Find("spec");
    REQUIRE(spec != nullptr);
    const Node* got = spec;
    for (std::string_view key : row.path) got = got == nullptr ? nullptr : got->Find(key);
    if (row.want == nullptr) {
      CHECK_MESSAGE(got == nullptr, Shown(*got));
    } else {
      REQUIRE_MESSAGE(got != nullptr, Shown(*spec));
      CHECK_MESSAGE(*got == Yaml(row.want), Shown(*got));
    }
  }
}

TEST_CASE("a valuesFrom namespace equal to the app's is the release's own when the release writes none") {
  Converted c = Convert(V1(kRepoChart + "  valuesFrom:\n  - configMapKeyRef:\n      name: common\n      namespace: shop\n",
                           "web", ""),
                        "shop");
  CHECK(*c.objects[0].doc.Path({"spec", "valuesFrom"}) == Yaml("- kind: ConfigMap\n  name: common"));
}

TEST_CASE("a release without a namespace takes the app's in its default name, or default") {
  CHECK(Convert(V1(kRepoChart, "web", ""), "shop").objects[0].doc.Path({"spec", "releaseName"})->value == "shop-web");
  CHECK(Convert(V1(kRepoChart, "web", ""), "").objects[0].doc.Path({"spec", "releaseName"})->value == "default-web");
}

struct GitRow {
  const char* what;
  std::string chart;          // the chart's lines under `chart:`
  const char* source_name;    // derived
  const char* source_spec;    // YAML of the GitRepository's spec
};

TEST_CASE("a chart from git becomes a GitRepository with the ref's kind") {
  const std::string sha = "0123456789abcdef0123456789abcdef01234567";
  const std::vector<GitRow> rows = {
      {"an https URL and a branch", "    git: https://github.com/stefanprodan/podinfo\n    ref: master\n",
       "github-com-stefanprodan-podinfo-master",
       "url: https://github.com/stefanprodan/podinfo\ninterval: 5m\nref:\n  branch: master"},
      {"no ref: v1's default branch master", "    git: https://github.com/stefanprodan/podinfo\n",
       "github-com-stefanprodan-podinfo-master",
       "url: https://github.com/stefanprodan/podinfo\ninterval: 5m\nref:\n  branch: master"},
      {"an scp-like URL is written as ssh://", "    git: git@github.com:stefanprodan/gitops-helm-workshop\n    ref: main\n",
       "github-com-stefanprodan-gitops-helm-workshop-main",
       "url: ssh://git@github.com/stefanprodan/gitops-helm-workshop\ninterval: 5m\nref:\n  branch: main"},
      {"a version is a tag", "    git: https://github.com/weaveworks/flagger\n    ref: 1.0.0-rc.1\n",
       "github-com-weaveworks-flagger-1-0-0-rc-1",
       "url: https://github.com/weaveworks/flagger\ninterval: 5m\nref:\n  tag: 1.0.0-rc.1"},
      {"a v-prefixed version is a tag", "    git: https://github.com/stefanprodan/podinfo.git\n    ref: v6.5.0\n",
       "github-com-stefanprodan-podinfo-v6-5-0",
       "url: https://github.com/stefanprodan/podinfo.git\ninterval: 5m\nref:\n  tag: v6.5.0"},
      {"a full hash is a commit", "    git: https://x.io/c\n    ref: " + sha + "\n",
       "x-io-c-0123456789abcdef0123456789abcdef01234567",
       "url: https://x.io/c\ninterval: 5m\nref:\n  commit: 0123456789abcdef0123456789abcdef01234567"},
      {"refs/ is a reference name", "    git: https://github.com/stefanprodan/podinfo\n    ref: refs/pull/1/head\n",
       "github-com-stefanprodan-podinfo-refs-pull-1-head",
       "url: https://github.com/stefanprodan/podinfo\ninterval: 5m\nref:\n  name: refs/pull/1/head"},
      {"secretRef becomes the GitRepository's secretRef",
       "    git: https://git.example.com/org/charts\n    ref: main\n    secretRef:\n      name: git-https-credentials\n",
       "git-example-com-org-charts-main",
       "url: https://git.example.com/org/charts\ninterval: 5m\nref:\n  branch: main\n"
       "secretRef:\n  name: git-https-credentials"},
  };
  for (const GitRow& row : rows) {
    CAPTURE(row.what);
    Converted c = Convert(V1("  releaseName: podinfo\n  chart:\n" + row.chart + "    path: charts/podinfo\n"));
    REQUIRE(c.objects.size() == 2);
    const Node want_chart = Yaml(std::string("spec:\n  chart: charts/podinfo\n  sourceRef:\n    kind: GitRepository\n"
                                             "    name: ") +
                                 row.source_name);
    CHECK_MESSAGE(*c.objects[0].doc.Path({"spec", "chart"}) == want_chart, Shown(*c.objects[0].doc.Find("spec")));
    const Manifest& src = c.objects[1];
    CHECK(src.api_version == "source.toolkit.fluxcd.io/v1");
    CHECK(src.kind == "GitRepository");
    CHECK(src.name == row.source_name);
    CHECK(src.name.size() <= 63);
    CHECK(src.ns == "prod");
    CHECK_MESSAGE(*src.doc.Find("spec") == Yaml(row.source_spec), Shown(src.doc));
  }
}

TEST_CASE("a derived source name longer than 63 characters is cut and ends in a hash") {
  const std::string url = "https://charts.example.com/a-very-long-organisation-name/and-an-even-longer-repository-path";
  Converted one = Convert(V1(std::string("  chart:\n    repository: ") + url + "/one\n    name: a\n    version: 1.0.0\n"));
  Converted two = Convert(V1(std::string("  chart:\n    repository: ") + url + "/two\n    name: a\n    version: 1.0.0\n"));
  const std::string& a = one.objects[1].name;
  const std::string& b = two.objects[1].name;
  CHECK(a.size() <= 63);
  CHECK(b.size() <= 63);
  CHECK(a != b);
  CHECK(a.rfind("charts-example-com-a-very-long-organisation-name", 0) == 0);
  CHECK(a.back() != '-');
}

TEST_CASE("an oci:// Helm repository is a HelmRepository of type oci without an interval") {
  Converted c = Convert(V1("  chart:\n    repository: oci://ghcr.io/stefanprodan/charts\n    name: podinfo\n"
                           "    version: 6.5.0\n"));
  CHECK(*c.objects[1].doc.Find("spec") == Yaml("type: oci\nurl: oci://ghcr.io/stefanprodan/charts"));
  CHECK(c.objects[1].name == "ghcr-io-stefanprodan-charts");
}

TEST_CASE("a repository URL's trailing slash and query are dropped, as the Helm Operator did") {
  Converted c = Convert(V1("  chart:\n    repository: https://stefanprodan.github.io/podinfo/?x=1\n    name: podinfo\n"
                           "    version: 6.5.0\n"));
  CHECK(c.objects[1].doc.Path({"spec", "url"})->value == kRepoUrl);
}

TEST_CASE("releases of one repository share one source and other git refs get their own") {
  const std::string git = "  chart:\n    git: https://github.com/org/charts\n    path: charts/";
  Converted c = Convert(V1("  releaseName: a\n" + kRepoChart, "a") + "---\n" + V1("  releaseName: b\n" + kRepoChart, "b") +
                        "---\n" + V1("  releaseName: c\n" + kRepoChart, "c", "staging") + "---\n" +
                        V1(git + "x\n    ref: main\n", "x") + "---\n" + V1(git + "y\n    ref: main\n", "y") + "---\n" +
                        V1(git + "z\n    ref: v1.0.0\n", "z"));
  // a and b share prod's HelmRepository; c is in staging; x and y share one
  // GitRepository; z checks out another ref.
  std::vector<std::string> sources;
  for (const Manifest& m : c.objects)
    if (m.api_version == "source.toolkit.fluxcd.io/v1") sources.push_back(m.kind + " " + m.ns + "/" + m.name);
  CHECK(sources == std::vector<std::string>{"HelmRepository prod/stefanprodan-github-io-podinfo",
                                            "HelmRepository staging/stefanprodan-github-io-podinfo",
                                            "GitRepository prod/github-com-org-charts-main",
                                            "GitRepository prod/github-com-org-charts-v1-0-0"});
  CHECK(Find(c.objects, "HelmRelease", "b").doc.Path({"spec", "chart", "spec", "sourceRef", "name"})->value == kRepoSource);
  CHECK(Find(c.objects, "HelmRelease", "y").doc.Path({"spec", "chart", "spec", "sourceRef", "name"})->value ==
        "github-com-org-charts-main");
  CHECK(Mentions(c.explain, "HelmRelease prod/y: chart source is GitRepository github-com-org-charts-main, shared with an earlier release"));
}

TEST_CASE("a source of the app with the same URL is reused, whatever its name") {
  const std::string repo = "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata:\n  name: podinfo\n"
                           "  namespace: prod\nspec:\n  interval: 1h\n  url: https://stefanprodan.github.io/podinfo/\n";
  Converted c = Convert(V1(kRepoChart) + "---\n" + repo);
  REQUIRE(c.objects.size() == 2);
  CHECK(c.objects[0].doc.Path({"spec", "chart", "spec", "sourceRef", "name"})->value == "podinfo");
  CHECK(c.objects[1].doc.Path({"spec", "interval"})->value == "1h");  // untouched
  CHECK(Mentions(c.explain, "chart source is the app's HelmRepository podinfo"));

  const std::string git = "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: charts\n"
                          "  namespace: prod\nspec:\n  interval: 1m\n  url: https://github.com/org/charts\n";
  const std::string v1_git = V1("  chart:\n    git: https://github.com/org/charts\n    path: charts/x\n    ref: ");
  // No ref on the input's GitRepository is branch master, as v1's default.
  Converted same = Convert(v1_git + "master\n---\n" + git);
  CHECK(same.objects.size() == 2);
  // Another ref is another source.
  Converted other = Convert(v1_git + "main\n---\n" + git + "  ref:\n    branch: release\n");
  CHECK(other.objects.size() == 3);
}

struct ErrorRow {
  const char* what;
  std::string text;
  const char* want;  // the whole message
};

TEST_CASE("v1 HelmReleases that Flux v2 cannot reproduce are errors with the place and the fix") {
  const std::string chart = kRepoChart;  // lines 7-10
  const std::vector<ErrorRow> rows = {
      {"no chart", V1("  releaseName: x\n"), "release.yaml:7:3: spec.chart: missing; a HelmRelease needs a chart"},
      {"both sources",
       V1("  chart:\n    git: https://github.com/org/charts\n    repository: https://charts.example.com\n"),
       "release.yaml:8:5: spec.chart: has both git and repository; a chart comes from one source"},
      {"neither source", V1("  chart:\n    path: charts/x\n"),
       "release.yaml:8:5: spec.chart: needs git (with ref and path) or repository (with name and version)"},
      {"a git field on a repository chart", V1(chart + "    ref: main\n"),
       "release.yaml:11:10: spec.chart.ref: is a field of a chart from git, but this chart comes from a Helm repository"},
      {"no version", V1("  chart:\n    repository: https://charts.example.com\n    name: a\n"),
       "release.yaml:8:5: spec.chart.version: missing; write the chart version to release"},
      {"no path", V1("  chart:\n    git: https://github.com/org/charts\n"),
       "release.yaml:8:5: spec.chart.path: missing; write the chart's directory in the git repository"},
      {"an s3 repository", V1("  chart:\n    repository: s3://bucket/charts\n    name: a\n    version: 1.0.0\n"),
       "release.yaml:8:17: spec.chart.repository: \"s3://bucket/charts\" is not a URL a Flux v2 HelmRepository reads; "
       "write an https://, http:// or oci:// URL"},
      {"a git:// URL", V1("  chart:\n    git: git://example.com/charts\n    path: x\n"),
       "release.yaml:8:10: spec.chart.git: \"git://example.com/charts\" is not a URL a Flux v2 GitRepository can "
       "clone; write an https://, http:// or ssh:// URL (or the scp-like form git@host:org/repo)"},
      {"an abbreviated commit", V1("  chart:\n    git: https://github.com/org/charts\n    ref: 0a1b2c3\n    path: x\n"),
       "release.yaml:9:10: spec.chart.ref: \"0a1b2c3\" looks like an abbreviated commit hash, which a Flux v2 "
       "GitRepository cannot check out; write the full 40-character hash, or refs/heads/0a1b2c3 if it is a branch"},
      {"git credentials in another namespace",
       V1("  chart:\n    git: https://github.com/org/charts\n    path: x\n    secretRef:\n      name: creds\n"
          "      namespace: flux\n"),
       "release.yaml:12:18: spec.chart.secretRef.namespace: a Flux v2 GitRepository reads its secretRef from its own "
       "namespace (prod); copy the Secret there and drop namespace"},
      {"Helm 2", V1("  helmVersion: v2\n" + chart),
       "release.yaml:7:16: spec.helmVersion: a Helm 2 release cannot be taken over by Flux v2; migrate it to Helm 3 "
       "(helm 2to3 convert) and write helmVersion: v3"},
      {"externalSourceRef", V1(chart + "  valuesFrom:\n  - externalSourceRef:\n      url: https://x/values.yaml\n"),
       "release.yaml:13:7: spec.valuesFrom[0].externalSourceRef: Flux v2 reads values only from ConfigMaps and "
       "Secrets; put these values in a ConfigMap (or spec.values) and refer to it with configMapKeyRef"},
      {"chartFileRef", V1(chart + "  valuesFrom:\n  - chartFileRef:\n      path: prod-values.yaml\n"),
       "release.yaml:13:7: spec.valuesFrom[0].chartFileRef: Flux v2 has no values from a chart file here; write a v2 "
       "HelmRelease whose spec.chart.spec.valuesFiles lists the chart's values.yaml and this file"},
      {"values from another namespace",
       V1(chart + "  valuesFrom:\n  - configMapKeyRef:\n      name: common\n      namespace: shared\n"),
       "release.yaml:14:18: spec.valuesFrom[0].configMapKeyRef.namespace: a Flux v2 HelmRelease reads values from "
       "its own namespace (prod); copy the ConfigMap there and drop namespace"},
      {"an unknown field", V1(chart + "  chartPath: x\n"),
       "release.yaml:11:14: spec.chartPath: not a field of a helm.fluxcd.io/v1 HelmRelease (known: helmVersion, "
       "chart, releaseName, maxHistory, valueFileSecrets, valuesFrom, targetNamespace, timeout, resetValues, "
       "skipCRDs, wait, forceUpgrade, rollback, test, values, disableOpenAPIValidation)"},
      {"a timeout as a duration", V1(chart + "  timeout: 5m\n"),
       "release.yaml:11:12: spec.timeout: expected an integer, got string \"5m\""},
      {"a negative timeout", V1(chart + "  timeout: -1\n"),
       "release.yaml:11:12: spec.timeout: must be a number of seconds, 0 or more"},
  };
  for (const ErrorRow& row : rows) {
    CAPTURE(row.what);
    CHECK(ErrorOf(row.text) == row.want);
  }
}

TEST_CASE("another object under the derived source name is an error") {
  const std::string other = "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata:\n  name: " +
                            std::string(kRepoSource) + "\n  namespace: prod\nspec:\n  url: https://example.com/other\n";
  CHECK(ErrorOf(V1(kRepoChart) + "---\n" + other) ==
        "release.yaml:18:8: spec.url: this HelmRepository has the name derived for the chart source of "
        "HelmRelease prod/podinfo (https://stefanprodan.github.io/podinfo) but serves another; rename this object");
}

TEST_CASE("the explain lines say what was converted and why") {
  Converted c = Convert(V1("  chart:\n    git: git@github.com:org/charts\n    ref: 1.2.0\n    path: x\n"
                           "  test:\n    enable: true\n    cleanup: true\n"));
  REQUIRE_FALSE(c.explain.empty());
  CHECK(c.explain[0] == "HelmRelease prod/podinfo: helm.fluxcd.io/v1 converted to helm.toolkit.fluxcd.io/v2");
  for (std::string_view part :
       {"HelmRelease prod/podinfo: spec.chart.git git@github.com:org/charts is written as the ssh URL ssh://git@github.com/org/charts",
        "HelmRelease prod/podinfo: spec.chart.ref 1.2.0 is read as a tag of the git repository",
        "HelmRelease prod/podinfo: spec.interval 3m, the Helm Operator's default --charts-sync-interval",
        "HelmRelease prod/podinfo: spec.releaseName prod-podinfo, the name the Helm Operator gave the release",
        "HelmRelease prod/podinfo: spec.test.cleanup dropped",
        "HelmRelease prod/podinfo: chart source added: GitRepository github-com-org-charts-1-2-0 (url "
        "ssh://git@github.com/org/charts, tag 1.2.0)"}) {
    CAPTURE(part);
    CHECK(Mentions(c.explain, part));
  }
  // test.enable: v1 waited, so no disableWait line.
  CHECK_FALSE(Mentions(c.explain, "disableWait"));
}

TEST_CASE("a v2 HelmRelease and other objects are untouched and converting twice changes nothing") {
  const std::string v2 = "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: podinfo\n"
                         "  namespace: prod\nspec:\n  interval: 10m\n  chart:\n    spec:\n      chart: podinfo\n"
                         "      sourceRef:\n        kind: HelmRepository\n        name: podinfo\n";
  Converted c = Convert(v2);
  REQUIRE(c.objects.size() == 1);
  CHECK(c.objects[0].doc == Parse(v2)[0].doc);
  CHECK(c.explain.empty());

  Converted once = Convert(V1("  releaseName: podinfo\n" + kRepoChart + "  rollback:\n    enable: true\n"));
  std::vector<Manifest> again = once.objects;
  std::vector<std::string> explain;
  REQUIRE(ConvertFluxV1HelmReleases(again, "default", &explain).ok());
  REQUIRE(again.size() == once.objects.size());
  for (std::size_t i = 0; i < again.size(); ++i) CHECK(again[i].doc == once.objects[i].doc);
  CHECK(explain.empty());
}

TEST_CASE("render converts a v1 HelmRelease in both modes") {
  for (Mode mode : {Mode::kGit, Mode::kFlagger}) {
    RenderOptions options;
    options.mode = mode;
    auto r = Render(Parse(V1("  releaseName: podinfo\n" + kRepoChart)), AppConfig{}, options);
    REQUIRE_MESSAGE(r.ok(), r.status().message());
    std::vector<std::string> got;
    for (const Manifest& m : r->objects) got.push_back(m.api_version + " " + m.kind + " " + m.name);
    std::sort(got.begin(), got.end());
    CHECK(got == std::vector<std::string>{"helm.toolkit.fluxcd.io/v2 HelmRelease podinfo",
                                          "source.toolkit.fluxcd.io/v1 HelmRepository stefanprodan-github-io-podinfo"});
    CHECK(Mentions(r->explain, "HelmRelease prod/podinfo: helm.fluxcd.io/v1 converted to helm.toolkit.fluxcd.io/v2"));
  }
}

}  // namespace
}  // namespace gitcanary::render
