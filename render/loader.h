// Loader: turns an app directory into Manifests.
//
// Walks `dir` in a FileSource recursively in byte order of names, reads every
// *.yaml, *.yml and *.json file, parses the documents (on all cores) and
// flattens `kind: List`. Files that are not manifests (kustomization.yaml,
// Chart.yaml, values*.yaml, gitcanary.yaml) and hidden files and directories
// (.git, .github, ...) are skipped. A subdirectory that holds a kustomization
// is not read: Flux builds such a directory with kustomize as part of the
// kustomization it generates for a plain directory, so the caller builds it
// (plugin/apps/app_build.h); without a place to return it, it is an error. Symlinks are followed only while they stay
// inside `dir`; one that points outside is refused. Empty documents are dropped;
// any other document without apiVersion and kind is an error.
#pragma once

#include <string>
#include <vector>

#include "core/file_source.h"
#include "core/status.h"
#include "render/manifest.h"
#include "render/yaml_parse.h"

namespace gitcanary::render {

struct LoadLimits {
  std::size_t max_file_bytes = 8 * 1024 * 1024;
  yaml::ParseLimits parse;
};

// Whether the loader reads a file of this base name as manifests.
bool IsManifestFileName(std::string_view name);

// The names kustomize recognises for a kustomization file, in its order.
inline constexpr std::string_view kKustomizationFileNames[] = {"kustomization.yaml", "kustomization.yml",
                                                               "Kustomization"};

// Lists the manifest files under `dir` (relative to the source root; "" = root),
// in the stable order the loader reads them; subdirectories that hold a
// kustomization go to `nested` (or are an error when it is null).
Result<std::vector<std::string>> ListManifestFiles(const FileSource& source, const std::string& dir,
                                                   std::vector<std::string>* nested = nullptr);

// Loads every manifest under `dir`, with ListManifestFiles' rules.
Result<std::vector<Manifest>> LoadManifests(const FileSource& source, const std::string& dir,
                                            std::vector<std::string>* nested = nullptr, const LoadLimits& limits = {});

// Loads the manifests of these files (paths from the source root), in their
// order, reading and parsing them on every core.
Result<std::vector<Manifest>> LoadManifestFiles(const FileSource& source, const std::vector<std::string>& paths,
                                                const LoadLimits& limits = {});

// Parses one text (a file's contents, or a stream on stdin) into Manifests.
Result<std::vector<Manifest>> ParseManifests(std::string_view text, const std::string& file,
                                             const LoadLimits& limits = {});

// Turns parsed documents (of one text named `file`) into Manifests the same
// way: empty documents dropped, `kind: List` flattened, identity checked.
Result<std::vector<Manifest>> ManifestsFromDocuments(std::vector<yaml::Node> docs, const std::string& file);

}  // namespace gitcanary::render
