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
