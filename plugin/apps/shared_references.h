// MetricTemplates and AlertProviders across a repository's apps.
//
// In a cluster, a Canary's `templateRef: {name: latency, namespace:
// istio-system}` finds a MetricTemplate that a platform app applied to
// istio-system; `providerRef` finds an AlertProvider the same way. In the
// repository that object lives in another app's directory, typically next to
// the mesh's own manifests. So the apps that serve, status, the operator
// commands and simulate analyse resolve references through every app of the
// repository (render/app_roots.h), built by the same rules (app_build.h):
// an object defined by exactly one app is found; one that two apps define is
// an error naming both, since in a cluster they would fight over it.
#pragma once

#include <string>
#include <vector>

#include "core/file_source.h"
#include "policies/analysis_spec_reader.h"
#include "plugin/apps/app_build.h"

namespace gitcanary::plugin {

// One app's definitions.
struct AppDefinitions {
  std::string app;  // its directory ("" = the top)
  policies::TemplateIndex templates;
  policies::ProviderIndex providers;
};

struct SharedReferences {
  policies::TemplateIndex templates;  // defined by exactly one app
  policies::ProviderIndex providers;
  policies::ReferenceScope scope;     // the message context: where they were looked up, and what is defined twice
};

// Merges the definitions of `apps` (all the apps looked in, in any order).
SharedReferences MergeDefinitions(const std::vector<AppDefinitions>& apps);

// Whether a file's text may define a MetricTemplate or an AlertProvider.
bool MentionsSharedReference(std::string_view text);

// `own` (the definitions of the app at `app`) merged with those of every
// other app of the repository whose top `repo` is, for a command that reads
// one app (simulate). Only apps whose files mention a MetricTemplate or an
// AlertProvider are loaded.
Result<SharedReferences> RepositoryReferences(const FileSource& repo, const std::string& app, AppDefinitions own,
                                              const BuildTools& tools, const std::string& app_ns);

}  // namespace gitcanary::plugin
