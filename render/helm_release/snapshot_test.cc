// Tests of a HelmRelease canary's revision checksum (what changes it and what
// does not), its current snapshot, exact versions, and promoted.helmRelease in
// the status both ways.
#include <doctest/doctest.h>

#include "render/canary_status.h"
#include "render/helm_release/snapshot.h"
#include "render/helm_release/test_app.h"
#include "render/yaml_parse.h"

namespace gitcanary::render {
namespace {

using namespace helm_test;

const std::string kValuesCm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: vals, namespace: prod}\n";
const std::string kValuesSecret = "apiVersion: v1\nkind: Secret\nmetadata: {name: sec, namespace: prod}\n";
const std::string kFrom = "  valuesFrom:\n  - {kind: ConfigMap, name: vals}\n  - {kind: Secret, name: sec}\n";

std::string Annotated(std::string release) {
  const std::string plain = "metadata: {name: podinfo, namespace: prod}";
  return release.replace(release.find(plain), plain.size(),
                         "metadata: {name: podinfo, namespace: prod, annotations: {gitcanary.io/phase: Progressing}}");
}

std::string RevisionOf(const std::vector<std::string>& docs) {
  std::vector<Manifest> all;
  for (const std::string& d : docs) {
    auto parsed = ParseManifests(d, "f.yaml");
    REQUIRE(parsed.ok());
    for (Manifest& m : *parsed) all.push_back(std::move(m));
  }
  const ReleaseInputs inputs = IndexReleaseInputs(all, "prod");
  for (const Manifest& m : all)
    if (m.kind == "HelmRelease") return HelmReleaseRevision(m, inputs);
  FAIL("no HelmRelease");
  return "";
}

TEST_CASE("a HelmRelease canary's revision covers chart and values and valuesFrom data but not metadata") {
  const std::vector<std::string> base = {Release("podinfo", "6.14.1", kFrom), kValuesCm + "data: {a: '1'}\n",
                                         kValuesSecret + "stringData: {b: '2'}\n"};
  const std::string at_base = RevisionOf(base);
  CHECK(at_base.size() == 16);
  struct Row {
    const char* name;
    std::vector<std::string> docs;
    bool changes;
  } rows[] = {
      {"the chart version", {Release("podinfo", "6.14.2", kFrom), base[1], base[2]}, true},
      {"a value", {Release("podinfo", "6.14.1", "    replicaCount: 3\n" + kFrom), base[1], base[2]}, true},
      {"a valuesFrom ConfigMap's data", {base[0], kValuesCm + "data: {a: '2'}\n", base[2]}, true},
      {"a valuesFrom Secret's data", {base[0], base[1], kValuesSecret + "stringData: {b: '3'}\n"}, true},
      {"the valuesFrom list", {Release("podinfo", "6.14.1", "  valuesFrom:\n  - {kind: ConfigMap, name: vals}\n"),
                               base[1], base[2]}, true},
      {"the HelmRelease's annotations",
       {Annotated(Release("podinfo", "6.14.1", kFrom)), base[1], base[2]},
       false},
      {"the HelmRelease's interval and install options",
       {Release("podinfo", "6.14.1", kFrom + "  install: {remediation: {retries: 3}}\n"), base[1], base[2]}, false},
      {"a ConfigMap the release does not read", {base[0], base[1], base[2], "apiVersion: v1\nkind: ConfigMap\n"
                                                 "metadata: {name: other, namespace: prod}\ndata: {x: y}\n"}, false},
  };
  for (const Row& row : rows) {
    INFO("row: " << row.name);
    CHECK((RevisionOf(row.docs) != at_base) == row.changes);
  }
}

TEST_CASE("a HelmRelease canary's revision follows the pin of a GitRepository source") {
  auto with = [](const std::string& tag) {
    return RevisionOf({"apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\n"
                       "metadata: {name: src, namespace: prod}\nspec: {ref: {tag: '" + tag + "'}}\n",
                       "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: podinfo, "
                       "namespace: prod}\nspec: {chart: {spec: {chart: c, sourceRef: {kind: GitRepository, name: src}}}}\n"});
  };
  CHECK(with("1.0.0") != with("1.0.1"));
  CHECK(with("1.0.0") == with("1.0.0"));
}

TEST_CASE("a HelmRelease canary's revision follows the digest and tag of an OCIRepository source") {
  auto with = [](const std::string& ref) {
    return RevisionOf({"apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\n"
                       "metadata: {name: src, namespace: prod}\nspec: {url: 'oci://r/c', ref: {" + ref + "}}\n",
                       "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: podinfo, "
                       "namespace: prod}\nspec: {chartRef: {kind: OCIRepository, name: src}}\n"});
  };
  CHECK(with("digest: 'sha256:aa'") != with("digest: 'sha256:bb'"));
  CHECK(with("tag: '1.0.0'") != with("tag: '1.0.1'"));
  CHECK(with("digest: 'sha256:aa'") == with("digest: 'sha256:aa'"));
}

TEST_CASE("the current snapshot records the spec of a Git or OCI chart source but not of a HelmRepository") {
  struct Row {
    std::string docs;
    bool recorded;
    const char* kind;
    const char* ns;  // as written on the source
  } rows[] = {
      {"apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: {name: src, namespace: prod}\n"
       "spec: {url: 'https://g/r', ref: {commit: abc}}\n---\napiVersion: helm.toolkit.fluxcd.io/v2\n"
       "kind: HelmRelease\nmetadata: {name: podinfo, namespace: prod}\n"
       "spec: {chart: {spec: {chart: c, sourceRef: {kind: GitRepository, name: src}}}}\n",
       true, "GitRepository", "prod"},
      {"apiVersion: source.toolkit.fluxcd.io/v1beta2\nkind: OCIRepository\nmetadata: {name: src}\n"
       "spec: {url: 'oci://r/c', ref: {digest: 'sha256:aa'}}\n---\napiVersion: helm.toolkit.fluxcd.io/v2\n"
       "kind: HelmRelease\nmetadata: {name: podinfo}\nspec: {chartRef: {kind: OCIRepository, name: src}}\n",
       true, "OCIRepository", ""},
      {Release() + "---\n" + kRepository, false, "", ""},
  };
  for (const Row& row : rows) {
    INFO("row: " << row.kind);
    auto parsed = ParseManifests(row.docs, "f.yaml");
    REQUIRE(parsed.ok());
    const ReleaseInputs inputs = IndexReleaseInputs(*parsed, "prod");
    const Manifest* release = nullptr;
    const Manifest* source = nullptr;
    for (const Manifest& m : *parsed) (m.kind == "HelmRelease" ? release : source) = &m;
    REQUIRE(release != nullptr);
    PromotedSnapshot snap = CurrentHelmReleaseSnapshot(*release, inputs);
    REQUIRE(snap.helm_release.has_value());
    REQUIRE(snap.helm_release->source.has_value() == row.recorded);
    if (!row.recorded) continue;
    const PinnedChartSource& s = *snap.helm_release->source;
    CHECK(s.kind == row.kind);
    CHECK(s.name == "src");
    CHECK(s.ns == row.ns);
    CHECK(s.api_version == source->api_version);
    CHECK(s.spec == *source->doc.Find("spec"));
  }
}

TEST_CASE("exact chart versions are told from ranges") {
  struct Row {
    const char* version;
    bool exact;
  } rows[] = {{"6.14.1", true}, {"v6.14.1", true}, {"1.0.0-rc.1", true}, {"1.0.0+build.1", true},
              {"6.x", false},   {"*", false},       {"^6.0.0", false},    {"~6.14", false},
              {">=6.0.0", false}, {"6.14", false},  {"", false},          {"6.14.1 || 6.14.2", false}};
  for (const Row& row : rows) {
    INFO("row: " << row.version);
    CHECK(ExactVersion(row.version) == row.exact);
  }
}

TEST_CASE("the current snapshot of a HelmRelease is its chart and values and its valuesFrom ConfigMaps' data") {
  auto parsed = ParseManifests(Release("podinfo", "6.14.1", kFrom) + "---\n" + kValuesCm + "data: {a: '1'}\n", "f.yaml");
  REQUIRE(parsed.ok());
  const ReleaseInputs inputs = IndexReleaseInputs(*parsed, "prod");
  PromotedSnapshot snap = CurrentHelmReleaseSnapshot(parsed->front(), inputs);
  REQUIRE(snap.helm_release.has_value());
  CHECK(snap.helm_release->chart_key == "chart");
  CHECK(snap.helm_release->chart.Path({"spec", "version"})->value == "6.14.1");
  CHECK(snap.helm_release->values.Path({"service", "enabled"})->value == "false");
  REQUIRE(snap.config_maps.count("vals") == 1);
  CHECK(snap.config_maps["vals"].Find("a")->value == "1");
  CHECK(snap.template_.IsNull());
}

TEST_CASE("promoted.helmRelease round-trips through the status") {
  const std::string body =
      "phase: Progressing\ncanaryWeight: 10\npromoted:\n  helmRelease:\n"
      "    chartRef: {kind: OCIRepository, name: podinfo}\n    values: {replicaCount: 2}\n"
      "  configMaps:\n    vals: {a: '1'}\n";
  auto docs = yaml::ParseYamlStream(body, "s.yaml");
  REQUIRE(docs.ok());
  auto st = ParseStatusBody(docs->front(), "s.yaml", "status");
  REQUIRE_MESSAGE(st.ok(), st.status().message());
  REQUIRE(st->promoted->helm_release.has_value());
  CHECK(st->promoted->helm_release->chart_key == "chartRef");
  CHECK(st->promoted->helm_release->values.Find("replicaCount")->value == "2");
  const yaml::Node out = StatusToNode(*st);
  CHECK(out.Path({"promoted", "template"}) == nullptr);
  CHECK(out.Path({"promoted", "helmRelease", "chartRef", "name"})->value == "podinfo");
  auto again = ParseStatusBody(out, "s.yaml", "status");
  REQUIRE(again.ok());
  CHECK(StatusToNode(*again) == out);
}

TEST_CASE("promoted.helmRelease.source round-trips through the status") {
  const std::string body =
      "phase: Succeeded\npromoted:\n  helmRelease:\n"
      "    chart: {spec: {chart: c, sourceRef: {kind: GitRepository, name: src, namespace: flux}}}\n"
      "    values: {}\n    source:\n      apiVersion: source.toolkit.fluxcd.io/v1\n      kind: GitRepository\n"
      "      name: src\n      namespace: flux\n"
      "      spec: {url: 'https://g/r', ref: {tag: v1.0.0}, secretRef: {name: auth}, interval: 1m}\n";
  auto docs = yaml::ParseYamlStream(body, "s.yaml");
  REQUIRE(docs.ok());
  auto st = ParseStatusBody(docs->front(), "s.yaml", "status");
  REQUIRE_MESSAGE(st.ok(), st.status().message());
  REQUIRE(st->promoted->helm_release->source.has_value());
  const PinnedChartSource& s = *st->promoted->helm_release->source;
  CHECK(s.api_version == "source.toolkit.fluxcd.io/v1");
  CHECK(s.kind == "GitRepository");
  CHECK(s.name == "src");
  CHECK(s.ns == "flux");
  CHECK(s.spec.Path({"ref", "tag"})->value == "v1.0.0");
  CHECK(s.spec.Path({"secretRef", "name"})->value == "auth");
  const yaml::Node out = StatusToNode(*st);
  CHECK(out.Path({"promoted", "helmRelease", "source", "spec", "ref", "tag"})->value == "v1.0.0");
  CHECK(*out.Path({"promoted", "helmRelease"}) == *docs->front().Path({"promoted", "helmRelease"}));
  auto again = ParseStatusBody(out, "s.yaml", "status");
  REQUIRE(again.ok());
  CHECK(StatusToNode(*again) == out);
}

TEST_CASE("a bad promoted.helmRelease is an error at its field") {
  struct Row {
    const char* promoted;
    const char* error;
  } rows[] = {
      {"  helmRelease: {values: {}}\n",
       "s.yaml:3:16: status.promoted.helmRelease: expected exactly one of chart and chartRef"},
      {"  helmRelease: {chart: {a: 1}, chartRef: {b: 2}, values: {}}\n",
       "s.yaml:3:42: status.promoted.helmRelease: expected exactly one of chart and chartRef"},
      {"  helmRelease: {chart: {}}\n", "s.yaml:3:24: status.promoted.helmRelease.chart: expected the promoted chart"},
      {"  helmRelease: {chart: {a: 1}, values: [1]}\n", "s.yaml:3:40: status.promoted.helmRelease.values: expected"},
      {"  helmRelease: {chart: {a: 1}, other: 1}\n", "s.yaml:3:32: status.promoted.helmRelease.other: unknown field"},
      {"  helmRelease: {chart: {a: 1}}\n  template: {spec: {containers: [{name: c}]}}\n",
       "s.yaml:4:13: status.promoted.template: a HelmRelease canary's snapshot is promoted.helmRelease"},
      {"  helmRelease:\n    chartRef: {kind: OCIRepository, name: a}\n    source: [1]\n",
       "s.yaml:5:13: status.promoted.helmRelease.source: expected a mapping"},
      {"  helmRelease:\n    chartRef: {kind: OCIRepository, name: a}\n"
       "    source: {apiVersion: v1, kind: OCIRepository, name: a, spec: {url: u}, x: 1}\n",
       "s.yaml:5:76: status.promoted.helmRelease.source.x: unknown field"},
      {"  helmRelease:\n    chartRef: {kind: OCIRepository, name: a}\n"
       "    source: {kind: OCIRepository, name: a, spec: {url: u}}\n",
       "s.yaml:5:13: status.promoted.helmRelease.source.apiVersion: missing"},
      {"  helmRelease:\n    chartRef: {kind: HelmChart, name: a}\n"
       "    source: {apiVersion: v1, kind: HelmChart, name: a, spec: {version: 1.0.0}}\n",
       "s.yaml:5:36: status.promoted.helmRelease.source.kind: expected GitRepository or OCIRepository, got HelmChart"},
      {"  helmRelease:\n    chartRef: {kind: OCIRepository, name: a}\n"
       "    source: {apiVersion: v1, kind: OCIRepository, name: b, spec: {url: u}}\n",
       "s.yaml:5:13: status.promoted.helmRelease.source: is OCIRepository b, but the promoted chartRef reads "
       "OCIRepository a"},
      {"  helmRelease:\n    chartRef: {kind: OCIRepository, name: a}\n"
       "    source: {apiVersion: v1, kind: OCIRepository, name: a, spec: {}}\n",
       "s.yaml:5:13: status.promoted.helmRelease.source.spec: missing"},
  };
  for (const Row& row : rows) {
    INFO("row: " << row.promoted);
    auto docs = yaml::ParseYamlStream(std::string("phase: Succeeded\npromoted:\n") + row.promoted, "s.yaml");
    REQUIRE(docs.ok());
    auto st = ParseStatusBody(docs->front(), "s.yaml", "status");
    REQUIRE_FALSE(st.ok());
    CHECK_MESSAGE(st.status().message().rfind(row.error, 0) == 0, st.status().message());
  }
}

}  // namespace
}  // namespace gitcanary::render
