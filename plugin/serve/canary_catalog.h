// CanaryCatalog: every canary of a repository at one commit, with what a
// decision and a write-back need, read from the commit's tree (never from a
// working tree).
//
// The apps are those of render/app_roots.h. Each app whose files hold a Canary
// document (or a Deployment asking for a generated one through
// `gitcanary.io/canary-template`) is loaded as `gitcanary render DIR` loads it:
// kustomizations and charts are built (plugin/apps/app_build.h), and those builds
// are cached across passes by their inputs. MetricTemplates and
// AlertProviders resolve across every app of the repository, as they would in
// the cluster. Apps whose gitcanary.yaml says `mode: flagger` are left to an
// in-cluster Flagger and skipped. A canary that cannot be analysed (a corrupt
// status, a missing target, a bad spec) is kept with its error, so one broken
// canary never stops the others; an app that does not load at all is listed
// in `errors`.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "git/tree_source.h"
#include "policies/analysis_spec_reader.h"
#include "plugin/apps/app_build.h"
#include "policies/analysis_spec.h"
#include "policies/step.h"
#include "render/canary_status.h"

namespace gitcanary::plugin {

// MetricTemplates and AlertProviders the canaries resolve through: those of
// every app of the repository (plugin/apps/shared_references.h).
struct AppIndexes {
  policies::TemplateIndex templates;
  policies::ProviderIndex providers;
  policies::ReferenceScope scope;
};

struct CatalogEntry {
  std::string id;           // "namespace/name"
  std::string app_dir;      // from the top of the tree ("" = the top)
  std::string canary_file;  // the file holding the Canary (or the Deployment it is generated from)
  bool generated = false;   // generated from a template: no Canary document to annotate
  bool built = false;       // built by kustomize or Helm: canary_file is not a file to edit
  Status error;             // not ok: this canary is halted with this error
  policies::AnalysisSpec spec;
  std::optional<render::CanaryStatus> status;  // nullopt: none yet (Initializing)
  std::string status_file;  // file of the status document; "" when none or in the annotation
  bool status_in_annotation = false;
  policies::AnalysisState state;     // the status as the engine reads it
  std::string revision;              // checksum of the target's pod template and configs
  render::PromotedSnapshot current;  // what a promotion copies
  std::map<std::string, std::string> current_configs;  // trackedConfigs of the current revision
  std::shared_ptr<const AppIndexes> app;
};

struct Catalog {
  std::string commit;
  std::vector<CatalogEntry> canaries;  // sorted by id
  std::vector<std::string> errors;     // apps that failed to load: "DIR: message"
  std::vector<std::string> flagger_apps;  // app directories left to an in-cluster Flagger

  const CatalogEntry* Find(const std::string& id) const;
};

struct CatalogOptions {
  BuildTools tools;            // for kustomizations and charts
  BuildCache* cache = nullptr; // builds kept across reads; null: one read's own
  std::string app_namespace = "default";  // of objects that have none
  long long min_interval_ms = policies::kFlaggerMinIntervalMs;
  std::string publish_dir;  // serve --publish: as for render::FindAppRoots
};

// Reads the catalog of the commit `tree` is open at; `tree` must be rooted at
// the top of the tree.
Result<Catalog> ReadCatalog(const git::TreeSource& tree, const CatalogOptions& options);

}  // namespace gitcanary::plugin
