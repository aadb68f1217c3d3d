// How an app directory becomes the manifests render reads, the way Argo CD's
// repo-server and Flux build it: a kustomization is built by kustomize, a Helm
// chart by `helm template`, and any other directory is read as plain manifests.
//
//   ClassifyApp:  kustomization.yaml | kustomization.yml | Kustomization -> kustomize
//                 Chart.yaml -> Helm; both -> error; else plain manifests
//   BuildApp:     plain: render::LoadManifests, as always
//                 built: inputs (app_inputs.h) checked against the repository
//                 boundary -> on disk: build in place; from a commit: the inputs
//                 written to a private temporary directory, built there, removed
//                 -> the tool's stdout parsed as post-render parses its stdin
//                 -> status documents added from the app directory itself
//
// Status documents (`*.gitcanary-status.yaml`) are gitcanary's own, not the
// app's: the one of record lives in the directory that is built (an overlay,
// never a shared base), needs no entry in kustomization.yaml, and is read from
// that directory directly. Any status document the build itself emits (a base
// listing one) is dropped, so two overlays of one base advance independently.
//
// Tools run through run_tool.h with a timeout. A missing tool, a failing or
// timed-out build, and a build that prints nothing are errors naming the app.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/file_source.h"
#include "core/status.h"
#include "render/app_roots.h"
#include "render/manifest.h"

namespace gitcanary::plugin {

enum class AppKind { kManifests, kKustomization, kHelmChart };

// "manifests", "kustomization", "helm chart".
std::string_view AppKindName(AppKind kind);

// The kind of `dir` (relative to `source`'s root), from the files it holds.
Result<AppKind> ClassifyApp(const FileSource& source, const std::string& dir);

// The tools and their options. Empty fields take the defaults noted.
struct BuildTools {
  // The kustomize command line: "kustomize build" or "kubectl kustomize" (a
  // program and its leading arguments, split on spaces). Default:
  // `kustomize build` when kustomize is on PATH, else `kubectl kustomize`.
  std::string kustomize;
  // Extra flags for every kustomize build, as Argo CD's
  // kustomize.buildOptions: "--enable-helm --load-restrictor LoadRestrictionsNone".
  std::string kustomize_build_options;
  std::string helm;                 // the helm binary; default `helm` on PATH
  std::string release_name;         // helm's release name; default the chart directory's name
  std::string app_namespace;        // helm --namespace; default "default"
  std::vector<std::string> values_files;  // helm --values, relative to the chart directory
  std::vector<std::string> set_values;    // helm --set "key=value"
  int timeout_ms = 90'000;          // per build; the child is killed after it
};

struct BuiltApp {
  AppKind kind = AppKind::kManifests;
  std::vector<render::Manifest> manifests;
  std::vector<std::string> explain;  // which kind was found and what ran
};

// Builds the app at `app` (a directory relative to `repo`'s root, which is the
// repository top). `disk_root` is that top's path on disk when `repo` reads
// the disk: kustomize and Helm then run in place. Without it, `repo` is a
// commit's tree and the app's inputs are written to a temporary directory.
Result<BuiltApp> BuildApp(const FileSource& repo, const std::string& app, const BuildTools& tools,
                          const std::optional<std::string>& disk_root);

// A directory of manifests, read from `files` at `dir`; the same directory is
// `app` in `repo`. Its files are read as they are, and each subdirectory that
// holds a kustomization is built by kustomize, as Flux builds a plain
// directory through the kustomization it generates for it.
Result<BuiltApp> LoadManifestDirectory(const FileSource& files, const std::string& dir, const FileSource& repo,
                                       const std::string& app, const BuildTools& tools,
                                       const std::optional<std::string>& disk_root);

// Whether `m` came out of a kustomize or Helm build (its file names the build,
// not a file that could be edited).
bool IsBuiltObject(const render::Manifest& m);

// Builds kept across serve passes, by app directory and the fingerprint of
// its inputs (render/app_inputs.h), which leaves status documents out: a
// status commit never causes a rebuild. It also keeps the memo of which
// directories are apps (render/app_roots.h). Not thread-safe.
class BuildCache {
 public:
  render::AppRootsMemo app_roots;

  struct Build {
    std::string fingerprint;
    bool wanted = false;  // some input passed the caller's text test
    std::vector<render::Manifest> manifests;  // without status documents
  };
  const Build* Find(const std::string& app, const std::string& fingerprint) const;
  void Store(const std::string& app, Build build);
  std::size_t builds() const { return builds_; }  // builds run so far

  // What a build runs and reads, kept by app while the kustomization
  // directories it walked keep their tree ids (app_build.cc).
  struct PlanMemo;
  std::map<std::string, std::shared_ptr<const PlanMemo>>& plan_memos() { return plans_; }

 private:
  friend Result<BuiltApp> BuildAppCached(const FileSource&, const std::string&, const BuildTools&, BuildCache&,
                                         const std::function<bool(std::string_view)>&);
  std::map<std::string, Build> by_app_;
  std::map<std::string, std::shared_ptr<const PlanMemo>> plans_;
  std::size_t builds_ = 0;
};

// BuildApp over a commit's tree for serve: an app none of whose input files
// passes `wanted` (for example "mentions a Canary") is neither built nor
// loaded, and its result is empty; a built app whose inputs are unchanged
// since the cached build is not built again.
Result<BuiltApp> BuildAppCached(const FileSource& repo, const std::string& app, const BuildTools& tools,
                                BuildCache& cache, const std::function<bool(std::string_view)>& wanted);

}  // namespace gitcanary::plugin
