#include "tests/helm_release_build.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "render/json_emit.h"
#include "render/loader.h"
#include "render/yaml_parse.h"
#include "tests/test_util.h"

namespace gitcanary::testing {

namespace {

namespace fs = std::filesystem;

std::string ScalarAt(const yaml::Node& doc, std::initializer_list<std::string_view> path) {
  const yaml::Node* n = doc.Path(path);
  return n != nullptr && n->IsScalar() ? n->value : "";
}

std::string Json(const yaml::Node& n) {
  std::string out;
  yaml::EmitJson(n, &out);
  return out + "\n";
}

// The version field of the chart in `dir`, or "".
std::string ChartVersion(const std::string& dir) {
  auto docs = yaml::ParseYamlStream(ReadFile(dir + "/Chart.yaml"), "Chart.yaml");
  if (!docs.ok() || docs->empty()) return "";
  return ScalarAt(docs->front(), {"version"});
}

// Runs `args`; "" on success, else the command and its stderr.
std::string RunStep(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                    std::string* out) {
  RunResult run = Run(args, "", env, 120);
  if (run.exit_code == 0) {
    *out = run.out;
    return "";
  }
  std::string command;
  for (const std::string& a : args) command += (command.empty() ? "" : " ") + a;
  return command + " exited " + std::to_string(run.exit_code) + ": " + run.err;
}

// `kubectl kustomize` of `input` (as helm-output.yaml) under `kustomization`,
// whose `resources` this adds; in directory `dir`.
std::string Kustomize(const HelmTools& tools, const std::string& dir, const std::string& input,
                      yaml::Node kustomization, std::string* out) {
  yaml::Node resources = yaml::Node::Sequence();
  resources.items.push_back(yaml::Node::String("helm-output.yaml"));
  kustomization.Set("resources", std::move(resources));
  WriteFile(dir + "/helm-output.yaml", input);
  WriteFile(dir + "/kustomization.yaml", Json(kustomization));
  return RunStep({tools.kubectl, "kustomize", dir}, {}, out);
}

// The files of spec.valuesFrom, in order, from the ConfigMaps among `plain`
// in namespace `ns` (the key `valuesKey`, default values.yaml); "" or what
// the harness cannot resolve. Helm merges its -f files in order, later ones
// on top, as helm-controller merges valuesFrom and then spec.values.
std::string ValuesFrom(const yaml::Node& doc, const std::vector<render::Manifest>& plain, const std::string& ns,
                       const std::string& work, std::vector<std::string>* files) {
  const yaml::Node* from = doc.Path({"spec", "valuesFrom"});
  for (std::size_t i = 0; from != nullptr && i < from->items.size(); ++i) {
    const yaml::Node& ref = from->items[i];
    const std::string kind = ScalarAt(ref, {"kind"}), name = ScalarAt(ref, {"name"});
    std::string key = ScalarAt(ref, {"valuesKey"});
    if (key.empty()) key = "values.yaml";
    if (kind != "ConfigMap" || !ScalarAt(ref, {"targetPath"}).empty())
      return "spec.valuesFrom[" + std::to_string(i) + "]: only ConfigMaps without targetPath are resolved here";
    const render::Manifest* found = nullptr;
    for (const render::Manifest& m : plain)
      if (m.kind == "ConfigMap" && m.name == name && m.ns == ns) found = &m;
    const std::string data = found == nullptr ? "" : ScalarAt(found->doc, {"data", key});
    if (found == nullptr || found->doc.Path({"data", key}) == nullptr) {
      if (ScalarAt(ref, {"optional"}) == "true") continue;
      return "spec.valuesFrom[" + std::to_string(i) + "]: no ConfigMap " + ns + "/" + name + " with key " + key;
    }
    files->push_back(work + "/values-from-" + std::to_string(i) + ".yaml");
    WriteFile(files->back(), data);
  }
  return "";
}

// One HelmRelease `doc`, built in `work`.
std::string BuildOne(const HelmTools& tools, const yaml::Node& doc, const std::map<std::string, std::string>& charts,
                     const std::vector<render::Manifest>& plain, const std::string& default_ns,
                     const std::string& work, BuiltRelease* release) {
  release->name = ScalarAt(doc, {"metadata", "name"});
  release->ns = ScalarAt(doc, {"metadata", "namespace"});
  if (release->ns.empty()) release->ns = default_ns;
  const std::string target = ScalarAt(doc, {"spec", "targetNamespace"});
  release->target_ns = target.empty() ? release->ns : target;
  release->release_name = ScalarAt(doc, {"spec", "releaseName"});
  if (release->release_name.empty()) release->release_name = target.empty() ? release->name : target + "-" + release->name;
  const std::string what = "HelmRelease " + release->ns + "/" + release->name + ": ";

  const std::string chart_name = ScalarAt(doc, {"spec", "chart", "spec", "chart"});
  const std::string version = ScalarAt(doc, {"spec", "chart", "spec", "version"});
  auto chart = charts.find(chart_name + "@" + version);
  if (chart == charts.end()) chart = charts.find(chart_name);
  if (chart == charts.end()) return what + "no local directory for chart \"" + chart_name + "\"";
  if (version != ChartVersion(chart->second))
    return what + "spec.chart.spec.version \"" + version + "\" is not the chart's version \"" +
           ChartVersion(chart->second) + "\"";
  std::vector<std::string> values_files;
  std::string error = ValuesFrom(doc, plain, release->ns, work, &values_files);
  if (!error.empty()) return what + error;
  const yaml::Node* values = doc.Path({"spec", "values"});
  WriteFile(work + "/values.yaml", values != nullptr && values->IsMapping() ? Json(*values) : "{}\n");
  values_files.push_back(work + "/values.yaml");
  const std::map<std::string, std::string> helm_env = {
      {"HELM_CACHE_HOME", work + "/helm/cache"}, {"HELM_CONFIG_HOME", work + "/helm/config"},
      {"HELM_DATA_HOME", work + "/helm/data"}};
  std::vector<std::string> args = {tools.helm, "template", release->release_name, chart->second, "--namespace",
                                   release->target_ns};
  for (const std::string& f : values_files) args.insert(args.end(), {"-f", f});
  std::string stream;
  error = RunStep(args, helm_env, &stream);
  if (!error.empty()) return what + error;

  const yaml::Node* renderers = doc.Path({"spec", "postRenderers"});
  for (std::size_t i = 0; renderers != nullptr && i < renderers->items.size(); ++i) {
    const yaml::Node* kustomize = renderers->items[i].Find("kustomize");
    if (kustomize == nullptr) continue;
    yaml::Node kustomization = yaml::Node::Mapping();
    for (const char* key : {"patches", "images"})
      if (const yaml::Node* n = kustomize->Find(key)) kustomization.Set(key, *n);
    error = Kustomize(tools, work + "/post-render-" + std::to_string(i), stream, std::move(kustomization), &stream);
    if (!error.empty()) return what + "postRenderers[" + std::to_string(i) + "]: " + error;
  }

  yaml::Node pairs = yaml::Node::Mapping();
  pairs.Set("helm.toolkit.fluxcd.io/name", yaml::Node::String(release->name));
  pairs.Set("helm.toolkit.fluxcd.io/namespace", yaml::Node::String(release->ns));
  yaml::Node entry = yaml::Node::Mapping();
  entry.Set("pairs", std::move(pairs));
  yaml::Node labels = yaml::Node::Sequence();
  labels.items.push_back(std::move(entry));
  yaml::Node origin = yaml::Node::Mapping();
  origin.Set("labels", std::move(labels));
  error = Kustomize(tools, work + "/origin-labels", stream, std::move(origin), &release->output);
  if (!error.empty()) return what + "origin labels: " + error;

  auto objects = render::ParseManifests(release->output, release->name);
  if (!objects.ok()) return what + objects.status().message();
  for (render::Manifest& m : *objects)
    if (m.ns.empty()) m.ns = release->target_ns;
  release->objects = std::move(*objects);
  return "";
}

}  // namespace

namespace {

std::string HelmMissing(const std::string& helm_env, std::string* helm) {
  const char* path = std::getenv(helm_env.c_str());
  if (path == nullptr || *path == '\0')
    return helm_env + " is not set (eval \"$(bash scripts/install_helm.sh build)\" sets it)";
  if (::access(path, X_OK) != 0) return helm_env + "=" + std::string(path) + " is not an executable file";
  *helm = path;
  return "";
}

std::string KubectlMissing(std::string* kubectl) {
  const char* path_env = std::getenv("PATH");
  std::stringstream dirs(path_env == nullptr ? "" : path_env);
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (!dir.empty() && ::access((dir + "/kubectl").c_str(), X_OK) == 0) {
      *kubectl = dir + "/kubectl";
      return "";
    }
  }
  return "kubectl is not on PATH (its `kubectl kustomize` builds the post-renderers)";
}

}  // namespace

std::string FindTestHelm(const std::string& helm_env) {
  std::string helm;
  if (const std::string missing = HelmMissing(helm_env, &helm); !missing.empty()) MESSAGE("skipped: " << missing);
  return helm;
}

std::string FindKubectl() {
  std::string kubectl;
  if (const std::string missing = KubectlMissing(&kubectl); !missing.empty()) MESSAGE("skipped: " << missing);
  return kubectl;
}

std::string LocateHelmTools(const std::string& helm_env, HelmTools* tools) {
  std::string missing = HelmMissing(helm_env, &tools->helm);
  return missing.empty() ? KubectlMissing(&tools->kubectl) : missing;
}

std::optional<HelmTools> FindHelmTools(const std::string& helm_env) {
  HelmTools tools;
  if (const std::string missing = LocateHelmTools(helm_env, &tools); !missing.empty()) {
    MESSAGE("skipped: " << missing);
    return std::nullopt;
  }
  return tools;
}

HelmReleaseBuild BuildHelmReleases(const HelmTools& tools, const std::string& stream,
                                   const std::map<std::string, std::string>& charts, const std::string& default_ns,
                                   HelmReleaseCache* cache) {
  HelmReleaseBuild build;
  auto docs = render::ParseManifests(stream, "stream");
  if (!docs.ok()) {
    build.error = docs.status().message();
    return build;
  }
  auto is_release = [](const render::Manifest& m) {
    return m.kind == "HelmRelease" && m.api_version.rfind("helm.toolkit.fluxcd.io/", 0) == 0;
  };
  std::vector<const render::Manifest*> releases;
  for (render::Manifest& m : *docs) {
    if (m.ns.empty()) m.ns = default_ns;
    if (is_release(m)) {
      releases.push_back(&m);
    } else {
      build.plain.push_back(m);
    }
  }
  TempDir work;
  for (const render::Manifest* m : releases) {
    std::string key = m->ns + "/" + m->name + "\n";
    if (const yaml::Node* spec = m->doc.Find("spec")) key += Json(*spec);
    for (const render::Manifest& p : build.plain)
      if (p.kind == "ConfigMap") key += p.ns + "/" + p.name + Json(p.doc);
    if (cache != nullptr) {
      auto hit = cache->find(key);
      if (hit != cache->end()) {
        build.releases.push_back(hit->second);
        continue;
      }
    }
    BuiltRelease release;
    const std::string dir = work / std::to_string(build.releases.size());
    fs::create_directories(dir);
    build.error = BuildOne(tools, m->doc, charts, build.plain, default_ns, dir, &release);
    if (!build.error.empty()) return build;
    ++build.built;
    if (cache != nullptr) (*cache)[key] = release;
    build.releases.push_back(std::move(release));
  }
  return build;
}

std::string ChartAtVersion(const std::string& chart, const std::string& dir, const std::string& version) {
  const std::string copy = dir + "/" + fs::path(chart).filename().string() + "-" + version;
  if (!fs::exists(copy + "/Chart.yaml")) {
    fs::create_directories(copy);
    fs::copy(chart, copy, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
    std::string text = ReadFile(chart + "/Chart.yaml"), out;
    std::stringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("version:", 0) == 0) line = "version: " + version;
      if (line.rfind("appVersion:", 0) == 0) line = "appVersion: \"" + version + "\"";
      out += line + "\n";
    }
    WriteFile(copy + "/Chart.yaml", out);
  }
  return copy;
}

std::vector<const render::Manifest*> AllObjects(const HelmReleaseBuild& build) {
  std::vector<const render::Manifest*> out;
  for (const BuiltRelease& r : build.releases)
    for (const render::Manifest& m : r.objects) out.push_back(&m);
  for (const render::Manifest& m : build.plain) out.push_back(&m);
  return out;
}

}  // namespace gitcanary::testing
