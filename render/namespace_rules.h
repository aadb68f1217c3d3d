// Namespace rules: which namespaces the apps under a path of the repository
// may use, from the `namespaces:` list of the repository's top gitcanary.yaml.
//
// In a cluster, Kubernetes RBAC keeps one team out of another's namespace. In
// a GitOps repository that many teams share, git is the only boundary, so a
// rule says that the apps under `apps/team-a/**` may only render into
// `team-a`. Render, generate, diff, lint and serve all check it, and a
// violation is an ordinary render error (`file:line:col: field: message`),
// so Argo CD shows it before anything is applied or analysed.
//
// Paths. A rule's `path` is a glob over app directories, relative to the
// directory of the top gitcanary.yaml, matched segment by segment: `*`
// matches any characters within one segment (never '/'), and a segment that
// is exactly `**` matches zero or more segments, so `apps/team-a/**` matches
// `apps/team-a` itself and everything below it. `**` alone matches every app,
// the top included. The first rule whose path matches the app's directory
// applies; later rules are not consulted. An app that no rule matches is not
// restricted.
//
// What is checked, for an app a rule applies to:
//   - every object of the app, as written and as rendered: its namespace
//     (metadata.namespace, else the app's default namespace) must match one
//     of `allow`; a Namespace object's own name too. Other cluster-scoped
//     kinds (ClusterRole, CustomResourceDefinition, ...) have no namespace and
//     are left to Argo CD's AppProject;
//   - every namespace a Canary names in a reference to a MetricTemplate
//     (analysis.metrics[].templateRef.namespace) or an AlertProvider
//     (analysis.alerts[].providerRef.namespace): these objects carry the
//     address and the secretRef serve uses, so they must match `allow` or
//     `shared` (namespaces of shared templates and providers that the app may
//     name but not render into);
//   - a Flux HelmRelease's spec.targetNamespace and spec.storageNamespace and
//     a Flux Kustomization's spec.targetNamespace, where the object installs.
// Gateways that a Canary routes through (service.gateways, gatewayRefs) are
// shared by design and not checked; a Gateway the app itself renders is.
// `allow` and `shared` entries are namespace names, or globs with `*`.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "render/manifest.h"

namespace gitcanary::render {

struct NamespaceRule {
  std::string path;                 // glob over app directories
  std::vector<std::string> allow;   // namespaces the app may render into (and name)
  std::vector<std::string> shared;  // namespaces whose templates and providers it may name
  std::string where;                // "gitcanary.yaml:12:5 namespaces[0]", for messages
};

// "" when `pattern` is a usable path glob, else why not.
std::string PathGlobProblem(std::string_view pattern);

// Whether the app directory `path` ("" = the top) matches `pattern`.
bool PathGlobMatches(std::string_view pattern, std::string_view path);

// Whether `name` matches `pattern`, where `*` matches any characters.
bool NameGlobMatches(std::string_view pattern, std::string_view name);

// The first rule whose path matches `app`, or null.
const NamespaceRule* FirstMatchingRule(const std::vector<NamespaceRule>& rules, std::string_view app);

// The rule that applies to one app, set in RenderOptions.
struct NamespaceScope {
  std::string app;  // the app's directory, relative to the top gitcanary.yaml ("" = the top)
  NamespaceRule rule;
};

// Every object of `objects` (and every reference of its Canaries) against the
// scope's rule; `app_ns` is the namespace of objects that have none.
Status CheckNamespaces(const NamespaceScope& scope, const std::vector<Manifest>& objects, const std::string& app_ns);

}  // namespace gitcanary::render
