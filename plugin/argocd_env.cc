#include "plugin/argocd_env.h"

#include <array>

#include <nlohmann/json.hpp>

extern char** environ;

namespace gitcanary::plugin {

namespace {

// The options a render takes, by parameter name; PARAM_ and ARGOCD_ENV_GITCANARY_
// spell them in upper case.
constexpr std::array<std::string_view, 2> kOptionNames = {"mode", "namespace"};
constexpr std::string_view kEnvPrefix = "ARGOCD_ENV_GITCANARY_";

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  return out;
}

std::optional<std::string> Lookup(const Environment& env, const std::string& name) {
  auto it = env.find(name);
  if (it == env.end()) return std::nullopt;
  return it->second;
}

bool IsOption(std::string_view name) {
  for (std::string_view known : kOptionNames)
    if (known == name) return true;
  return false;
}

std::string KnownList() {
  std::string out;
  for (std::string_view known : kOptionNames) out += (out.empty() ? "" : ", ") + std::string(known);
  return out;
}

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

// Options from the parameter list; only string values of known names.
Status ApplyParameters(const std::vector<AppParameter>& params, std::map<std::string, std::string>* out) {
  for (const AppParameter& p : params) {
    if (!IsOption(p.name))
      return Status::Invalid("unknown plugin parameter \"" + p.name + "\"; gitcanary takes " + KnownList());
    if (!p.string) return Status::Invalid("plugin parameter \"" + p.name + "\" must be a string");
    (*out)[p.name] = *p.string;
  }
  return Status::Ok();
}

// Options from ARGOCD_ENV_GITCANARY_<NAME>, refusing unknown names.
Status ApplyEnvOptions(const Environment& env, std::map<std::string, std::string>* out) {
  for (auto it = env.lower_bound(std::string(kEnvPrefix)); it != env.end(); ++it) {
    if (it->first.compare(0, kEnvPrefix.size(), kEnvPrefix) != 0) break;
    const std::string suffix = it->first.substr(kEnvPrefix.size());
    bool known = false;
    for (std::string_view name : kOptionNames) {
      if (Upper(name) != suffix) continue;
      (*out)[std::string(name)] = it->second;
      known = true;
    }
    if (!known) return Status::Invalid("unknown plugin env " + it->first + "; gitcanary takes ARGOCD_ENV_GITCANARY_MODE or _NAMESPACE");
  }
  return Status::Ok();
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
  std::map<std::string, std::string> options;
  Status st = ApplyEnvOptions(env, &options);
  if (!st.ok()) return st;
  std::vector<AppParameter> params;
  if (auto json = Lookup(env, "ARGOCD_APP_PARAMETERS"); json && !json->empty()) {
    auto parsed = ParseAppParameters(*json);
    if (!parsed.ok()) return parsed.status();
    params = std::move(*parsed);
  }
  if (!params.empty()) {
    st = ApplyParameters(params, &options);
    if (!st.ok()) return st;
  } else {
    for (std::string_view name : kOptionNames)
      if (auto v = Lookup(env, "PARAM_" + Upper(name))) options[std::string(name)] = *v;
  }
  CmpOptions out;
  // An empty value means "not set", as a parameter left blank in the Argo CD UI.
  if (auto it = options.find("mode"); it != options.end() && !it->second.empty()) out.mode = it->second;
  if (auto it = options.find("namespace"); it != options.end() && !it->second.empty()) out.namespace_ = it->second;
  if (!out.namespace_) {
    if (auto ns = Lookup(env, "ARGOCD_APP_NAMESPACE"); ns && !ns->empty()) out.namespace_ = *ns;
  }
  out.app_name = Lookup(env, "ARGOCD_APP_NAME").value_or("");
  out.revision = Lookup(env, "ARGOCD_APP_REVISION").value_or("");
  out.source_path = Lookup(env, "ARGOCD_APP_SOURCE_PATH").value_or("");
  return out;
}

}  // namespace gitcanary::plugin
