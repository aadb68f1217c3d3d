// CanaryStatus: the machine-owned status of record of one canary, committed in
// git next to its spec.
//
// In `commit` mode it is a document of its own (any file in the app directory;
// `serve` writes `<canary>.gitcanary-status.yaml` beside the Canary):
//
//   apiVersion: gitcanary.io/v1alpha1
//   kind: CanaryStatus
//   metadata: {name: <canary name>, namespace: <as the Canary>}
//   status: {phase: Progressing, canaryWeight: 20, ...}
//
// In `annotations` mode the same `status` body is the JSON value of the
// Canary's `gitcanary.io/status` annotation. Both go through one parser, so a
// status is valid or invalid the same way wherever it lives. A status that
// fails validation is an error naming the file and field: it is never reset.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/phase.h"
#include "core/status.h"
#include "render/manifest.h"
#include "render/yaml_tree.h"

namespace gitcanary::render {

inline constexpr std::string_view kStatusApiVersion = "gitcanary.io/v1alpha1";
inline constexpr std::string_view kStatusKind = "CanaryStatus";
inline constexpr std::string_view kStatusAnnotation = "gitcanary.io/status";
inline constexpr std::string_view kStatusFileSuffix = ".gitcanary-status.yaml";  // NAME.gitcanary-status.yaml


struct Condition {
  std::string type, status, reason, message, last_transition_time;
};

// The Flux source a promoted chart was read from, when it is a GitRepository
// or an OCIRepository (its spec pins the chart; a HelmRepository chart is
// pinned by its version alone). In the status: `promoted.helmRelease.source:
// {apiVersion, kind, name, namespace?, spec: {...}}`, the spec as promoted.
struct PinnedChartSource {
  std::string api_version;  // e.g. source.toolkit.fluxcd.io/v1
  std::string kind;         // GitRepository or OCIRepository
  std::string name;
  std::string ns;           // as written on the source; empty when it had none
  yaml::Node spec;          // a mapping
};

// The promoted part of a HelmRelease canary (render/helm_release/): the
// chart (`chart`, HelmRelease spec.chart, or `chartRef`, spec.chartRef, as
// written, with its exact version), the inline `values` and the pinned
// `source` of a Git or OCI chart (absent in statuses written before it was
// recorded). In the status: `promoted.helmRelease: {chart: {...}, values:
// {...}, source: {...}}` (or `chartRef:`).
struct HelmReleaseSnapshot {
  std::string chart_key = "chart";  // "chart" or "chartRef"
  yaml::Node chart;                 // a mapping
  yaml::Node values;                // a mapping (empty when the HelmRelease has none)
  std::optional<PinnedChartSource> source;
};

// What the primary is rendered from: the promoted pod template and the data
// (and binaryData) of the ConfigMaps it references. Secrets are tracked by
// checksum only. For a HelmRelease canary, `helm_release` replaces the pod
// template (`template_` is then null) and `config_maps` holds the data of its
// valuesFrom ConfigMaps.
struct PromotedSnapshot {
  yaml::Node template_;                          // spec.template of the promoted revision
  std::optional<HelmReleaseSnapshot> helm_release;
  std::map<std::string, yaml::Node> config_maps;  // ConfigMap name -> its `data` mapping
  std::map<std::string, yaml::Node> binary_data;  // ConfigMap name -> its `binaryData` mapping (status: promoted.binaryData)
};

struct CanaryStatus {
  Phase phase = Phase::kInitializing;
  long long canary_weight = 0;   // 0..100
  long long failed_checks = 0;   // >= 0
  long long iterations = 0;      // >= 0
  std::string last_applied_spec;   // revision checksum under analysis
  std::string last_promoted_spec;  // revision checksum of the primary
  std::map<std::string, std::string> tracked_configs;  // "configmap/NAME" or "secret/NAME" -> checksum
  std::string last_transition_time;  // RFC 3339
  std::vector<Condition> conditions;
  std::string approved_revision;  // an operator's approval of the gate of this revision; used once
  // analysis.sessionAffinity cookies, "<cookieName>=<value>", as Flagger keeps them:
  std::string session_affinity_cookie;           // of the running canary; "" at weight 0
  std::string primary_session_affinity_cookie;   // with primaryCookieName
  std::string previous_session_affinity_cookie;  // of the last run, expired by the routing
  std::optional<PromotedSnapshot> promoted;  // required in every phase but Initializing
};

// A status found in the input: whose it is, and where it came from.
struct StatusRecord {
  std::string name;       // the Canary's name
  std::string ns;         // as written ("" = app namespace)
  std::string file;       // for messages
  yaml::Mark mark;        // of the document or annotation
  CanaryStatus status;
};

// Parses a `status` body (from a CanaryStatus document or the annotation).
// `path` prefixes field names in messages ("status" or the annotation path).
Result<CanaryStatus> ParseStatusBody(const yaml::Node& body, const std::string& file, const std::string& path);

// Whether a manifest is a CanaryStatus document (any gitcanary.io version).
bool IsStatusDocument(const Manifest& m);

// Parses a CanaryStatus document; an unknown newer version is an error.
Result<StatusRecord> ParseStatusDocument(const Manifest& m);

// Parses the annotation of a Canary; nullopt when it has none.
Result<std::optional<StatusRecord>> ParseStatusAnnotation(const Manifest& canary);

// The status as a `status` body Node (the inverse of ParseStatusBody), in the
// field order documented above; used to write status back and in tests.
yaml::Node StatusToNode(const CanaryStatus& status);

}  // namespace gitcanary::render
