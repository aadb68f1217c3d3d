#include "render/app_config.h"

#include <cctype>

#include "render/fields.h"
#include "render/routing/provider.h"
#include "render/yaml_parse.h"

namespace gitcanary::render {

using yaml::Node;

namespace {

Status CheckKeys(const Fields& f, const Node& map, std::string_view path,
                 std::initializer_list<std::string_view> allowed) {
  for (const yaml::Field& field : map.fields) {
    bool known = false;
    for (std::string_view a : allowed) known = known || field.key == a;
    if (!known) {
      std::string list;
      for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      return Status::Invalid(AtPlace(f.file(), field.key_mark.line, field.key_mark.column,
                                     JoinPath(path, field.key) + ": unknown field; expected one of " + list));
    }
  }
  return Status::Ok();
}

Status ReadHpa(const Fields& f, const Node& hpa, HpaDefaults* out) {
  const std::string path = "defaults.hpa";
  Status s = CheckKeys(f, hpa, path, {"minReplicas", "maxReplicas", "cpuUtilization"});
  if (!s.ok()) return s;
  struct Item { const char* key; long long* target; long long lo, hi; };
  for (Item item : {Item{"minReplicas", &out->min_replicas, 1, 10000},
                    Item{"maxReplicas", &out->max_replicas, 1, 10000},
                    Item{"cpuUtilization", &out->cpu_utilization, 1, 1000}}) {
    auto v = f.Int(hpa, item.key, path);
    if (!v.ok()) return v.status();
    if (!v->has_value()) continue;
    if (**v < item.lo || **v > item.hi) {
      return f.Error(*hpa.Find(item.key), JoinPath(path, item.key),
                     "must be between " + std::to_string(item.lo) + " and " + std::to_string(item.hi));
    }
    *item.target = **v;
  }
  if (out->min_replicas > out->max_replicas) {
    return f.Error(hpa, path, "minReplicas " + std::to_string(out->min_replicas) +
                                  " is larger than maxReplicas " + std::to_string(out->max_replicas));
  }
  return Status::Ok();
}

// A list of non-empty strings, each at most once; `check` vets each one.
template <typename Check>
Status ReadNames(const Fields& f, const Node& defaults, const char* key, std::vector<std::string>* out, Check check) {
  const std::string path = JoinPath("defaults", key);
  auto list = f.Sequence(defaults, key, "defaults");
  if (!list.ok()) return list.status();
  if (*list == nullptr) return Status::Ok();
  std::vector<std::string> names;
  for (std::size_t i = 0; i < (*list)->items.size(); ++i) {
    const Node& item = (*list)->items[i];
    const std::string at = path + "[" + std::to_string(i) + "]";
    if (!item.IsStringScalar() || item.value.empty()) return f.Error(item, at, "expected a non-empty string, got " + Shown(item));
    if (std::string why = check(item.value); !why.empty()) return f.Error(item, at, why);
    for (const std::string& seen : names)
      if (seen == item.value) return f.Error(item, at, "listed twice: " + Shown(item));
    names.push_back(item.value);
  }
  *out = std::move(names);
  return Status::Ok();
}

// A label key as Kubernetes allows it: [prefix/]name, name of 1-63 characters
// [A-Za-z0-9_.-] beginning and ending alphanumeric.
std::string LabelKeyProblem(const std::string& key) {
  const std::size_t slash = key.rfind('/');
  const std::string name = slash == std::string::npos ? key : key.substr(slash + 1);
  auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  bool ok = !name.empty() && name.size() <= 63 && alnum(name.front()) && alnum(name.back());
  for (char c : name) ok = ok && (alnum(c) || c == '-' || c == '_' || c == '.');
  return ok ? "" : "\"" + key + "\" is not a Kubernetes label key";
}

Status ReadLabels(const Fields& f, const Node& defaults, WorkloadLabels* out) {
  Status s = ReadNames(f, defaults, "selectorLabels", &out->selector, LabelKeyProblem);
  if (!s.ok()) return s;
  if (const Node* list = defaults.Find("selectorLabels"); list != nullptr && out->selector.empty())
    return f.Error(*list, "defaults.selectorLabels", "at least one selector label is needed");
  return ReadNames(f, defaults, "includeLabelPrefix", &out->include_prefix, [](const std::string&) { return std::string(); });
}

Status ReadDefaults(const Fields& f, const Node& defaults, AppConfig* config) {
  Status s = CheckKeys(f, defaults, "defaults", {"mode", "provider", "hpa", "selectorLabels", "includeLabelPrefix"});
  if (!s.ok()) return s;
  auto provider = f.String(defaults, "provider", "defaults");
  if (!provider.ok()) return provider.status();
  if (provider->has_value()) {
    if (std::string problem = FlaggerProviderProblem(**provider); !problem.empty())
      return f.Error(*defaults.Find("provider"), "defaults.provider", problem);
    config->default_provider = **provider;
  }
  if (!(s = ReadLabels(f, defaults, &config->labels)).ok()) return s;
  auto mode = f.String(defaults, "mode", "defaults");
  if (!mode.ok()) return mode.status();
  if (mode->has_value()) {
    auto parsed = ParseMode(**mode);
    if (!parsed.ok()) return f.Error(*defaults.Find("mode"), "defaults.mode", parsed.status().message());
    config->mode = *parsed;
  }
  auto hpa = f.Mapping(defaults, "hpa", "defaults");
  if (!hpa.ok()) return hpa.status();
  return *hpa == nullptr ? Status::Ok() : ReadHpa(f, **hpa, &config->hpa);
}

// "a/b" yes; "", "/a", "a//b", "../a", "a/./b" no.
bool IsPathBelow(std::string_view dir) {
  if (dir.empty() || dir[0] == '/') return false;
  std::size_t start = 0;
  while (start <= dir.size()) {
    std::size_t end = dir.find('/', start);
    if (end == std::string_view::npos) end = dir.size();
    std::string_view segment = dir.substr(start, end - start);
    if (segment.empty() || segment == "." || segment == "..") return false;
    start = end + 1;
  }
  return true;
}

// apps: directories relative to the config's directory, clean and unique.
Status ReadApps(const Fields& f, const Node& root, AppConfig* config) {
  auto apps = f.Sequence(root, "apps", "");
  if (!apps.ok()) return apps.status();
  if (*apps == nullptr) return Status::Ok();
  config->apps.emplace();
  for (std::size_t i = 0; i < (*apps)->items.size(); ++i) {
    const Node& item = (*apps)->items[i];
    const std::string path = "apps[" + std::to_string(i) + "]";
    if (!item.IsStringScalar() || item.value.empty()) return f.Error(item, path, "expected a directory path");
    std::string dir = item.value;
    while (dir.rfind("./", 0) == 0) dir.erase(0, 2);
    while (!dir.empty() && dir.back() == '/') dir.pop_back();
    if (!IsPathBelow(dir))
      return f.Error(item, path, "expected a directory below the config's directory, got " + Shown(item));
    for (const std::string& seen : *config->apps)
      if (seen == dir) return f.Error(item, path, "listed twice: " + Shown(item));
    config->apps->push_back(std::move(dir));
  }
  return Status::Ok();
}

Status ReadTemplates(const Fields& f, const Node& templates, AppConfig* config) {
  for (const yaml::Field& field : templates.fields) {
    std::string path = JoinPath("templates", field.key);
    if (!field.value.IsMapping()) return f.Error(field.value, path, "expected a mapping with a spec, got " + Shown(field.value));
    Status s = CheckKeys(f, field.value, path, {"spec"});
    if (!s.ok()) return s;
    auto spec = f.Mapping(field.value, "spec", path);
    if (!spec.ok()) return spec.status();
    if (*spec == nullptr) return f.Error(field.value, JoinPath(path, "spec"), "missing");
    if ((*spec)->Find("targetRef") != nullptr) {
      return f.Error(*(*spec)->Find("targetRef"), JoinPath(path, "spec.targetRef"),
                     "set by gitcanary from the annotated Deployment; remove it from the template");
    }
    config->templates[field.key] = CanaryTemplate{**spec};
  }
  return Status::Ok();
}

// A list of namespace names or globs with `*` (at least one when `required`).
Status ReadNamespaceList(const Fields& f, const Node& rule, const char* key, const std::string& path, bool required,
                         std::vector<std::string>* out) {
  auto list = f.Sequence(rule, key, path);
  if (!list.ok()) return list.status();
  const std::string at = JoinPath(path, key);
  if (*list == nullptr || (*list)->items.empty()) {
    if (!required) return Status::Ok();
    return f.Error(*list != nullptr ? **list : rule, at, "missing; list the namespaces the apps under this path may use");
  }
  for (std::size_t i = 0; i < (*list)->items.size(); ++i) {
    const Node& item = (*list)->items[i];
    const std::string item_at = at + "[" + std::to_string(i) + "]";
    bool ok = item.IsStringScalar() && !item.value.empty() && item.value.size() <= 63;
    for (char c : ok ? item.value : std::string()) ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '*');
    if (!ok) return f.Error(item, item_at, "expected a namespace name, or a glob with *, got " + Shown(item));
    out->push_back(item.value);
  }
  return Status::Ok();
}

// namespaces: [{path, allow, shared}], in order: the first match applies.
Status ReadNamespaceRules(const Fields& f, const Node& root, AppConfig* config) {
  auto rules = f.Sequence(root, "namespaces", "");
  if (!rules.ok()) return rules.status();
  if (*rules == nullptr) return Status::Ok();
  config->namespaces.emplace();
  for (std::size_t i = 0; i < (*rules)->items.size(); ++i) {
    const Node& item = (*rules)->items[i];
    const std::string path = "namespaces[" + std::to_string(i) + "]";
    if (!item.IsMapping()) return f.Error(item, path, "expected a mapping with path and allow, got " + Shown(item));
    if (Status s = CheckKeys(f, item, path, {"path", "allow", "shared"}); !s.ok()) return s;
    NamespaceRule rule;
    auto glob = f.String(item, "path", path);
    if (!glob.ok()) return glob.status();
    if (!glob->has_value()) return f.Error(item, JoinPath(path, "path"), "missing; a glob such as apps/team-a/**");
    if (std::string why = PathGlobProblem(**glob); !why.empty())
      return f.Error(*item.Find("path"), JoinPath(path, "path"), "\"" + **glob + "\" " + why);
    rule.path = **glob;
    if (Status s = ReadNamespaceList(f, item, "allow", path, true, &rule.allow); !s.ok()) return s;
    if (Status s = ReadNamespaceList(f, item, "shared", path, false, &rule.shared); !s.ok()) return s;
    rule.where = f.file() + ":" + std::to_string(item.mark.line) + ":" + std::to_string(item.mark.column) + " " + path;
    config->namespaces->push_back(std::move(rule));
  }
  return Status::Ok();
}

}  // namespace

Result<Mode> ParseMode(std::string_view text) {
  if (text == "git") return Mode::kGit;
  if (text == "flagger") return Mode::kFlagger;
  return Status::Usage("unknown mode \"" + std::string(text) + "\"; expected git or flagger");
}

Result<AppConfig> ParseAppConfig(std::string_view text, const std::string& file) {
  auto docs = yaml::ParseYamlStream(text, file);
  if (!docs.ok()) return docs.status();
  AppConfig config;
  config.file = file;
  if (docs->size() != 1 || !(*docs)[0].IsMapping()) {
    return Status::Invalid(file + ": expected one mapping document (apiVersion: " +
                           std::string(kConfigApiVersion) + ", kind: Config)");
  }
  const Node& root = (*docs)[0];
  Fields f(file);
  Status s = CheckKeys(f, root, "", {"apiVersion", "kind", "defaults", "templates", "apps", "gateways", "namespaces"});
  if (!s.ok()) return s;
  auto api = f.String(root, "apiVersion", "");
  if (!api.ok()) return api.status();
  auto kind = f.String(root, "kind", "");
  if (!kind.ok()) return kind.status();
  if (!api->has_value() || **api != kConfigApiVersion || !kind->has_value() || **kind != "Config") {
    return f.Error(root, "", "expected apiVersion: " + std::string(kConfigApiVersion) + " and kind: Config");
  }
  auto defaults = f.Mapping(root, "defaults", "");
  if (!defaults.ok()) return defaults.status();
  if (*defaults != nullptr && !(s = ReadDefaults(f, **defaults, &config)).ok()) return s;
  auto templates = f.Mapping(root, "templates", "");
  if (!templates.ok()) return templates.status();
  if (*templates != nullptr && !(s = ReadTemplates(f, **templates, &config)).ok()) return s;
  if (!(s = ReadApps(f, root, &config)).ok()) return s;
  if (!(s = ReadNamespaceRules(f, root, &config)).ok()) return s;
  auto gateways = f.Mapping(root, "gateways", "");
  if (!gateways.ok()) return gateways.status();
  if (*gateways != nullptr && !(s = ReadGatewaySettings(file, **gateways, &config.gateways)).ok()) return s;
  return config;
}

}  // namespace gitcanary::render
