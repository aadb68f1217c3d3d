// What a built app reads: the files and directories a kustomize build or a
// Helm chart takes from the repository, found without running either tool.
//
// For a kustomization the walk starts at the app directory and follows, in
// every kustomization file it meets, each field that names a path:
// resources, bases, components, crds, configurations, patches[].path,
// patchesStrategicMerge, patchesJson6902[].path, replacements[].path,
// transformers, generators, validators, openapi.path, the files, envs and env
// of configMapGenerator and secretGenerator, and helmGlobals.chartHome (default
// `charts`) with helmCharts[].valuesFile. A referenced directory that holds a
// kustomization is walked in turn; any other directory is read whole. For a
// Helm chart the inputs are the chart directory and any values file outside it.
//
// The result serves three callers: the repository boundary (a path that leaves
// the repository is an error naming the kustomization and the field),
// materialising a commit's inputs into a temporary directory, and the build
// cache and `diff`, which compare the inputs' git object ids. Remote
// references (URLs, `github.com/...`, `git@...`) are left to kustomize and
// listed apart. Pure: it reads only through the FileSource it is given, which
// is rooted at the repository top.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/file_source.h"
#include "core/status.h"
#include "render/yaml_tree.h"

namespace gitcanary::render {

struct AppInputs {
  std::vector<std::string> dirs;    // read whole, recursively; sorted, none inside another
  std::vector<std::string> files;   // single files outside those directories; sorted
  std::vector<std::string> remote;  // references left to kustomize
  std::vector<std::string> kustomizations;  // every kustomization directory walked, the app's first
};

// The file name of the kustomization in `dir`, or "" when it holds none.
std::string KustomizationFileIn(const FileSource& repo, const std::string& dir);

// The kustomization file `file` as a mapping (an empty file is an empty
// mapping); `documents`, when given, receives how many documents it holds.
Result<yaml::Node> ReadKustomization(const FileSource& repo, const std::string& file, std::size_t* documents = nullptr);

// The git tree id of directory `dir` as its parent lists it; "" for the top,
// an absent directory, or a source without ids.
std::string DirectoryId(const FileSource& repo, const std::string& dir);

// The inputs of the kustomization at `app` (relative to the repository top).
Result<AppInputs> KustomizeInputs(const FileSource& repo, const std::string& app);

// The inputs of the Helm chart at `app` with these values files (relative to
// the chart directory).
Result<AppInputs> ChartInputs(const FileSource& repo, const std::string& app,
                              const std::vector<std::string>& values_files);

// Every directory the kustomization at `kustomization_dir` uses: the
// directories it names in any field, and the directories of the files it names
// outside its own (a base listed file by file, a directory of shared patches),
// for telling apps from what they include. `named`, when given, receives
// every local path it names, as KustomizeInputs follows them, whether or not
// it exists, joined onto the directory; "/" stands for a path that leaves the
// repository.
Result<std::vector<std::string>> ReferencedDirs(const FileSource& repo, const std::string& kustomization_dir,
                                                std::vector<std::string>* named = nullptr);

// A fingerprint of the inputs from the object ids `repo` lists: equal
// fingerprints mean equal inputs. "" when some id is unknown (a disk source).
// Status documents in the directories are left out (IsStatusFileName).
Result<std::string> InputsFingerprint(const FileSource& repo, const AppInputs& inputs);

// Whether a file name is a status document's: NAME.gitcanary-status.yaml.
bool IsStatusFileName(std::string_view name);

// "a/b/../c" joined onto `base` and cleaned; false when it leaves the top.
bool JoinClean(const std::string& base, const std::string& rel, std::string* out);

}  // namespace gitcanary::render
