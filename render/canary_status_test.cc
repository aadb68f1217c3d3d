// Tests for the status of record: the CanaryStatus document, the Canary
// annotation form, validation errors (places counted by hand from the inline
// YAML) and the StatusToNode round trip.
#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "render/canary_status.h"
#include "render/loader.h"
#include "render/yaml_emit.h"

namespace gitcanary::render {
namespace {

using yaml::Node;

constexpr const char* kFile = "status.yaml";

// Lines 1-5; a body given to StatusDoc starts on line 6.
std::string StatusDoc(std::string_view body, std::string_view api = "gitcanary.io/v1alpha1") {
  return "apiVersion: " + std::string(api) + "\nkind: CanaryStatus\nmetadata:\n  name: web\nstatus:\n" +
         std::string(body);
}

// A minimal valid promoted snapshot (5 lines).
const std::string kPromoted =
    "  promoted:\n    template:\n      spec:\n        containers:\n        - {name: web, image: web:1}\n";

Manifest ParseOne(const std::string& text, const char* file = kFile) {
  auto parsed = ParseManifests(text, file);
  REQUIRE_MESSAGE(parsed.ok(), parsed.status().message());
  REQUIRE(parsed->size() == 1);
  return (*parsed)[0];
}

StatusRecord ParseDoc(const std::string& text) {
  auto r = ParseStatusDocument(ParseOne(text));
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  return *r;
}

std::string DocError(const std::string& text) {
  auto r = ParseStatusDocument(ParseOne(text));
  REQUIRE_FALSE(r.ok());
  return r.status().message();
}

std::vector<std::string> Keys(const Node& map) {
  std::vector<std::string> out;
  for (const yaml::Field& f : map.fields) out.push_back(f.key);
  return out;
}

void CheckSameStatus(const CanaryStatus& a, const CanaryStatus& b) {
  CHECK(a.phase == b.phase);
  CHECK(a.canary_weight == b.canary_weight);
  CHECK(a.failed_checks == b.failed_checks);
  CHECK(a.iterations == b.iterations);
  CHECK(a.last_applied_spec == b.last_applied_spec);
  CHECK(a.last_promoted_spec == b.last_promoted_spec);
  CHECK(a.tracked_configs == b.tracked_configs);
  CHECK(a.last_transition_time == b.last_transition_time);
  REQUIRE(a.conditions.size() == b.conditions.size());
  for (std::size_t i = 0; i < a.conditions.size(); ++i) {
    CHECK(a.conditions[i].type == b.conditions[i].type);
    CHECK(a.conditions[i].status == b.conditions[i].status);
    CHECK(a.conditions[i].reason == b.conditions[i].reason);
    CHECK(a.conditions[i].message == b.conditions[i].message);
    CHECK(a.conditions[i].last_transition_time == b.conditions[i].last_transition_time);
  }
  REQUIRE(a.promoted.has_value() == b.promoted.has_value());
  if (a.promoted) {
    CHECK(a.promoted->template_ == b.promoted->template_);
    CHECK(a.promoted->config_maps == b.promoted->config_maps);
  }
}

const std::string kFullDoc =
    "apiVersion: gitcanary.io/v1alpha1\n"
    "kind: CanaryStatus\n"
    "metadata:\n"
    "  name: web\n"
    "  namespace: shop\n"
    "status:\n"
    "  phase: Progressing\n"
    "  canaryWeight: 20\n"
    "  failedChecks: 1\n"
    "  iterations: 3\n"
    "  lastAppliedSpec: \"8f2a0c1d3e4b5a69\"\n"
    "  lastPromotedSpec: \"0123456789012345\"\n"
    "  trackedConfigs:\n"
    "    configmap/web-config: \"aaaaaaaaaaaaaaaa\"\n"
    "    secret/web-secret: \"bbbbbbbbbbbbbbbb\"\n"
    "  lastTransitionTime: \"2024-05-01T10:00:00Z\"\n"
    "  conditions:\n"
    "  - type: Promoted\n"
    "    status: \"Unknown\"\n"
    "    reason: Progressing\n"
    "    message: New revision detected, progressing canary analysis.\n"
    "    lastTransitionTime: \"2024-05-01T10:00:00Z\"\n"
    "  promoted:\n"
    "    template:\n"
    "      metadata:\n"
    "        labels: {app: web}\n"
    "      spec:\n"
    "        containers:\n"
    "        - name: web\n"
    "          image: ghcr.io/acme/web:1.0.0\n"
    "          ports: [{containerPort: 8080}]\n"
    "    configMaps:\n"
    "      web-config:\n"
    "        LOG_LEVEL: info\n"
    "        WORKERS: \"4\"\n";

TEST_CASE("phase names are Flagger's spellings and parse back") {
  CHECK(PhaseName(Phase::kWaitingPromotion) == "WaitingPromotion");
  CHECK(PhaseName(Phase::kFinalising) == "Finalising");
  for (Phase p : {Phase::kInitializing, Phase::kInitialized, Phase::kWaiting, Phase::kProgressing,
                  Phase::kWaitingPromotion, Phase::kPromoting, Phase::kFinalising, Phase::kSucceeded,
                  Phase::kFailed}) {
    auto back = ParsePhase(PhaseName(p));
    REQUIRE(back.has_value());
    CHECK(*back == p);
  }
  CHECK_FALSE(ParsePhase("Finalizing").has_value());
  CHECK_FALSE(ParsePhase("progressing").has_value());
}

TEST_CASE("a full status document is read field by field") {
  StatusRecord rec = ParseDoc(kFullDoc);
  CHECK(rec.name == "web");
  CHECK(rec.ns == "shop");
  CHECK(rec.file == kFile);
  const CanaryStatus& s = rec.status;
  CHECK(s.phase == Phase::kProgressing);
  CHECK(s.canary_weight == 20);
  CHECK(s.failed_checks == 1);
  CHECK(s.iterations == 3);
  CHECK(s.last_applied_spec == "8f2a0c1d3e4b5a69");
  CHECK(s.last_promoted_spec == "0123456789012345");
  CHECK(s.tracked_configs == std::map<std::string, std::string>{{"configmap/web-config", "aaaaaaaaaaaaaaaa"},
                                                               {"secret/web-secret", "bbbbbbbbbbbbbbbb"}});
  CHECK(s.last_transition_time == "2024-05-01T10:00:00Z");
  REQUIRE(s.conditions.size() == 1);
  CHECK(s.conditions[0].type == "Promoted");
  CHECK(s.conditions[0].status == "Unknown");
  CHECK(s.conditions[0].reason == "Progressing");
  CHECK(s.conditions[0].message == "New revision detected, progressing canary analysis.");
  REQUIRE(s.promoted.has_value());
  const Node* image = s.promoted->template_.Path({"spec", "containers"});
  REQUIRE(image != nullptr);
  CHECK(image->items.at(0).Find("image")->value == "ghcr.io/acme/web:1.0.0");
  REQUIRE(s.promoted->config_maps.count("web-config") == 1);
  const Node& data = s.promoted->config_maps.at("web-config");
  CHECK(Keys(data) == std::vector<std::string>{"LOG_LEVEL", "WORKERS"});
  CHECK(data.Find("WORKERS")->IsStringScalar());
}

TEST_CASE("a full status round-trips through StatusToNode, as a node and as YAML text") {
  StatusRecord rec = ParseDoc(kFullDoc);
  Node body = StatusToNode(rec.status);
  CHECK(Keys(body) == std::vector<std::string>{"phase", "canaryWeight", "failedChecks", "iterations",
                                               "lastAppliedSpec", "lastPromotedSpec", "trackedConfigs",
                                               "lastTransitionTime", "conditions", "promoted"});
  CHECK(Keys(*body.Find("promoted")) == std::vector<std::string>{"template", "configMaps"});
  CHECK(body.Find("phase")->style == yaml::Style::kQuoted);
  CHECK(body.Find("canaryWeight")->AsInt() == 20);
  auto again = ParseStatusBody(body, "generated", "status");
  REQUIRE_MESSAGE(again.ok(), again.status().message());
  CheckSameStatus(*again, rec.status);

  // Written out and read back as a document: the checksums stay strings even
  // when they are all digits ("0123456789012345").
  Node doc = Node::Mapping();
  doc.Set("apiVersion", Node::String(std::string(kStatusApiVersion)));
  doc.Set("kind", Node::String(std::string(kStatusKind)));
  doc.Set("metadata", Node::Mapping()).Set("name", Node::String("web"));
  doc.Set("status", body);
  std::string text;
  yaml::EmitYaml(doc, &text);
  CheckSameStatus(ParseDoc(text).status, rec.status);
}

TEST_CASE("StatusToNode leaves out empty strings, maps, lists and an absent snapshot") {
  CanaryStatus s;  // Initializing, no snapshot
  Node body = StatusToNode(s);
  CHECK(Keys(body) == std::vector<std::string>{"phase", "canaryWeight", "failedChecks", "iterations"});
  CHECK(body.Find("phase")->value == "Initializing");
  auto back = ParseStatusBody(body, "generated", "status");
  REQUIRE_MESSAGE(back.ok(), back.status().message());
  CheckSameStatus(*back, s);
}

TEST_CASE("promoted is optional while Initializing and required in every other phase") {
  StatusRecord init = ParseDoc(StatusDoc("  phase: Initializing\n"));
  CHECK(init.status.phase == Phase::kInitializing);
  CHECK_FALSE(init.status.promoted.has_value());
  // The status mapping starts at line 6, column 3.
  CHECK(DocError(StatusDoc("  phase: Progressing\n  canaryWeight: 10\n")) ==
        "status.yaml:6:3: status.promoted: promoted snapshot missing: phase Progressing needs "
        "status.promoted (the pod template the primary is rendered from)");
  CHECK(DocError(StatusDoc("  phase: Succeeded\n")).find("phase Succeeded needs status.promoted") !=
        std::string::npos);
  StatusRecord waiting = ParseDoc(StatusDoc("  phase: Initialized\n" + kPromoted));
  CHECK(waiting.status.promoted.has_value());
}

TEST_CASE("an unknown phase is an error listing the phases") {
  CHECK(DocError(StatusDoc("  phase: Progresing\n" + kPromoted)) ==
        "status.yaml:6:10: status.phase: unknown phase \"Progresing\"; expected one of Initializing, "
        "Initialized, Waiting, Progressing, WaitingPromotion, Promoting, Finalising, Succeeded, Failed");
  CHECK(DocError(StatusDoc("  canaryWeight: 0\n")).starts_with("status.yaml:6:3: status.phase: missing; expected one of"));
}

TEST_CASE("canaryWeight must be between 0 and 100") {
  // "  canaryWeight: " is 16 characters: the value is at column 17 of line 7.
  CHECK(DocError(StatusDoc("  phase: Progressing\n  canaryWeight: 150\n" + kPromoted)) ==
        "status.yaml:7:17: status.canaryWeight: must be between 0 and 100, got 150");
  CHECK(DocError(StatusDoc("  phase: Progressing\n  canaryWeight: -1\n" + kPromoted)) ==
        "status.yaml:7:17: status.canaryWeight: must be between 0 and 100, got -1");
  CHECK(ParseDoc(StatusDoc("  phase: Progressing\n  canaryWeight: 100\n" + kPromoted)).status.canary_weight == 100);
}

TEST_CASE("failedChecks and iterations are non-negative integers") {
  CHECK(DocError(StatusDoc("  phase: Progressing\n  failedChecks: two\n" + kPromoted)) ==
        "status.yaml:7:17: status.failedChecks: expected an integer, got string \"two\"");
  CHECK(DocError(StatusDoc("  phase: Progressing\n  iterations: -3\n" + kPromoted)) ==
        "status.yaml:7:15: status.iterations: must not be negative, got -3");
  CHECK(DocError(StatusDoc("  phase: Progressing\n  failedChecks: \"2\"\n" + kPromoted)) ==
        "status.yaml:7:17: status.failedChecks: expected an integer, got string \"2\"");
}

TEST_CASE("an unknown key is a typo error at the key, listing the allowed ones") {
  CHECK(DocError(StatusDoc("  phase: Progressing\n  canaryWieght: 10\n" + kPromoted)) ==
        "status.yaml:7:3: status.canaryWieght: unknown field; expected one of phase, canaryWeight, "
        "failedChecks, iterations, lastAppliedSpec, lastPromotedSpec, trackedConfigs, lastTransitionTime, "
        "conditions, approvedRevision, sessionAffinityCookie, primarySessionAffinityCookie, "
                 "previousSessionAffinityCookie, promoted");
  // Inside a condition, too.
  CHECK(DocError(StatusDoc("  phase: Initializing\n  conditions:\n  - type: Promoted\n    resaon: x\n")) ==
        "status.yaml:9:5: status.conditions[0].resaon: unknown field; expected one of type, status, reason, "
        "message, lastTransitionTime");
  // And inside the snapshot: kPromoted fills lines 7-11, so this is line 12.
  CHECK(DocError(StatusDoc("  phase: Progressing\n" + kPromoted + "    configMap: {}\n")) ==
        "status.yaml:12:5: status.promoted.configMap: unknown field; expected one of template, helmRelease, configMaps, binaryData");
}

TEST_CASE("a status body that is not a mapping, or a condition with a non-string, is an error") {
  CHECK(DocError(StatusDoc("  - phase: Progressing\n")) == "status.yaml:6:3: status: expected a mapping, got list");
  CHECK(DocError(StatusDoc("  phase: Initializing\n  conditions:\n  - type: Promoted\n    status: True\n")) ==
        "status.yaml:9:13: status.conditions[0].status: expected a string, got boolean True");
}

TEST_CASE("trackedConfigs keys name a configmap/ or secret/") {
  CHECK(DocError(StatusDoc("  phase: Initializing\n  trackedConfigs:\n    web-config: abc\n")) ==
        "status.yaml:8:5: status.trackedConfigs.web-config: expected a key of the form configmap/NAME or "
        "secret/NAME");
  CHECK(DocError(StatusDoc("  phase: Initializing\n  trackedConfigs:\n    configmap/: abc\n"))
            .starts_with("status.yaml:8:5: status.trackedConfigs.configmap/: expected a key of the form"));
  CHECK(DocError(StatusDoc("  phase: Initializing\n  trackedConfigs:\n    secret/db: 12\n")) ==
        "status.yaml:8:16: status.trackedConfigs.secret/db: expected a string, got integer 12");
}

TEST_CASE("promoted.template must be a pod template with containers") {
  CHECK(DocError(StatusDoc("  phase: Progressing\n  promoted:\n    template:\n      spec:\n"
                           "        restartPolicy: Always\n")) ==
        "status.yaml:10:9: status.promoted.template.spec.containers: a pod template needs at least one container");
  // "        containers: " is 20 characters.
  CHECK(DocError(StatusDoc("  phase: Progressing\n  promoted:\n    template:\n      spec:\n"
                           "        containers: []\n")) ==
        "status.yaml:10:21: status.promoted.template.spec.containers: a pod template needs at least one container");
  CHECK(DocError(StatusDoc("  phase: Progressing\n  promoted:\n    template:\n      metadata: {}\n")) ==
        "status.yaml:9:7: status.promoted.template.spec: missing; a pod template needs spec.containers");
  CHECK(DocError(StatusDoc("  phase: Progressing\n  promoted:\n    configMaps: {}\n")) ==
        "status.yaml:8:5: status.promoted.template: missing; the pod template the primary is rendered from");
}

TEST_CASE("a promoted snapshot never holds secrets") {
  CHECK(DocError(StatusDoc("  phase: Progressing\n" + kPromoted + "    secrets:\n      db: {password: aHVudGVyMg==}\n")) ==
        "status.yaml:12:5: status.promoted.secrets: Secret data never enters status; secrets are tracked by "
        "checksum in trackedConfigs");
}

TEST_CASE("a newer or unknown status apiVersion asks for an upgrade") {
  // "apiVersion: " is 12 characters: the value is at 1:13.
  CHECK(DocError(StatusDoc("  phase: Initializing\n", "gitcanary.io/v1beta1")) ==
        "status.yaml:1:13: apiVersion: status written by a newer or unknown schema version gitcanary.io/v1beta1; "
        "this gitcanary reads gitcanary.io/v1alpha1 (upgrade gitcanary)");
  CHECK(DocError(StatusDoc("  phase: Initializing\n", "gitcanary.io/v2")) ==
        "status.yaml:1:13: apiVersion: status written by a newer or unknown schema version gitcanary.io/v2; "
        "this gitcanary reads gitcanary.io/v1alpha1 (upgrade gitcanary)");
  CHECK(IsStatusDocument(ParseOne(StatusDoc("  phase: Initializing\n", "gitcanary.io/v2"))));
}

TEST_CASE("only kind CanaryStatus in the gitcanary.io group is a status document") {
  CHECK(IsStatusDocument(ParseOne(StatusDoc("  phase: Initializing\n"))));
  Manifest other_group = ParseOne(StatusDoc("  phase: Initializing\n", "flagger.app/v1beta1"));
  CHECK_FALSE(IsStatusDocument(other_group));
  auto r = ParseStatusDocument(other_group);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message() ==
        "status.yaml:1:1: not a CanaryStatus document (apiVersion flagger.app/v1beta1, kind CanaryStatus)");
  CHECK_FALSE(IsStatusDocument(ParseOne("apiVersion: gitcanary.io/v1alpha1\nkind: Config\nmetadata: {name: x}\n")));
  CHECK_FALSE(IsStatusDocument(ParseOne("apiVersion: v1\nkind: CanaryStatus\nmetadata: {name: web}\n")));
}

TEST_CASE("a status document needs metadata.name and a status, and no stray top-level keys") {
  // The loader already refuses an object without metadata.name; a document
  // built in memory can still lack it.
  Manifest nameless = ParseOne("apiVersion: gitcanary.io/v1alpha1\nkind: CanaryStatus\n"
                               "metadata: {name: web, namespace: shop}\nstatus: {phase: Initializing}\n");
  nameless.doc.Find("metadata")->Erase("name");
  nameless.RefreshIdentity();
  auto r = ParseStatusDocument(nameless);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message() == "status.yaml:3:11: metadata.name: missing; the name of the Canary this status belongs to");
  CHECK(DocError("apiVersion: gitcanary.io/v1alpha1\nkind: CanaryStatus\nmetadata: {name: web}\n") ==
        "status.yaml:1:1: status: missing");
  CHECK(DocError("apiVersion: gitcanary.io/v1alpha1\nkind: CanaryStatus\nmetadata: {name: web}\n"
                 "stauts: {phase: Initializing}\n") ==
        "status.yaml:4:1: stauts: unknown field; expected one of apiVersion, kind, metadata, status");
}

// Lines 1-6; the annotation value is on line 7 at column 26.
std::string CanaryWithAnnotation(std::string_view value) {
  return "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: web\n  namespace: shop\n"
         "  annotations:\n    gitcanary.io/status: " +
         std::string(value) + "\nspec: {}\n";
}

const std::string kAnnotationJson =
    R"('{"phase":"Progressing","canaryWeight":10,"promoted":{"template":{"spec":{"containers":)"
    R"([{"name":"web","image":"web:1"}]}},"configMaps":{"web-config":{"LOG_LEVEL":"info"}}}}')";

Result<std::optional<StatusRecord>> ParseAnnotation(std::string_view value) {
  return ParseStatusAnnotation(ParseOne(CanaryWithAnnotation(value), "canary.yaml"));
}

TEST_CASE("the annotation form parses to the same status as the document form") {
  auto from_annotation = ParseAnnotation(kAnnotationJson);
  REQUIRE_MESSAGE(from_annotation.ok(), from_annotation.status().message());
  REQUIRE(from_annotation->has_value());
  const StatusRecord& rec = **from_annotation;
  CHECK(rec.name == "web");
  CHECK(rec.ns == "shop");
  CHECK(rec.file == "canary.yaml");
  CHECK(rec.mark.line == 7);
  CHECK(rec.mark.column == 26);

  StatusRecord doc = ParseDoc(StatusDoc(
      "  phase: Progressing\n  canaryWeight: 10\n  promoted:\n    template:\n      spec:\n"
      "        containers:\n        - name: web\n          image: web:1\n"
      "    configMaps:\n      web-config:\n        LOG_LEVEL: info\n"));
  CheckSameStatus(rec.status, doc.status);
  CHECK(rec.status.canary_weight == 10);
}

TEST_CASE("a Canary without the annotation has no status") {
  auto none = ParseStatusAnnotation(ParseOne("apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata: {name: web}\n"));
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());
  auto other = ParseStatusAnnotation(ParseOne(
      "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: web\n  annotations: {team: a}\n"));
  REQUIRE(other.ok());
  CHECK_FALSE(other->has_value());
}

TEST_CASE("a malformed annotation is an error naming the Canary's file and the annotation") {
  auto bad = ParseAnnotation(R"('{"phase":"Progressing",')");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().starts_with(
      "canary.yaml:7:26: metadata.annotations.gitcanary.io/status: not a valid JSON object: at 1:"));

  auto scalar = ParseAnnotation("'Progressing'");
  REQUIRE_FALSE(scalar.ok());
  CHECK(scalar.status().message() ==
        "canary.yaml:7:26: metadata.annotations.gitcanary.io/status: expected a JSON object, got string "
        "\"Progressing\"");

  auto empty = ParseAnnotation("''");
  REQUIRE_FALSE(empty.ok());
  CHECK(empty.status().message() ==
        "canary.yaml:7:26: metadata.annotations.gitcanary.io/status: expected a JSON object, got an empty value");

  auto nested = ParseAnnotation("{phase: Progressing}");
  REQUIRE_FALSE(nested.ok());
  CHECK(nested.status().message() ==
        "canary.yaml:7:26: metadata.annotations.gitcanary.io/status: expected a string holding a JSON object, "
        "got mapping");
}

TEST_CASE("validation errors in the annotation point at the annotation") {
  auto weight = ParseAnnotation(R"('{"phase":"Progressing","canaryWeight":150}')");
  REQUIRE_FALSE(weight.ok());
  CHECK(weight.status().message() ==
        "canary.yaml:7:26: metadata.annotations[gitcanary.io/status].canaryWeight: must be between 0 and 100, "
        "got 150");
  auto missing = ParseAnnotation(R"('{"phase":"Waiting"}')");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().message() ==
        "canary.yaml:7:26: metadata.annotations[gitcanary.io/status].promoted: promoted snapshot missing: phase "
        "Waiting needs metadata.annotations[gitcanary.io/status].promoted (the pod template the primary is "
        "rendered from)");
}

TEST_CASE("promoted.binaryData keeps a ConfigMap's binaryData beside its data, and round-trips") {
  StatusRecord r = ParseDoc(StatusDoc("  phase: Succeeded\n" + kPromoted +
                                      "    configMaps: {web-config: {level: info}}\n"
                                      "    binaryData: {web-config: {logo: QUJD}}\n"));
  REQUIRE(r.status.promoted.has_value());
  REQUIRE(r.status.promoted->binary_data.count("web-config") == 1);
  CHECK(r.status.promoted->binary_data.at("web-config").Find("logo")->value == "QUJD");
  CHECK(r.status.promoted->config_maps.at("web-config").Find("level")->value == "info");
  const Node body = StatusToNode(r.status);
  CHECK(Keys(*body.Find("promoted")) == std::vector<std::string>{"template", "configMaps", "binaryData"});
  auto back = ParseStatusBody(body, kFile, "status");
  REQUIRE_MESSAGE(back.ok(), back.status().message());
  CHECK(back->promoted->binary_data == r.status.promoted->binary_data);
  CHECK(DocError(StatusDoc("  phase: Succeeded\n" + kPromoted + "    binaryData: {web-config: null}\n"))
            .find("status.promoted.binaryData.web-config: expected a mapping (the ConfigMap's binaryData), got null") !=
        std::string::npos);
}

}  // namespace
}  // namespace gitcanary::render

namespace gitcanary::render {
namespace {

TEST_CASE("session affinity cookies are read, written back, and must be name=value") {
  const StatusRecord rec = ParseDoc(StatusDoc("  phase: Progressing\n  canaryWeight: 10\n"
                                              "  sessionAffinityCookie: flagger-cookie=abcDEF\n"
                                              "  primarySessionAffinityCookie: primary=xyz\n"
                                              "  previousSessionAffinityCookie: flagger-cookie=old\n" +
                                              kPromoted));
  CHECK(rec.status.session_affinity_cookie == "flagger-cookie=abcDEF");
  CHECK(rec.status.primary_session_affinity_cookie == "primary=xyz");
  CHECK(rec.status.previous_session_affinity_cookie == "flagger-cookie=old");
  const Node back = StatusToNode(rec.status);
  CHECK(back.Find("sessionAffinityCookie")->value == "flagger-cookie=abcDEF");
  CHECK(back.Find("primarySessionAffinityCookie")->value == "primary=xyz");
  CHECK(back.Find("previousSessionAffinityCookie")->value == "flagger-cookie=old");
  CHECK(StatusToNode(CanaryStatus{}).Find("sessionAffinityCookie") == nullptr);
  for (const char* bad : {"novalue", "=v", "n=", "n=v; Max-Age=1", "n=a=b", "n=a b"}) {
    CAPTURE(bad);
    const std::string err =
        DocError(StatusDoc("  phase: Progressing\n  sessionAffinityCookie: \"" + std::string(bad) + "\"\n" + kPromoted));
    CHECK(err.find("status.yaml:7:") == 0);
    CHECK(err.find("status.sessionAffinityCookie: expected <cookie name>=<value>") != std::string::npos);
  }
}

}  // namespace
}  // namespace gitcanary::render
