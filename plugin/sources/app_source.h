// Where a command that takes an app DIR reads it from: the directory on disk,
// or with --repo/--revision a commit's tree (plugin/sources/commit_input.h). Either way it
// also names the source and directory that gitcanary.yaml is looked up from
// (plugin/sources/config_lookup.h). `render` and `lint` open their input this way, and
// LoadAppManifests then reads it by its kind (plugin/apps/app_build.h): plain
// manifests straight from `files`, a kustomization or a chart built from the
// repository around it.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "core/file_source.h"
#include "core/status.h"
#include "plugin/apps/app_build.h"
#include "plugin/commands/args.h"

namespace gitcanary::plugin {

// "./apps/a/" -> "apps/a"; "." -> "".
std::string CleanRelative(std::string dir);

struct AppSource {
  std::unique_ptr<FileSource> files;  // the app tree
  std::string dir;                    // app directory within `files`
  std::unique_ptr<FileSource> lookup_owner;
  const FileSource* lookup = nullptr;  // where gitcanary.yaml is looked up
  std::string lookup_dir;
  std::optional<std::string> disk_root;  // the repository top on disk; none for a commit
};

// Reads the --repo and --revision flags of `args`.
Result<AppSource> OpenAppSource(const ParsedArgs& args, const std::string& dir);

// The app's manifests, built as its kind asks.
Result<BuiltApp> LoadAppManifests(const AppSource& src, const BuildTools& tools);

}  // namespace gitcanary::plugin
