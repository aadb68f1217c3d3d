// Tests of the primary release's copy of a GitRepository or OCIRepository
// chart source: per phase and per pin kind, H-primary reads the copy
// <H>-primary-source, which carries the promoted pin while the user's source
// (read by the canary release) carries the new one; a status written before
// the source was recorded renders with the shared source and an --explain
// line; a user object named like the copy is an error.
#include <doctest/doctest.h>

#include "render/helm_release/test_app.h"

namespace gitcanary::render {
namespace {

using namespace helm_test;
using yaml::Node;

std::string Scalar(const Node& doc, std::initializer_list<std::string_view> path) {
  const Node* n = doc.Path(path);
  return n != nullptr && n->IsScalar() ? n->value : "<none>";
}

// One way of pinning a chart: the user's source at the new pin, the release reading it, and
// the status's promoted.helmRelease (indented 4) naming the same source at the old pin.
struct Pin {
  const char* name;
  std::string source;            // the user's source object, new pin
  std::string release;           // HelmRelease podinfo reading it
  std::string promoted;          // promoted.helmRelease body, old pin, source included
  std::string promoted_no_source;  // the same without `source` (an older status)
  const char* kind;
  std::vector<std::string_view> pin_path;  // where the pin is in the source
  const char* new_pin;
  const char* old_pin;
  std::vector<std::string_view> ref_name;  // where H-primary names its source
};

const std::string kRelease =
    "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: podinfo, namespace: prod}\n"
    "spec:\n  interval: 5m\n";

std::vector<Pin> Pins() {
  const std::string git_chart = "    chart: {spec: {chart: charts/podinfo, sourceRef: {kind: GitRepository, name: podinfo}}}\n"
                                "    values: {replicaCount: 2}\n";
  const std::string oci_chart = "    chartRef: {kind: OCIRepository, name: podinfo}\n    values: {replicaCount: 2}\n";
  auto git = [](const std::string& ref) {
    return "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: {name: podinfo, namespace: prod}\n"
           "spec: {interval: 1m, url: 'https://github.com/stefanprodan/podinfo', ref: {" + ref + "}}\n";
  };
  auto git_promoted = [&](const std::string& ref) {
    return git_chart + "    source:\n      apiVersion: source.toolkit.fluxcd.io/v1\n      kind: GitRepository\n"
                       "      name: podinfo\n      namespace: prod\n"
                       "      spec: {interval: 1m, url: 'https://github.com/stefanprodan/podinfo', ref: {" + ref + "}}\n";
  };
  const std::string git_release =
      kRelease + "  chart:\n    spec:\n      chart: charts/podinfo\n      sourceRef: {kind: GitRepository, name: podinfo}\n";
  const std::string oci_release = kRelease + "  chartRef: {kind: OCIRepository, name: podinfo}\n";
  return {
      {"GitRepository by tag", git("tag: 6.14.1"), git_release, git_promoted("tag: 6.14.0"), git_chart,
       "GitRepository", {"spec", "ref", "tag"}, "6.14.1", "6.14.0", {"spec", "chart", "spec", "sourceRef", "name"}},
      {"GitRepository by commit", git("commit: bbbb"), git_release, git_promoted("commit: aaaa"), git_chart,
       "GitRepository", {"spec", "ref", "commit"}, "bbbb", "aaaa", {"spec", "chart", "spec", "sourceRef", "name"}},
      {"OCIRepository by digest",
       "apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata: {name: podinfo, namespace: prod}\n"
       "spec: {interval: 1m, url: 'oci://ghcr.io/stefanprodan/charts/podinfo', ref: {digest: 'sha256:bbbb'}}\n",
       oci_release,
       oci_chart + "    source:\n      apiVersion: source.toolkit.fluxcd.io/v1\n      kind: OCIRepository\n"
                   "      name: podinfo\n      namespace: prod\n      spec: {interval: 1m, url: "
                   "'oci://ghcr.io/stefanprodan/charts/podinfo', ref: {digest: 'sha256:aaaa'}}\n",
       oci_chart, "OCIRepository", {"spec", "ref", "digest"}, "sha256:bbbb", "sha256:aaaa", {"spec", "chartRef", "name"}},
  };
}

Result<RenderResult> RenderPin(const Pin& pin, const std::string& status_body) {
  std::vector<std::string> docs = {pin.source, pin.release, Canary()};
  if (!status_body.empty()) docs.push_back(Status(status_body));
  return RenderDocs(docs, Mode::kGit);
}

// The status body of `phase` with promoted.helmRelease `release` (indented 4, as Pin has it).
std::string PhaseStatus(const std::string& phase, const std::string& release) {
  std::string indented;
  std::size_t start = 0;
  for (std::size_t nl; (nl = release.find('\n', start)) != std::string::npos; start = nl + 1)
    indented += "  " + release.substr(start, nl + 1 - start);
  return "  phase: " + phase + "\n  promoted:\n    helmRelease:\n" + indented;
}

std::string PinAt(const Node& doc, const std::vector<std::string_view>& path) {
  const Node* at = &doc;
  for (std::string_view key : path) {
    at = at->Find(key);
    if (at == nullptr) return "<none>";
  }
  return at->IsScalar() ? at->value : "<none>";
}

TEST_CASE("the primary release reads a copy of its Git or OCI chart source pinned as promoted in every phase") {
  const char* phases[] = {"Initialized", "Waiting",   "Progressing", "WaitingPromotion",
                          "Promoting",   "Finalising", "Succeeded",   "Failed"};
  for (const Pin& pin : Pins()) {
    for (const char* phase : phases) {
      INFO("pin: " << pin.name);
      INFO("phase: " << phase);
      auto r = RenderPin(pin, PhaseStatus(phase, pin.promoted));
      REQUIRE_MESSAGE(r.ok(), r.status().message());
      const Manifest* primary = FindObject(*r, "HelmRelease", "podinfo-primary");
      const Manifest* canary = FindObject(*r, "HelmRelease", "podinfo");
      const Manifest* copy = FindObject(*r, pin.kind, "podinfo-primary-source");
      const Manifest* user = FindObject(*r, pin.kind, "podinfo");
      REQUIRE(primary != nullptr);
      REQUIRE(canary != nullptr);
      REQUIRE(copy != nullptr);
      REQUIRE(user != nullptr);
      CHECK(PinAt(primary->doc, pin.ref_name) == "podinfo-primary-source");
      CHECK(PinAt(canary->doc, pin.ref_name) == "podinfo");
      CHECK(PinAt(copy->doc, pin.pin_path) == pin.old_pin);
      CHECK(PinAt(user->doc, pin.pin_path) == pin.new_pin);
      // the copy: same apiVersion and namespace, the promoted spec, the status annotations
      CHECK(copy->api_version == "source.toolkit.fluxcd.io/v1");
      CHECK(copy->ns == "prod");
      CHECK(Scalar(copy->doc, {"spec", "interval"}) == "1m");
      CHECK(Scalar(copy->doc, {"metadata", "annotations", "gitcanary.io/phase"}) == phase);
      CHECK(Scalar(copy->doc, {"metadata", "annotations", "gitcanary.io/revision"}) ==
            Scalar(primary->doc, {"metadata", "annotations", "gitcanary.io/revision"}));
    }
  }
}

TEST_CASE("before any status the primary's source copy carries the user's current pin") {
  for (const Pin& pin : Pins()) {
    INFO("pin: " << pin.name);
    auto r = RenderPin(pin, "");
    REQUIRE_MESSAGE(r.ok(), r.status().message());
    const Manifest* copy = FindObject(*r, pin.kind, "podinfo-primary-source");
    REQUIRE(copy != nullptr);
    CHECK(PinAt(copy->doc, pin.pin_path) == pin.new_pin);
    CHECK(PinAt(FindObject(*r, "HelmRelease", "podinfo-primary")->doc, pin.ref_name) == "podinfo-primary-source");
  }
}

TEST_CASE("a status without the promoted source renders the primary from the shared source and explains it") {
  for (const Pin& pin : Pins()) {
    INFO("pin: " << pin.name);
    auto r = RenderPin(pin, PhaseStatus("Succeeded", pin.promoted_no_source));
    REQUIRE_MESSAGE(r.ok(), r.status().message());
    CHECK(FindObject(*r, pin.kind, "podinfo-primary-source") == nullptr);
    CHECK(PinAt(FindObject(*r, "HelmRelease", "podinfo-primary")->doc, pin.ref_name) == "podinfo");
    int lines = 0;
    for (const std::string& e : r->explain)
      if (e.rfind("Canary prod/podinfo: the promoted snapshot has no source", 0) == 0) {
        ++lines;
        CHECK(e.find(std::string(pin.kind) + " podinfo of HelmRelease podinfo") != std::string::npos);
      }
    CHECK(lines == 1);
  }
}

TEST_CASE("a HelmRepository chart gets no source copy and no shared-source explain line") {
  auto r = RenderDocs({kRepository, Release(), Canary(), Status("  phase: Succeeded\n" + kPromoted)}, Mode::kGit);
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  for (const Manifest& m : r->objects) CHECK(m.name != "podinfo-primary-source");
  for (const std::string& e : r->explain) CHECK(e.find("has no source") == std::string::npos);
}

TEST_CASE("a user's source named like the primary's copy is an error at its name") {
  const Pin pin = Pins().front();
  const std::string taken =
      "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: {name: podinfo-primary-source, "
      "namespace: prod}\nspec: {url: 'https://example.com/x', ref: {tag: '1.0.0'}}\n";
  auto r = RenderDocs({pin.source, pin.release, Canary(), taken}, Mode::kGit);
  REQUIRE_FALSE(r.ok());
  CHECK_MESSAGE(r.status().message().rfind("f3.yaml:3:18: metadata.name: GitRepository podinfo-primary-source is the "
                                           "name of the primary release's copy of GitRepository podinfo; rename it",
                                           0) == 0,
                r.status().message());
}

}  // namespace
}  // namespace gitcanary::render
