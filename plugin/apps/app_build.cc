#include "plugin/apps/app_build.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "plugin/apps/run_tool.h"
#include "render/app_inputs.h"
#include "render/canary_status.h"
#include "render/loader.h"
#include "render/resources_only.h"
#include "render/yaml_parse.h"

namespace gitcanary::plugin {

namespace {

// Built objects' file: "kustomize build of apps/web".
constexpr const char* kBuildLabel = " build of ";

std::string Join(const std::string& dir, const std::string& name) { return dir.empty() ? name : dir + "/" + name; }

std::vector<std::string> SplitWords(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find_first_of(" \t", start);
    if (end == std::string::npos) end = text.size();
    if (end > start) out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string Seconds(int ms) {
  return ms % 1000 == 0 ? std::to_string(ms / 1000) + "s" : std::to_string(ms) + "ms";
}

// A private directory under $TMPDIR, removed with everything in it on destruction.
class ScratchDir {
 public:
  static Result<ScratchDir> Make() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp != nullptr && *tmp ? tmp : "/tmp") + "/gitcanary-build-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) return Status::Io("cannot create a build directory under " + pattern);
    return ScratchDir(pattern);
  }
  ScratchDir(ScratchDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  ScratchDir(const ScratchDir&) = delete;
  ~ScratchDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  explicit ScratchDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

Status WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.close();
  if (!out) return Status::Io("cannot write " + path);
  return Status::Ok();
}

Status MakeDirs(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return Status::Io("cannot create " + path + ": " + ec.message());
  return Status::Ok();
}

// Copies one entry of `repo` (a commit's tree) to `root`/`path`.
Status Materialise(const FileSource& repo, const std::string& path, EntryType type, const std::string& link,
                   const std::string& root) {
  const std::string target = Join(root, path);
  switch (type) {
    case EntryType::kDirectory: {
      if (Status s = MakeDirs(target); !s.ok()) return s;
      auto entries = repo.List(path);
      if (!entries.ok()) return entries.status();
      for (const DirEntry& e : *entries)
        if (Status s = Materialise(repo, Join(path, e.name), e.type, e.link_target, root); !s.ok()) return s;
      return Status::Ok();
    }
    case EntryType::kFile: {
      auto text = repo.Read(path);
      if (!text.ok()) return text.status();
      return WriteFile(target, *text);
    }
    case EntryType::kSymlink:
      if (symlink(link.c_str(), target.c_str()) != 0) return Status::Io("cannot create the symlink " + target);
      return Status::Ok();
    case EntryType::kOther:
      return Status::Ok();  // a submodule: not in the commit's tree
  }
  return Status::Ok();
}

Status MaterialiseInputs(const FileSource& repo, const render::AppInputs& inputs, const std::string& root) {
  for (const std::string& dir : inputs.dirs)
    if (Status s = Materialise(repo, dir, EntryType::kDirectory, "", root); !s.ok()) return s;
  for (const std::string& file : inputs.files) {
    const std::size_t slash = file.rfind('/');
    if (slash != std::string::npos)
      if (Status s = MakeDirs(Join(root, file.substr(0, slash))); !s.ok()) return s;
    const EntryType type = repo.TypeOf(file);
    std::string link;
    if (type == EntryType::kSymlink) {
      auto entries = repo.List(slash == std::string::npos ? "" : file.substr(0, slash));
      if (!entries.ok()) return entries.status();
      for (const DirEntry& e : *entries)
        if (e.name == file.substr(slash + 1)) link = e.link_target;
    }
    if (Status s = Materialise(repo, file, type, link, root); !s.ok()) return s;
  }
  return Status::Ok();
}

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  if (from.empty()) return text;
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

std::vector<std::string> KustomizeCommand(const BuildTools& tools) {
  if (!tools.kustomize.empty()) return SplitWords(tools.kustomize);
  static const bool kustomize_on_path = OnPath("kustomize");  // PATH does not change under us
  if (kustomize_on_path) return {"kustomize", "build"};
  return {"kubectl", "kustomize"};
}

struct Tool {
  std::string what;  // "kustomize", "helm"
  std::vector<std::string> argv;
  std::string missing_hint;
};

// Runs a build in `dir` and returns its stdout; errors name the app.
Result<std::string> RunBuild(const Tool& tool, const std::string& dir, const BuildTools& tools,
                             const std::string& scratch, const std::string& app_name) {
  auto ran = RunTool(tool.argv, dir, tools.timeout_ms);
  if (!ran.ok()) return Status::Io("app " + app_name + ": " + ran.status().message());
  const std::string shown = tool.argv[0];
  if (ran->failure == ToolFailure::kNotFound)
    return Status::Invalid("app " + app_name + ": " + shown + " not found; " + tool.missing_hint);
  if (ran->failure == ToolFailure::kTimedOut)
    return Status::Invalid("app " + app_name + ": the " + tool.what + " build did not finish in " +
                           Seconds(tools.timeout_ms) + " and was killed; raise --build-timeout");
  if (ran->run.exit_code != 0) {
    std::string why = FirstUsefulLine(ran->run.err);
    if (why.empty()) why = FirstUsefulLine(ran->run.out);
    if (why.empty()) why = "exit status " + std::to_string(ran->run.exit_code);
    if (!scratch.empty()) why = Replace(why, scratch + "/", "");
    return Status::Invalid("app " + app_name + ": " + tool.what + " failed: " + yaml::OneLineText(why));
  }
  return std::move(ran->run.out);
}

// The chart's dependencies that are not vendored in charts/.
Result<std::vector<std::string>> MissingDependencies(const FileSource& repo, const std::string& chart) {
  std::vector<std::string> missing;
  for (const char* file : {"Chart.yaml", "requirements.yaml"}) {
    const std::string path = Join(chart, file);
    if (repo.TypeOf(path) != EntryType::kFile) continue;
    auto text = repo.Read(path, 1024 * 1024);
    if (!text.ok()) return text.status();
    auto docs = yaml::ParseYamlStream(*text, repo.Describe(path));
    if (!docs.ok()) return docs.status();
    if (docs->empty() || !docs->front().IsMapping()) continue;
    const yaml::Node* deps = docs->front().Find("dependencies");
    if (deps == nullptr || !deps->IsSequence()) continue;
    std::vector<DirEntry> vendored;
    if (repo.TypeOf(Join(chart, "charts")) == EntryType::kDirectory) {
      auto listed = repo.List(Join(chart, "charts"));
      if (!listed.ok()) return listed.status();
      vendored = std::move(*listed);
    }
    for (const yaml::Node& dep : deps->items) {
      const yaml::Node* name = dep.IsMapping() ? dep.Find("name") : nullptr;
      if (name == nullptr || !name->IsScalar()) continue;
      const bool found = std::any_of(vendored.begin(), vendored.end(), [&](const DirEntry& e) {
        return (e.type == EntryType::kDirectory && e.name == name->value) ||
               (e.name.rfind(name->value + "-", 0) == 0 && e.name.size() > 4 &&
                e.name.compare(e.name.size() - 4, 4, ".tgz") == 0);
      });
      if (!found) missing.push_back(name->value);
    }
  }
  return missing;
}

std::string BaseName(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// The status documents kept in the app directory itself.
Status AddStatusDocuments(const FileSource& repo, const std::string& app, std::vector<render::Manifest>* out) {
  auto entries = repo.List(app);
  if (!entries.ok()) return entries.status();
  std::vector<std::string> names;
  for (const DirEntry& e : *entries)
    if (e.type == EntryType::kFile && render::IsStatusFileName(e.name)) names.push_back(e.name);
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    const std::string path = Join(app, name);
    auto text = repo.Read(path, render::LoadLimits{}.max_file_bytes);
    if (!text.ok()) return text.status();
    auto docs = render::ParseManifests(*text, repo.Describe(path));
    if (!docs.ok()) return docs.status();
    for (render::Manifest& m : *docs) out->push_back(std::move(m));
  }
  return Status::Ok();
}

}  // namespace

std::string_view AppKindName(AppKind kind) {
  switch (kind) {
    case AppKind::kManifests: return "manifests";
    case AppKind::kKustomization: return "kustomization";
    case AppKind::kHelmChart: return "helm chart";
  }
  return "manifests";
}

Result<AppKind> ClassifyApp(const FileSource& source, const std::string& dir) {
  const bool kustomize = !render::KustomizationFileIn(source, dir).empty();
  const bool chart = source.TypeOf(Join(dir, "Chart.yaml")) == EntryType::kFile;
  if (kustomize && chart)
    return Status::Invalid("app " + (dir.empty() ? std::string(".") : dir) +
                           ": holds both a kustomization and Chart.yaml; keep one, as Argo CD builds only one");
  if (kustomize) return AppKind::kKustomization;
  if (chart) return AppKind::kHelmChart;
  return AppKind::kManifests;
}

namespace {

// What a build runs and reads.
struct Plan {
  AppKind kind = AppKind::kManifests;
  Tool tool;
  render::AppInputs inputs;
  // A kustomization that only gathers local files: those files, read
  // directly (render/resources_only.h); no tool runs.
  std::optional<render::GatheredFiles> gathered;
};

Result<Plan> PlanBuild(const FileSource& repo, const std::string& app, AppKind kind, const BuildTools& tools) {
  const std::string app_name = app.empty() ? "." : app;
  Plan plan;
  plan.kind = kind;
  Tool& tool = plan.tool;
  Result<render::AppInputs> inputs = render::AppInputs{};
  if (kind == AppKind::kKustomization) {
    auto gathered = render::ResourcesOnlyFiles(repo, app);
    if (!gathered.ok()) return gathered.status();
    plan.gathered = std::move(*gathered);
    if (plan.gathered) {  // exactly what is read: the files and the kustomizations naming them
      render::AppInputs read;
      read.files = plan.gathered->files;
      read.files.insert(read.files.end(), plan.gathered->kustomizations.begin(), plan.gathered->kustomizations.end());
      std::sort(read.files.begin(), read.files.end());
      read.files.erase(std::unique(read.files.begin(), read.files.end()), read.files.end());
      inputs = std::move(read);
      plan.inputs = std::move(*inputs);
      return plan;  // no tool runs, so none is looked up on PATH
    }
    inputs = render::KustomizeInputs(repo, app);
    tool.what = "kustomize";
    tool.argv = KustomizeCommand(tools);
    for (std::string& word : SplitWords(tools.kustomize_build_options)) tool.argv.push_back(std::move(word));
    const bool helm = std::find(tool.argv.begin(), tool.argv.end(), "--enable-helm") != tool.argv.end();
    if (helm && !tools.helm.empty()) tool.argv.insert(tool.argv.end(), {"--helm-command", tools.helm});
    tool.argv.push_back(".");
    tool.missing_hint = "install kustomize or kubectl, or set --kustomize (GITCANARY_KUSTOMIZE)";
  } else {
    auto missing = MissingDependencies(repo, app);
    if (!missing.ok()) return missing.status();
    if (!missing->empty())
      return Status::Invalid("app " + app_name + ": chart dependency " + missing->front() +
                             " is not vendored in charts/; run `helm dependency build` and commit charts/ "
                             "(gitcanary downloads nothing at render time)");
    inputs = render::ChartInputs(repo, app, tools.values_files);
    tool.what = "helm";
    const std::string release = tools.release_name.empty() ? BaseName(app.empty() ? "app" : app) : tools.release_name;
    tool.argv = {tools.helm.empty() ? "helm" : tools.helm, "template", release, ".", "--namespace",
                 tools.app_namespace.empty() ? "default" : tools.app_namespace, "--include-crds"};
    for (const std::string& v : tools.values_files) tool.argv.insert(tool.argv.end(), {"--values", v});
    for (const std::string& v : tools.set_values) tool.argv.insert(tool.argv.end(), {"--set", v});
    tool.missing_hint = "install Helm, or set --helm (GITCANARY_HELM)";
  }
  if (!inputs.ok()) return Status::Invalid("app " + app_name + ": " + inputs.status().message());
  plan.inputs = std::move(*inputs);
  return plan;
}

// Runs the plan: in place on disk, or in a scratch copy of a commit's inputs.
// The result has no status documents.
Result<std::vector<render::Manifest>> RunPlan(const Plan& plan, const FileSource& repo, const std::string& app,
                                              const BuildTools& tools, const std::optional<std::string>& disk_root) {
  const std::string app_name = app.empty() ? "." : app;
  if (plan.gathered) {
    auto loaded = render::LoadManifestFiles(repo, plan.gathered->files);
    if (!loaded.ok()) return loaded.status();
    std::vector<render::Manifest> out = std::move(*loaded);
    std::erase_if(out, [](const render::Manifest& m) { return render::IsStatusDocument(m); });
    if (out.empty())
      return Status::Invalid("app " + app_name + ": the kustomization lists no objects; refusing an empty result");
    return out;
  }
  std::optional<ScratchDir> scratch;
  std::string dir;
  if (disk_root) {
    dir = Join(*disk_root, app);
    if (dir.empty()) dir = ".";
  } else {
    auto made = ScratchDir::Make();
    if (!made.ok()) return made.status();
    scratch.emplace(std::move(*made));
    if (Status s = MaterialiseInputs(repo, plan.inputs, scratch->path()); !s.ok()) return s;
    dir = Join(scratch->path(), app);
    if (Status s = MakeDirs(dir); !s.ok()) return s;
  }
  auto text = RunBuild(plan.tool, dir, tools, scratch ? scratch->path() : "", app_name);
  if (!text.ok()) return text.status();
  auto manifests = render::ParseManifests(*text, plan.tool.what + kBuildLabel + app_name);
  if (!manifests.ok()) return manifests.status();
  if (manifests->empty())
    return Status::Invalid("app " + app_name + ": the " + plan.tool.what +
                           " build printed no objects; refusing an empty result");
  std::erase_if(*manifests, [](const render::Manifest& m) { return render::IsStatusDocument(m); });
  return std::move(*manifests);
}

std::string Explain(const Plan& plan, const std::string& app, bool in_place, std::size_t built, std::size_t statuses) {
  if (plan.gathered)
    return "app " + (app.empty() ? std::string(".") : app) + ": a kustomization that only lists local resources: " +
           std::to_string(plan.gathered->files.size()) + " files read as kustomize builds them, " + std::to_string(built) +
           " objects, and " + std::to_string(statuses) + " status documents from the app directory";
  std::string ran;
  for (const std::string& word : plan.tool.argv) ran += (ran.empty() ? "" : " ") + word;
  return "app " + (app.empty() ? std::string(".") : app) + ": a " + std::string(AppKindName(plan.kind)) +
         ", built by `" + ran + "`" + (in_place ? " in place" : " from the commit's tree in a temporary directory") +
         ": " + std::to_string(built) + " objects, and " + std::to_string(statuses) +
         " status documents from the app directory";
}

// Whether some file under `path` (a file or a directory, recursively) passes `wanted`.
Result<bool> AnyFileWanted(const FileSource& repo, const std::string& path, EntryType type,
                           const std::function<bool(std::string_view)>& wanted) {
  if (type == EntryType::kFile) {
    auto text = repo.Read(path, render::LoadLimits{}.max_file_bytes);
    return text.ok() && wanted(*text);
  }
  if (type != EntryType::kDirectory) return false;
  auto entries = repo.List(path);
  if (!entries.ok()) return entries.status();
  for (const DirEntry& e : *entries) {
    if (render::IsStatusFileName(e.name)) continue;
    auto found = AnyFileWanted(repo, Join(path, e.name), e.type, wanted);
    if (!found.ok() || *found) return found;
  }
  return false;
}

// Whether some input file passes `wanted`.
Result<bool> InputsWanted(const FileSource& repo, const render::AppInputs& inputs,
                          const std::function<bool(std::string_view)>& wanted) {
  for (const std::string& dir : inputs.dirs) {
    auto found = AnyFileWanted(repo, dir, EntryType::kDirectory, wanted);
    if (!found.ok() || *found) return found;
  }
  for (const std::string& file : inputs.files) {
    auto found = AnyFileWanted(repo, file, EntryType::kFile, wanted);
    if (!found.ok() || *found) return found;
  }
  return false;
}

}  // namespace

Result<BuiltApp> BuildApp(const FileSource& repo, const std::string& app, const BuildTools& tools,
                          const std::optional<std::string>& disk_root) {
  auto kind = ClassifyApp(repo, app);
  if (!kind.ok()) return kind.status();
  if (*kind == AppKind::kManifests) return LoadManifestDirectory(repo, app, repo, app, tools, disk_root);
  BuiltApp out;
  out.kind = *kind;
  auto plan = PlanBuild(repo, app, *kind, tools);
  if (!plan.ok()) return plan.status();
  auto manifests = RunPlan(*plan, repo, app, tools, disk_root);
  if (!manifests.ok()) return manifests.status();
  out.manifests = std::move(*manifests);
  const std::size_t built = out.manifests.size();
  if (Status s = AddStatusDocuments(repo, app, &out.manifests); !s.ok()) return s;
  out.explain.push_back(Explain(*plan, app, disk_root.has_value(), built, out.manifests.size() - built));
  return out;
}

Result<BuiltApp> LoadManifestDirectory(const FileSource& files, const std::string& dir, const FileSource& repo,
                                       const std::string& app, const BuildTools& tools,
                                       const std::optional<std::string>& disk_root) {
  BuiltApp out;
  std::vector<std::string> nested;
  auto manifests = render::LoadManifests(files, dir, &nested);
  if (!manifests.ok()) return manifests.status();
  out.manifests = std::move(*manifests);
  out.explain.push_back("app " + (app.empty() ? std::string(".") : app) + ": a directory of manifests, read as they are" +
                        (nested.empty() ? "" : ", with " + std::to_string(nested.size()) +
                                                   " kustomization subdirectories built as Flux builds them"));
  for (const std::string& sub : nested) {
    const std::string below = sub.substr(std::min(sub.size(), dir.size() + (dir.empty() ? 0 : 1)));
    auto built = BuildApp(repo, Join(app, below), tools, disk_root);
    if (!built.ok()) return built.status();
    for (render::Manifest& m : built->manifests) out.manifests.push_back(std::move(m));
    out.explain.insert(out.explain.end(), built->explain.begin(), built->explain.end());
  }
  return out;
}

bool IsBuiltObject(const render::Manifest& m) {
  return m.file.rfind(std::string("kustomize") + kBuildLabel, 0) == 0 || m.file.rfind(std::string("helm") + kBuildLabel, 0) == 0;
}

struct BuildCache::PlanMemo {
  Plan plan;
  std::vector<std::pair<std::string, std::string>> walked;  // kustomization directory -> tree id
};

// A kustomization's plan again while every kustomization directory it walked
// is the same tree: then it references the same inputs.
Result<Plan> CachedPlan(const FileSource& repo, const std::string& app, AppKind kind, const BuildTools& tools,
                        BuildCache& cache) {
  auto& memo = cache.plan_memos()[app];
  if (memo != nullptr && memo->plan.kind == kind &&
      std::all_of(memo->walked.begin(), memo->walked.end(),
                  [&](const auto& w) { return !w.second.empty() && render::DirectoryId(repo, w.first) == w.second; }))
    return memo->plan;
  auto plan = PlanBuild(repo, app, kind, tools);
  if (!plan.ok()) return plan.status();
  auto fresh = std::make_shared<BuildCache::PlanMemo>();
  fresh->plan = *plan;
  std::vector<std::string> dirs = plan->inputs.kustomizations;
  if (plan->gathered)
    for (const std::string& file : plan->gathered->kustomizations)
      dirs.push_back(file.find('/') == std::string::npos ? "" : file.substr(0, file.rfind('/')));
  for (const std::string& dir : dirs) fresh->walked.emplace_back(dir, render::DirectoryId(repo, dir));
  if (kind == AppKind::kKustomization && !dirs.empty()) memo = std::move(fresh);
  return plan;
}

const BuildCache::Build* BuildCache::Find(const std::string& app, const std::string& fingerprint) const {
  auto it = by_app_.find(app);
  return it != by_app_.end() && !fingerprint.empty() && it->second.fingerprint == fingerprint ? &it->second : nullptr;
}

void BuildCache::Store(const std::string& app, Build build) { by_app_[app] = std::move(build); }

Result<BuiltApp> BuildAppCached(const FileSource& repo, const std::string& app, const BuildTools& tools,
                                BuildCache& cache, const std::function<bool(std::string_view)>& wanted) {
  auto kind = ClassifyApp(repo, app);
  if (!kind.ok()) return kind.status();
  BuiltApp out;
  out.kind = *kind;
  if (out.kind == AppKind::kManifests) {
    // Its own files, and the inputs of the kustomizations inside it.
    std::vector<std::string> nested;
    auto files = render::ListManifestFiles(repo, app, &nested);
    if (!files.ok()) return files.status();
    bool holds = false;
    for (std::size_t i = 0; !holds && i < files->size(); ++i) {
      auto found = AnyFileWanted(repo, (*files)[i], EntryType::kFile, wanted);
      if (!found.ok()) return found.status();
      holds = *found;
    }
    for (std::size_t i = 0; !holds && i < nested.size(); ++i) {
      auto inputs = render::KustomizeInputs(repo, nested[i]);
      if (!inputs.ok()) return BuildApp(repo, app, tools, std::nullopt);  // its error, in full
      auto found = InputsWanted(repo, *inputs, wanted);
      if (!found.ok()) return found.status();
      holds = *found;
    }
    if (!holds) return out;
    return BuildApp(repo, app, tools, std::nullopt);
  }
  auto plan = CachedPlan(repo, app, *kind, tools, cache);
  if (!plan.ok()) return plan.status();
  auto fingerprint = render::InputsFingerprint(repo, plan->inputs);
  if (!fingerprint.ok()) return fingerprint.status();
  const BuildCache::Build* cached = cache.Find(app, *fingerprint);
  BuildCache::Build build;  // when nothing is cached
  if (cached == nullptr) {
    build.fingerprint = *fingerprint;
    auto found = InputsWanted(repo, plan->inputs, wanted);
    if (!found.ok()) return found.status();
    build.wanted = *found;
    if (build.wanted) {
      auto manifests = RunPlan(*plan, repo, app, tools, std::nullopt);
      if (!manifests.ok()) return manifests.status();
      build.manifests = std::move(*manifests);
      ++cache.builds_;
    }
    if (!fingerprint->empty()) {
      cache.Store(app, std::move(build));
      cached = cache.Find(app, *fingerprint);
    } else {
      cached = &build;
    }
  }
  if (!cached->wanted) return out;
  out.manifests = cached->manifests;
  const std::size_t built = out.manifests.size();
  if (Status s = AddStatusDocuments(repo, app, &out.manifests); !s.ok()) return s;
  out.explain.push_back(Explain(*plan, app, false, built, out.manifests.size() - built));
  return out;
}

}  // namespace gitcanary::plugin
