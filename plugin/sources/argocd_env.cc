#include "plugin/sources/argocd_env.h"

#include <algorithm>
#include <array>

#include <nlohmann/json.hpp>

#include "render/fields.h"

extern char** environ;

namespace gitcanary::plugin {

namespace {

enum class Kind { kString, kArray, kMap };

// One option: its parameter name, the shape its value takes, and where it may
// be given. ARGOCD_ENV_GITCANARY_ and PARAM_ spell the name in upper case with
// '_' for '-'.
struct OptionSpec {
  std::string_view name;
  Kind kind;
  bool parameter;           // a plugin parameter (ARGOCD_APP_PARAMETERS, PARAM_*)
  bool env_entry;           // an Application plugin env entry (ARGOCD_ENV_GITCANARY_*)
  std::string_view sidecar;  // the sidecar's own variable, the lowest level; "" for none
};

constexpr std::array<OptionSpec, 9> kOptions = {{
    {"mode", Kind::kString, true, true, ""},
    {"namespace", Kind::kString, true, true, ""},
    // What the sidecar runs is the sidecar's to choose, never an Application's:
    // the tool commands and kustomize's options (which can turn on exec
    // plugins) are its own variables only, as Argo CD keeps
    // kustomize.buildOptions in argocd-cm.
    {"kustomize-build-options", Kind::kString, false, false, "GITCANARY_KUSTOMIZE_BUILD_OPTIONS"},
    {"helm-values-files", Kind::kArray, true, false, ""},
    {"helm-parameters", Kind::kMap, true, false, ""},
    {"helm-release-name", Kind::kString, true, true, ""},
    {"build-timeout", Kind::kString, true, true, "GITCANARY_BUILD_TIMEOUT"},
    {"kustomize", Kind::kString, false, false, "GITCANARY_KUSTOMIZE"},
    {"helm", Kind::kString, false, false, "GITCANARY_HELM"},
}};
constexpr std::string_view kEnvPrefix = "ARGOCD_ENV_GITCANARY_";

// "helm-release-name" -> "HELM_RELEASE_NAME", as Argo CD escapes PARAM_ names.
std::string EnvName(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) c = '_';
  }
  return out;
}

std::optional<std::string> Lookup(const Environment& env, const std::string& name) {
  auto it = env.find(name);
  if (it == env.end()) return std::nullopt;
  return it->second;
}

// An option only the sidecar sets, by its EnvName: KUSTOMIZE, HELM, KUSTOMIZE_BUILD_OPTIONS.
bool SidecarOnly(const std::string& env_name) {
  for (const OptionSpec& o : kOptions)
    if (!o.parameter && !o.env_entry && EnvName(o.name) == env_name) return true;
  return false;
}

const OptionSpec* FindParameter(std::string_view name) {
  for (const OptionSpec& o : kOptions)
    if (o.parameter && o.name == name) return &o;
  return nullptr;
}

std::string ParameterList() {
  std::string out;
  for (const OptionSpec& o : kOptions)
    if (o.parameter) out += (out.empty() ? "" : ", ") + std::string(o.name);
  return out;
}

std::string EnvEntryList() {
  std::string out;
  for (const OptionSpec& o : kOptions)
    if (o.env_entry) out += (out.empty() ? std::string(kEnvPrefix) : ", _") + EnvName(o.name);
  return out;
}

// The options gathered so far, each level overwriting the one below it; an
// empty value never overwrites.
struct Gathered {
  std::map<std::string, std::string> strings;  // option name -> value
  std::map<std::string, std::string> origin;   // option name -> where it was given, for messages
  std::vector<std::string> values_files;
  std::map<std::string, std::string> helm_parameters;

  void SetString(std::string_view name, const std::string& value, std::string where) {
    if (value.empty()) return;
    strings[std::string(name)] = value;
    origin[std::string(name)] = std::move(where);
  }
};

Result<AppParameter> ParseParameter(const nlohmann::json& item, std::size_t index) {
  const std::string where = "ARGOCD_APP_PARAMETERS[" + std::to_string(index) + "]";
  if (!item.is_object()) return Status::Invalid(where + ": expected an object");
  AppParameter p;
  auto name = item.find("name");
  if (name == item.end() || !name->is_string() || name->get<std::string>().empty())
    return Status::Invalid(where + ": \"name\" must be a non-empty string");
  p.name = name->get<std::string>();
  for (const auto& [key, value] : item.items()) {
    if (key == "name") continue;
    if (key == "string" && value.is_string()) {
      p.string = value.get<std::string>();
    } else if (key == "array" && value.is_array()) {
      p.array.emplace();
      for (const auto& v : value) {
        if (!v.is_string()) return Status::Invalid(where + " (" + p.name + "): array items must be strings");
        p.array->push_back(v.get<std::string>());
      }
    } else if (key == "map" && value.is_object()) {
      p.map.emplace();
      for (const auto& [k, v] : value.items()) {
        if (!v.is_string()) return Status::Invalid(where + " (" + p.name + "): map values must be strings");
        (*p.map)[k] = v.get<std::string>();
      }
    } else {
      return Status::Invalid(where + " (" + p.name + "): unexpected field \"" + key +
                             "\"; expected string, array or map");
    }
  }
  return p;
}

// One parameter of the JSON list. Empty strings, lists and maps are "not set".
Status ApplyParameter(const AppParameter& p, Gathered* out) {
  const OptionSpec* spec = FindParameter(p.name);
  if (spec == nullptr && SidecarOnly(EnvName(p.name)))
    return Status::Invalid("plugin parameter \"" + p.name + "\" is refused: what the sidecar runs is set on the sidecar (" +
                           "GITCANARY_" + EnvName(p.name) + "), never by an Application");
  if (spec == nullptr)
    return Status::Invalid("unknown plugin parameter \"" + p.name + "\"; gitcanary takes " + ParameterList());
  const std::string what = "plugin parameter \"" + p.name + "\"";
  switch (spec->kind) {
    case Kind::kString:
      if (!p.string) return Status::Invalid(what + " must be a string");
      out->SetString(spec->name, *p.string, what);
      return Status::Ok();
    case Kind::kArray:
      if (!p.array) return Status::Invalid(what + " must be an array");
      for (const std::string& item : *p.array)
        if (!item.empty()) out->values_files.push_back(item);
      return Status::Ok();
    case Kind::kMap:
      if (!p.map) return Status::Invalid(what + " must be a map");
      for (const auto& [key, value] : *p.map) {
        if (key.empty()) return Status::Invalid(what + " has an entry with an empty name");
        out->helm_parameters[key] = value;
      }
      return Status::Ok();
  }
  return Status::Ok();
}

// PARAM_<NAME> (strings) and PARAM_<NAME>_<i> (arrays), which Argo CD sets
// beside the JSON list. A map's keys are upper-cased there and cannot be read
// back, so helm-parameters comes only from the list.
void ApplyParamVariables(const Environment& env, Gathered* out) {
  for (const OptionSpec& o : kOptions) {
    if (!o.parameter) continue;
    const std::string base = "PARAM_" + EnvName(o.name);
    if (o.kind == Kind::kString) {
      if (auto v = Lookup(env, base)) out->SetString(o.name, *v, base);
    } else if (o.kind == Kind::kArray) {
      for (int i = 0;; ++i) {
        auto v = Lookup(env, base + "_" + std::to_string(i));
        if (!v) break;
        if (!v->empty()) out->values_files.push_back(*v);
      }
    }
  }
}

// ARGOCD_ENV_GITCANARY_<NAME>, refusing unknown names.
Status ApplyEnvEntries(const Environment& env, Gathered* out) {
  for (auto it = env.lower_bound(std::string(kEnvPrefix)); it != env.end(); ++it) {
    if (it->first.compare(0, kEnvPrefix.size(), kEnvPrefix) != 0) break;
    const std::string suffix = it->first.substr(kEnvPrefix.size());
    const OptionSpec* known = nullptr;
    for (const OptionSpec& o : kOptions)
      if (o.env_entry && EnvName(o.name) == suffix) known = &o;
    if (known == nullptr && SidecarOnly(suffix))
      return Status::Invalid("plugin env " + it->first + " is refused: what the sidecar runs is set on the sidecar (" +
                             "GITCANARY_" + suffix + "), never by an Application");
    if (known == nullptr) return Status::Invalid("unknown plugin env " + it->first + "; gitcanary takes " + EnvEntryList());
    out->SetString(known->name, it->second, it->first);
  }
  return Status::Ok();
}

// A helm --set value that means what it says: helm splits --set on commas,
// so each comma not already escaped is escaped, as Argo CD does for its own
// Helm parameters; a "{a,b}" list is left as the list it is.
std::string HelmSetValue(const std::string& value) {
  if (value.size() >= 2 && value.front() == '{' && value.back() == '}') return value;
  std::string out;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] == ',' && (i == 0 || value[i - 1] != '\\')) out += '\\';
    out += value[i];
  }
  return out;
}

std::optional<std::string> Take(const Gathered& g, std::string_view name) {
  auto it = g.strings.find(std::string(name));
  if (it == g.strings.end()) return std::nullopt;
  return it->second;
}

Result<std::optional<int>> TimeoutFrom(const Gathered& g) {
  auto text = Take(g, "build-timeout");
  if (!text) return std::optional<int>();
  auto ms = render::ParseDurationMillis(*text);
  if (!ms || *ms <= 0)
    return Status::Invalid(g.origin.at("build-timeout") + ": \"" + *text + "\" is not a duration such as 90s or 2m");
  return std::optional<int>(static_cast<int>(std::min<long long>(*ms, 24LL * 3600 * 1000)));
}

}  // namespace

Result<std::vector<AppParameter>> ParseAppParameters(std::string_view json) {
  nlohmann::json doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Status::Invalid("ARGOCD_APP_PARAMETERS: not valid JSON");
  if (doc.is_null()) return std::vector<AppParameter>{};  // what Argo CD sends for an app without parameters
  if (!doc.is_array()) return Status::Invalid("ARGOCD_APP_PARAMETERS: expected a JSON list");
  std::vector<AppParameter> params;
  params.reserve(doc.size());
  for (std::size_t i = 0; i < doc.size(); ++i) {
    auto p = ParseParameter(doc[i], i);
    if (!p.ok()) return p.status();
    params.push_back(std::move(*p));
  }
  return params;
}

Environment ProcessEnvironment() {
  Environment env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    auto eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  return env;
}

Result<CmpOptions> ReadCmpOptions(const Environment& env) {
  Gathered g;
  for (const OptionSpec& o : kOptions)
    if (!o.sidecar.empty())
      if (auto v = Lookup(env, std::string(o.sidecar))) g.SetString(o.name, *v, std::string(o.sidecar));
  Status st = ApplyEnvEntries(env, &g);
  if (!st.ok()) return st;
  std::vector<AppParameter> params;
  if (auto json = Lookup(env, "ARGOCD_APP_PARAMETERS"); json && !json->empty()) {
    auto parsed = ParseAppParameters(*json);
    if (!parsed.ok()) return parsed.status();
    params = std::move(*parsed);
  }
  if (!params.empty()) {
    for (const AppParameter& p : params)
      if (Status s = ApplyParameter(p, &g); !s.ok()) return s;
  } else {
    ApplyParamVariables(env, &g);
  }
  CmpOptions out;
  out.mode = Take(g, "mode");
  out.namespace_ = Take(g, "namespace");
  if (!out.namespace_) {
    if (auto ns = Lookup(env, "ARGOCD_APP_NAMESPACE"); ns && !ns->empty()) out.namespace_ = *ns;
  }
  out.kustomize = Take(g, "kustomize");
  out.kustomize_build_options = Take(g, "kustomize-build-options");
  out.helm = Take(g, "helm");
  out.helm_release_name = Take(g, "helm-release-name");
  out.helm_values_files = std::move(g.values_files);
  for (const auto& [key, value] : g.helm_parameters) out.helm_set.push_back(key + "=" + HelmSetValue(value));
  auto timeout = TimeoutFrom(g);
  if (!timeout.ok()) return timeout.status();
  out.build_timeout_ms = *timeout;
  out.app_name = Lookup(env, "ARGOCD_APP_NAME").value_or("");
  out.revision = Lookup(env, "ARGOCD_APP_REVISION").value_or("");
  out.source_path = Lookup(env, "ARGOCD_APP_SOURCE_PATH");
  return out;
}

}  // namespace gitcanary::plugin
