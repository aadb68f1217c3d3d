#include "plugin/serve/canary_catalog.h"

#include <algorithm>
#include <regex>
#include <set>

#include "plugin/sources/config_lookup.h"
#include "plugin/apps/namespace_scope.h"
#include "plugin/apps/shared_references.h"
#include "render/app_roots.h"
#include "policies/status_state.h"
#include "render/canary_spec.h"
#include "render/canary_templates.h"
#include "render/kurator/application.h"
#include "render/kurator/expand.h"
#include "render/helm_release/link.h"
#include "render/helm_release/snapshot.h"
#include "render/loader.h"
#include "render/primary_workload.h"
#include "render/revision_checksum.h"

namespace gitcanary::plugin {

namespace {

using Key = std::pair<std::string, std::string>;  // (effective namespace, name)

bool MentionsCanary(std::string_view text) {  // the files of an app that may hold a canary
  // Block YAML (kind: Canary), flow YAML ({kind: Canary, ...}) and JSON ("kind": "Canary",).
  static const std::regex kCanaryKind(R"(kind["']?\s*:\s*["']?Canary["']?\s*([\n\r#,}]|$))");
  if (text.find(render::kTemplateAnnotation) != std::string_view::npos) return true;
  if (text.find(render::kurator::kApplicationGroup) != std::string_view::npos && text.find("rollout") != std::string_view::npos)
    return true;  // a Kurator Application's rollout generates a Canary
  if (text.find("Canary") == std::string_view::npos) return false;
  return std::regex_search(text.begin(), text.end(), kCanaryKind);
}

// A file name as the loader gives it ("REV:path") as a path from the top.
std::string PathOf(const std::string& file, const std::string& revision) {
  const std::string prefix = revision + ":";
  return file.compare(0, prefix.size(), prefix) == 0 ? file.substr(prefix.size()) : file;
}

struct AppObjects {
  const std::vector<render::Manifest>* manifests = nullptr;
  render::ReleaseInputs releases;  // what HelmRelease canaries read
  std::map<Key, const render::Manifest*> deployments, config_maps_by_key;
  std::map<std::string, std::map<std::string, const render::Manifest*>> config_maps;  // ns -> name -> object
  std::map<std::string, std::map<std::string, const yaml::Node*>> config_map_docs, secret_docs;
  std::map<Key, Result<render::StatusRecord>> status_docs;
};

AppObjects IndexApp(const std::vector<render::Manifest>& manifests, const std::string& app_ns) {
  AppObjects out;
  out.manifests = &manifests;
  out.releases = render::IndexReleaseInputs(manifests, app_ns);
  for (const render::Manifest& m : manifests) {
    const std::string& ns = m.EffectiveNamespace(app_ns);
    if (m.kind == "Deployment" && m.Group() == "apps") out.deployments.emplace(Key{ns, m.name}, &m);
    else if (m.kind == "ConfigMap" && m.api_version == "v1") {
      out.config_maps[ns].emplace(m.name, &m);
      out.config_map_docs[ns].emplace(m.name, &m.doc);
    } else if (m.kind == "Secret" && m.api_version == "v1") {
      out.secret_docs[ns].emplace(m.name, &m.doc);
    } else if (render::IsStatusDocument(m)) {
      auto record = render::ParseStatusDocument(m);
      std::string name = record.ok() ? record->name : m.name;
      out.status_docs.emplace(Key{ns, std::move(name)}, std::move(record));
    }
  }
  return out;
}

// trackedConfigs of a revision: a digest of each referenced ConfigMap's and Secret's data.
std::map<std::string, std::string> TrackedConfigs(const yaml::Node& pod_template, const AppObjects& objects,
                                                  const std::string& ns) {
  std::map<std::string, std::string> out;
  const render::ConfigRefs refs = render::ReferencedConfigs(pod_template);
  auto digest = [&](const std::map<std::string, std::map<std::string, const yaml::Node*>>& docs,
                    const std::string& name, const std::string& kind) {
    auto in_ns = docs.find(ns);
    if (in_ns == docs.end()) return;
    auto it = in_ns->second.find(name);
    if (it == in_ns->second.end() || !render::TrackedConfig(*it->second)) return;  // as Flagger tracks them
    const yaml::Node* data = it->second->Find("data");
    const yaml::Node* string_data = it->second->Find("stringData");
    yaml::Node both = yaml::Node::Mapping(2);
    if (data != nullptr) both.Set("data", *data);
    if (string_data != nullptr) both.Set("stringData", *string_data);
    out[kind + "/" + name] = render::Digest(both);
  };
  for (const std::string& name : refs.config_maps) digest(objects.config_map_docs, name, "configmap");
  for (const std::string& name : refs.secrets) digest(objects.secret_docs, name, "secret");
  return out;
}

const std::map<std::string, const yaml::Node*> kNoDocs;
const std::map<std::string, const render::Manifest*> kNoConfigMaps;

template <typename Map>
const typename Map::mapped_type& InNamespace(const Map& map, const std::string& ns,
                                             const typename Map::mapped_type& none) {
  auto it = map.find(ns);
  return it == map.end() ? none : it->second;
}

// The revision and snapshot of a Canary whose target HelmRelease `name` renders:
// its chart, values and Git or OCI chart source (render/helm_release/snapshot.h).
Status ReadHelmReleaseEntry(const std::vector<render::Manifest>& manifests, const std::string& ns,
                            const std::string& name, const render::ReleaseInputs& releases, CatalogEntry* entry) {
  for (const render::Manifest& m : manifests) {
    if (!render::IsHelmRelease(m) || m.name != name || m.EffectiveNamespace(releases.app_namespace) != ns) continue;
    if (Status s = render::CheckPinnedChart(m, releases); !s.ok()) return s;
    entry->revision = render::HelmReleaseRevision(m, releases);
    entry->current = render::CurrentHelmReleaseSnapshot(m, releases);
    entry->current_configs = render::HelmReleaseTrackedConfigs(m, releases);
    return Status::Ok();
  }
  return Status::Internal("canary " + entry->id + ": HelmRelease " + ns + "/" + name + " vanished");
}

// Fills in everything about one Canary; the first problem becomes entry->error.
Status ReadEntry(render::Manifest& canary, const AppObjects& objects, const CatalogOptions& options,
                 const std::string& default_provider, CatalogEntry* entry) {
  const std::string& app_ns = options.app_namespace;
  const std::string& ns = canary.EffectiveNamespace(app_ns);
  auto info = render::NormaliseCanary(canary, default_provider);
  if (!info.ok()) return info.status();
  auto spec = policies::ReadAnalysisSpec(canary, app_ns, entry->app->templates, options.min_interval_ms, entry->app->scope,
                               default_provider);
  if (!spec.ok()) return spec.status();
  entry->spec = std::move(*spec);
  if (Status s = policies::CheckAlertProviders(entry->spec, entry->app->providers, entry->app->scope); !s.ok()) return s;

  auto annotated = render::ParseStatusAnnotation(canary);
  if (!annotated.ok()) return annotated.status();
  auto doc = objects.status_docs.find(Key{ns, canary.name});
  if (doc != objects.status_docs.end() && !doc->second.ok()) return doc->second.status();
  if (doc != objects.status_docs.end() && annotated->has_value())
    return Status::Invalid("canary " + entry->id + " has a status annotation and a status document (" +
                           doc->second->file + "); keep one place of record");
  if (annotated->has_value() && entry->built)
    return Status::Invalid("canary " + entry->id + " carries its status in an annotation, but its app is built by " +
                           "kustomize or Helm; keep the status in " + entry->id.substr(entry->id.find('/') + 1) +
                           std::string(render::kStatusFileSuffix) + " in the app directory");
  if (annotated->has_value()) {
    entry->status = std::move((*annotated)->status);
    entry->status_in_annotation = true;
  } else if (doc != objects.status_docs.end()) {
    entry->status = doc->second->status;
    entry->status_file = doc->second->file;
  }
  auto state = policies::StateOf(entry->status, entry->id);
  if (!state.ok()) return state.status();
  entry->state = *state;

  std::vector<std::string> explain;
  auto release = render::LinkHelmRelease(*objects.manifests, canary, *info, app_ns, &explain);
  if (!release.ok()) return release.status();
  if (!release->empty()) return ReadHelmReleaseEntry(*objects.manifests, ns, *release, objects.releases, entry);
  auto target = objects.deployments.find(Key{ns, info->target});
  if (target == objects.deployments.end())
    return Status::Invalid("canary " + entry->id + ": target Deployment " + ns + "/" + info->target +
                           " is not in the app directory " + (entry->app_dir.empty() ? "." : entry->app_dir));
  const yaml::Node* pod_template = target->second->doc.Path({"spec", "template"});
  if (pod_template == nullptr)
    return Status::Invalid("canary " + entry->id + ": Deployment " + info->target + " has no spec.template");
  entry->revision = render::RevisionChecksum(*pod_template, InNamespace(objects.config_map_docs, ns, kNoDocs),
                                             InNamespace(objects.secret_docs, ns, kNoDocs));
  entry->current = render::SnapshotOf(*pod_template, InNamespace(objects.config_maps, ns, kNoConfigMaps));
  entry->current_configs = TrackedConfigs(*pod_template, objects, ns);
  return Status::Ok();
}

// One app as loaded: its objects, and its definitions for the others.
struct LoadedApp {
  std::string dir;
  std::vector<render::Manifest> manifests;  // templates expanded
  bool from_build = false;
  bool has_canary = false;
  std::string default_provider;  // defaults.provider of its gitcanary.yaml
  AppDefinitions definitions;
};

bool Wanted(std::string_view text) { return MentionsCanary(text) || MentionsSharedReference(text); }

// Loads the app at `dir` when it may hold a canary or a definition; nullopt
// when it holds neither or an in-cluster Flagger runs it (noted in `flagger_apps`).
Result<std::optional<LoadedApp>> LoadApp(const git::TreeSource& tree, const std::string& dir,
                                         const CatalogOptions& options, BuildCache& cache,
                                         std::vector<std::string>* flagger_apps) {
  const std::string& app_ns = options.app_namespace;
  auto config = LoadNearestConfig(tree, dir);
  if (!config.ok()) return config.status();
  BuildTools tools = options.tools;
  if (tools.app_namespace.empty()) tools.app_namespace = app_ns;
  auto built = BuildAppCached(tree, dir, tools, cache, Wanted);
  if (!built.ok()) return built.status();
  if (built->manifests.empty()) return std::optional<LoadedApp>();
  LoadedApp app;
  app.dir = dir;
  app.from_build = built->kind != AppKind::kManifests;
  app.default_provider = config->default_provider;
  app.manifests = std::move(built->manifests);
  std::vector<std::string> explain;
  if (Status s = render::ExpandCanaryTemplates(app.manifests, *config, app_ns, &explain); !s.ok()) return s;
  if (auto k = render::kurator::ExpandApplications(app.manifests, config->mode.value_or(render::Mode::kGit), app_ns, &explain);
      !k.ok())
    return k.status();
  // A namespace rule of the top gitcanary.yaml: an app that breaks it does not
  // load, so neither its canaries nor its templates and providers are used.
  auto rule = NamespaceScopeFor(tree, dir, *config);
  if (!rule.ok()) return rule.status();
  if (*rule)
    if (Status s = render::CheckNamespaces(**rule, app.manifests, app_ns); !s.ok()) return s;
  auto templates = policies::ReadMetricTemplates(app.manifests, app_ns);
  if (!templates.ok()) return templates.status();
  auto providers = policies::ReadAlertProviders(app.manifests, app_ns);
  if (!providers.ok()) return providers.status();
  app.definitions = {dir, std::move(*templates), std::move(*providers)};
  app.has_canary = std::any_of(app.manifests.begin(), app.manifests.end(), render::IsCanary);
  if (app.has_canary && config->mode == render::Mode::kFlagger) {  // an in-cluster Flagger runs these
    flagger_apps->push_back(dir.empty() ? "." : dir);
    app.has_canary = false;
  }
  return std::optional<LoadedApp>(std::move(app));
}

void AddEntries(LoadedApp& app, const git::TreeSource& tree, const CatalogOptions& options,
                const std::shared_ptr<const AppIndexes>& indexes, std::vector<CatalogEntry>* out) {
  const std::string& app_ns = options.app_namespace;
  const AppObjects objects = IndexApp(app.manifests, app_ns);
  for (render::Manifest& m : app.manifests) {
    if (!render::IsCanary(m)) continue;
    CatalogEntry entry;
    entry.id = m.EffectiveNamespace(app_ns) + "/" + m.name;
    entry.app_dir = app.dir;
    entry.canary_file = PathOf(m.file, tree.Revision());
    const yaml::Node* generated = m.doc.Path({"metadata", "annotations", std::string(render::kGeneratedFromAnnotation)});
    entry.generated = generated != nullptr ||  // from a template, or from a Kurator Application's rollout
                      m.doc.Path({"metadata", "annotations", std::string(render::kurator::kRolloutAnnotation)}) != nullptr;
    entry.built = app.from_build || IsBuiltObject(m);
    entry.app = indexes;
    entry.error = ReadEntry(m, objects, options, app.default_provider, &entry);
    if (!entry.status_file.empty()) entry.status_file = PathOf(entry.status_file, tree.Revision());
    out->push_back(std::move(entry));
  }
}

}  // namespace

const CatalogEntry* Catalog::Find(const std::string& id) const {
  auto it = std::lower_bound(canaries.begin(), canaries.end(), id,
                             [](const CatalogEntry& e, const std::string& key) { return e.id < key; });
  return it != canaries.end() && it->id == id ? &*it : nullptr;
}

Result<Catalog> ReadCatalog(const git::TreeSource& tree, const CatalogOptions& options) {
  auto top = LoadNearestConfig(tree, "");
  if (!top.ok()) return top.status();
  BuildCache local;
  BuildCache& cache = options.cache != nullptr ? *options.cache : local;
  auto roots = render::FindAppRoots(tree, top->apps ? &*top->apps : nullptr, {}, &cache.app_roots, options.publish_dir);
  if (!roots.ok()) return roots.status();
  Catalog out;
  out.commit = tree.Revision();
  std::vector<LoadedApp> apps;
  for (const std::string& dir : roots->dirs) {
    auto app = LoadApp(tree, dir, options, cache, &out.flagger_apps);
    if (!app.ok()) out.errors.push_back((dir.empty() ? "." : dir) + ": " + app.status().message());
    else if (*app) apps.push_back(std::move(**app));
  }
  std::vector<AppDefinitions> definitions;
  for (LoadedApp& app : apps) definitions.push_back(std::move(app.definitions));
  SharedReferences shared = MergeDefinitions(definitions);
  auto indexes = std::make_shared<AppIndexes>();
  indexes->templates = std::move(shared.templates);
  indexes->providers = std::move(shared.providers);
  indexes->scope = std::move(shared.scope);
  for (LoadedApp& app : apps)
    if (app.has_canary) AddEntries(app, tree, options, indexes, &out.canaries);
  std::sort(out.canaries.begin(), out.canaries.end(),
            [](const CatalogEntry& a, const CatalogEntry& b) { return a.id < b.id; });
  for (std::size_t i = 1; i < out.canaries.size(); ++i) {
    if (out.canaries[i].id == out.canaries[i - 1].id && out.canaries[i].error.ok())
      out.canaries[i].error = Status::Invalid("canary " + out.canaries[i].id + " is defined twice: in " +
                                              out.canaries[i - 1].canary_file + " and " + out.canaries[i].canary_file);
  }
  return out;
}

}  // namespace gitcanary::plugin
