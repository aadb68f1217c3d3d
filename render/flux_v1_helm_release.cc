#include "render/flux_v1_helm_release.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string_view>

#include "render/fields.h"

namespace gitcanary::render {

namespace {

using yaml::Node;

// spec.interval is required by v2 and has no v1 field: the Helm Operator
// reconciled every release on its --charts-sync-interval, 3m by default.
constexpr std::string_view kReleaseInterval = "3m";
// The Helm Operator polled git chart sources on its --git-poll-interval, 5m by
// default; Helm repositories (charts pinned to a version) get the same.
constexpr std::string_view kSourceInterval = "5m";
// A v1 git chart without `ref` used the operator's --git-default-ref: master.
constexpr std::string_view kDefaultGitRef = "master";
// Source names are DNS labels.
constexpr std::size_t kMaxName = 63;

struct Conversion {
  Fields f;
  std::string who;  // "HelmRelease ns/name" for explain lines
  std::string ns;   // the release's namespace: as written, else the app's
  std::vector<std::string>* explain;
  void Explain(const std::string& line) const { explain->push_back(who + ": " + line); }
};

// The source a chart needs; `key` identifies it (kind, namespace, url and, for
// git, the ref and the credentials).
struct Source {
  std::string kind;  // GitRepository or HelmRepository
  std::string ns;    // as written on the HelmRelease ("" = the app's namespace)
  std::string url;
  std::string ref_field;  // git: branch, tag, commit or name
  std::string ref;
  std::string secret;  // git: spec.secretRef.name
  bool oci = false;
  std::string name_seed;  // what the derived name is made from
};

bool IsHex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// `v1.2`, `1.0.0-rc.1`, `0.18.4`: digits with at least one dot, an optional
// leading `v` and any pre-release or build suffix.
bool LooksLikeVersion(std::string_view s) {
  if (!s.empty() && s[0] == 'v') s.remove_prefix(1);
  std::size_t i = 0, dots = 0;
  bool digit = false;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (c >= '0' && c <= '9') {
      digit = true;
    } else if (c == '.' && digit) {
      ++dots;
      digit = false;
    } else {
      break;
    }
  }
  if (!digit || dots == 0) return false;
  return i == s.size() || s[i] == '-' || s[i] == '+';
}

std::uint32_t Fnv1a(std::string_view s) {
  std::uint32_t h = 2166136261u;
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 16777619u;
  }
  return h;
}

// A DNS label from `seed`: lower-case letters and digits, every other run of
// characters one '-'; longer than 63 characters, it is cut and ends in a hash
// of the whole seed so that different seeds stay apart.
std::string DeriveName(std::string_view seed) {
  std::string out;
  for (char c : seed) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      out.push_back(c);
    } else if (!out.empty() && out.back() != '-') {
      out.push_back('-');
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  if (out.empty()) out = "chart-source";
  if (out.size() <= kMaxName) return out;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hash;
  for (std::uint32_t h = Fnv1a(seed), k = 0; k < 8; ++k, h >>= 4) hash.insert(hash.begin(), kHex[h & 0xF]);
  out.resize(kMaxName - hash.size() - 1);
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out + "-" + hash;
}

// Host and path of a URL for the derived name: no scheme, user, port, query or `.git`.
std::string HostAndPath(std::string_view url) {
  if (auto p = url.find("://"); p != std::string_view::npos) url.remove_prefix(p + 3);
  if (auto q = url.find_first_of("?#"); q != std::string_view::npos) url = url.substr(0, q);
  const std::size_t slash = url.find('/');
  std::string_view host = url.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view() : url.substr(slash);
  if (auto at = host.rfind('@'); at != std::string_view::npos) host.remove_prefix(at + 1);
  if (auto colon = host.find(':'); colon != std::string_view::npos) host = host.substr(0, colon);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  if (path.size() >= 4 && path.substr(path.size() - 4) == ".git") path.remove_suffix(4);
  return std::string(host) + std::string(path);
}

bool StartsWith(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// v2 GitRepository URLs are http, https or ssh. v1's scp-like
// `git@host:org/repo` is the ssh URL `ssh://git@host/org/repo`.
Result<std::string> GitUrl(const Conversion& c, const Node& at, const std::string& url) {
  if (StartsWith(url, "https://") || StartsWith(url, "http://") || StartsWith(url, "ssh://")) return url;
  const std::size_t scheme = url.find("://");
  const std::size_t colon = url.find(':');
  if (scheme == std::string::npos && colon != std::string::npos && colon > 0 && colon + 1 < url.size() &&
      url.find('/') > colon) {
    std::string converted = "ssh://" + url.substr(0, colon) + "/" + url.substr(colon + 1);
    c.Explain("spec.chart.git " + url + " is written as the ssh URL " + converted + " (GitRepository takes http, https or ssh URLs)");
    return converted;
  }
  return c.f.Error(at, "spec.chart.git",
                   "\"" + url + "\" is not a URL a Flux v2 GitRepository can clone; write an https://, http:// or ssh:// URL "
                   "(or the scp-like form git@host:org/repo)");
}

// Which field of a GitRepository's spec.ref a v1 `ref` becomes.
Result<std::string> GitRefField(const Conversion& c, const Node& at, const std::string& ref) {
  if (ref.size() == 40 && IsHex(ref)) return std::string("commit");
  if (StartsWith(ref, "refs/")) return std::string("name");
  if (ref.size() >= 7 && ref.size() < 40 && IsHex(ref))
    return c.f.Error(at, "spec.chart.ref",
                     "\"" + ref + "\" looks like an abbreviated commit hash, which a Flux v2 GitRepository cannot check out; "
                     "write the full 40-character hash, or refs/heads/" + ref + " if it is a branch");
  if (LooksLikeVersion(ref)) return std::string("tag");
  return std::string("branch");
}

Status UnknownField(const Conversion& c, const Node& parent, std::string_view path,
                    std::initializer_list<std::string_view> known) {
  for (const yaml::Field& field : parent.fields) {
    if (std::find(known.begin(), known.end(), field.key) != known.end()) continue;
    std::string list;
    for (std::string_view k : known) list += (list.empty() ? "" : ", ") + std::string(k);
    return c.f.Error(field.value, JoinPath(path, field.key),
                     "not a field of a helm.fluxcd.io/v1 HelmRelease (known: " + list + ")");
  }
  return Status::Ok();
}

Node Duration(long long seconds) { return Node::String(std::to_string(seconds) + "s"); }

Result<std::optional<long long>> Seconds(const Conversion& c, const Node& parent, std::string_view key,
                                         std::string_view path) {
  auto v = c.f.Int(parent, key, path);
  if (!v.ok() || !*v) return v;
  if (**v < 0) return c.f.Error(*parent.Find(key), JoinPath(path, key), "must be a number of seconds, 0 or more");
  return v;
}

// The chart: the source it needs and spec.chart of the v2 HelmRelease.
Status ConvertChart(const Conversion& c, const Node& spec, const std::string& ns, Source* source, Node* out) {
  const Node* chart = spec.Find("chart");
  if (chart == nullptr || chart->IsNull()) return c.f.Error(spec, "spec.chart", "missing; a HelmRelease needs a chart");
  if (!chart->IsMapping()) return c.f.Error(*chart, "spec.chart", "expected a mapping, got " + Shown(*chart));
  Status s = UnknownField(c, *chart, "spec.chart",
                          {"git", "ref", "path", "secretRef", "skipDepUpdate", "repository", "name", "version",
                           "chartPullSecret"});
  if (!s.ok()) return s;
  const bool git = chart->Find("git") != nullptr;
  const bool repo = chart->Find("repository") != nullptr;
  if (git == repo)
    return c.f.Error(*chart, "spec.chart",
                     git ? "has both git and repository; a chart comes from one source"
                         : "needs git (with ref and path) or repository (with name and version)");
  static constexpr std::string_view kRepoFields[] = {"repository", "name", "version", "chartPullSecret"};
  static constexpr std::string_view kGitFields[] = {"ref", "path", "secretRef", "skipDepUpdate"};
  for (std::string_view k : git ? kRepoFields : kGitFields) {
    if (const Node* n = chart->Find(k))
      return c.f.Error(*n, JoinPath("spec.chart", k),
                       std::string("is a field of a chart from ") + (git ? "a Helm repository" : "git") +
                           ", but this chart comes from " + (git ? "git" : "a Helm repository"));
  }
  source->ns = ns;
  Node chart_spec = Node::Mapping();
  if (git) {
    auto url = c.f.String(*chart, "git", "spec.chart");
    if (!url.ok()) return url.status();
    if (!*url || (*url)->empty()) return c.f.Error(*chart->Find("git"), "spec.chart.git", "must be a git URL");
    auto path = c.f.String(*chart, "path", "spec.chart");
    if (!path.ok()) return path.status();
    if (!*path || (*path)->empty())
      return c.f.Error(*chart, "spec.chart.path", "missing; write the chart's directory in the git repository");
    auto ref = c.f.String(*chart, "ref", "spec.chart");
    if (!ref.ok()) return ref.status();
    auto converted = GitUrl(c, *chart->Find("git"), **url);
    if (!converted.ok()) return converted.status();
    source->kind = "GitRepository";
    source->url = *converted;
    if (*ref && !(*ref)->empty()) {
      source->ref = **ref;
    } else {
      source->ref = std::string(kDefaultGitRef);
      c.Explain("spec.chart.ref is not set: branch " + std::string(kDefaultGitRef) +
                ", the Helm Operator's default --git-default-ref");
    }
    const Node* ref_node = chart->Find("ref") != nullptr ? chart->Find("ref") : chart;
    auto field = GitRefField(c, *ref_node, source->ref);
    if (!field.ok()) return field.status();
    source->ref_field = *field;
    if (*field == "tag" || *field == "commit")
      c.Explain("spec.chart.ref " + source->ref + " is read as a " + *field + " of the git repository");
    auto secret = c.f.Mapping(*chart, "secretRef", "spec.chart");
    if (!secret.ok()) return secret.status();
    if (*secret != nullptr) {
      if (Status u = UnknownField(c, **secret, "spec.chart.secretRef", {"name", "namespace"}); !u.ok()) return u;
      auto name = c.f.String(**secret, "name", "spec.chart.secretRef");
      if (!name.ok()) return name.status();
      if (!*name || (*name)->empty()) return c.f.Error(**secret, "spec.chart.secretRef.name", "missing");
      auto secret_ns = c.f.String(**secret, "namespace", "spec.chart.secretRef");
      if (!secret_ns.ok()) return secret_ns.status();
      if (*secret_ns && **secret_ns != c.ns)
        return c.f.Error(*(*secret)->Find("namespace"), "spec.chart.secretRef.namespace",
                         "a Flux v2 GitRepository reads its secretRef from its own namespace (" + c.ns +
                             "); copy the Secret there and drop namespace");
      source->secret = **name;
    }
    if (auto skip = c.f.Bool(*chart, "skipDepUpdate", "spec.chart"); !skip.ok()) {
      return skip.status();
    } else if (*skip && **skip) {
      c.Explain("spec.chart.skipDepUpdate dropped: helm-controller builds a git chart's dependencies itself");
    }
    source->name_seed = HostAndPath(source->url) + "-" + source->ref;
    chart_spec.Set("chart", Node::String(**path));
  } else {
    auto url = c.f.String(*chart, "repository", "spec.chart");
    if (!url.ok()) return url.status();
    auto name = c.f.String(*chart, "name", "spec.chart");
    if (!name.ok()) return name.status();
    auto version = c.f.String(*chart, "version", "spec.chart");
    if (!version.ok()) return version.status();
    if (!*url || (*url)->empty())
      return c.f.Error(*chart, "spec.chart.repository", "must be the Helm repository's URL");
    if (!*name || (*name)->empty())
      return c.f.Error(*chart, "spec.chart.name", "missing; write the chart's name in the repository");
    if (!*version || (*version)->empty())
      return c.f.Error(*chart, "spec.chart.version", "missing; write the chart version to release");
    std::string u = **url;
    if (auto q = u.find('?'); q != std::string::npos) u.resize(q);  // v1 dropped the query too
    while (u.size() > 1 && u.back() == '/') u.pop_back();
    source->oci = StartsWith(u, "oci://");
    if (!StartsWith(u, "https://") && !StartsWith(u, "http://") && !source->oci)
      return c.f.Error(*chart->Find("repository"), "spec.chart.repository",
                       "\"" + **url + "\" is not a URL a Flux v2 HelmRepository reads; write an https://, http:// or oci:// URL");
    source->kind = "HelmRepository";
    source->url = u;
    source->name_seed = HostAndPath(u);
    if (chart->Find("chartPullSecret") != nullptr)
      c.Explain("spec.chart.chartPullSecret dropped: the Helm Operator never used it; give the HelmRepository a "
                "secretRef for credentials");
    chart_spec.Set("chart", Node::String(**name));
    chart_spec.Set("version", Node::String(**version));
  }
  *out = std::move(chart_spec);
  return Status::Ok();
}

// One entry of valuesFrom (or of the deprecated valueFileSecrets).
Result<Node> ConvertValuesFrom(const Conversion& c, const Node& entry, const std::string& path) {
  if (!entry.IsMapping() || entry.fields.size() != 1)
    return c.f.Error(entry, path, "expected one of configMapKeyRef, secretKeyRef, externalSourceRef, chartFileRef");
  const yaml::Field& field = entry.fields.front();
  const std::string sub = JoinPath(path, field.key);
  if (field.key == "externalSourceRef")
    return c.f.Error(field.value, sub,
                     "Flux v2 reads values only from ConfigMaps and Secrets; put these values in a ConfigMap "
                     "(or spec.values) and refer to it with configMapKeyRef");
  if (field.key == "chartFileRef")
    return c.f.Error(field.value, sub,
                     "Flux v2 has no values from a chart file here; write a v2 HelmRelease whose "
                     "spec.chart.spec.valuesFiles lists the chart's values.yaml and this file");
  if (field.key != "configMapKeyRef" && field.key != "secretKeyRef")
    return c.f.Error(field.value, sub,
                     "not a values source of a helm.fluxcd.io/v1 HelmRelease (known: configMapKeyRef, secretKeyRef, "
                     "externalSourceRef, chartFileRef)");
  if (!field.value.IsMapping()) return c.f.Error(field.value, sub, "expected a mapping, got " + Shown(field.value));
  if (Status u = UnknownField(c, field.value, sub, {"name", "namespace", "key", "optional"}); !u.ok()) return u;
  auto name = c.f.String(field.value, "name", sub);
  if (!name.ok()) return name.status();
  if (!*name || (*name)->empty()) return c.f.Error(field.value, JoinPath(sub, "name"), "missing");
  auto from_ns = c.f.String(field.value, "namespace", sub);
  if (!from_ns.ok()) return from_ns.status();
  const std::string kind = field.key == "configMapKeyRef" ? "ConfigMap" : "Secret";
  if (*from_ns && **from_ns != c.ns)
    return c.f.Error(*field.value.Find("namespace"), JoinPath(sub, "namespace"),
                     "a Flux v2 HelmRelease reads values from its own namespace (" + c.ns + "); copy the " + kind +
                         " there and drop namespace");
  auto key = c.f.String(field.value, "key", sub);
  if (!key.ok()) return key.status();
  auto optional = c.f.Bool(field.value, "optional", sub);
  if (!optional.ok()) return optional.status();
  Node out = Node::Mapping();
  out.Set("kind", Node::String(kind));
  out.Set("name", Node::String(**name));
  // Both APIs read the key values.yaml when none is given.
  if (*key && !(*key)->empty()) out.Set("valuesKey", Node::String(**key));
  if (*optional && **optional) out.Set("optional", Node::Bool(true));
  return out;
}

Status ConvertValuesSources(const Conversion& c, const Node& spec, Node* v2) {
  Node list = Node::Sequence();
  auto secrets = c.f.Sequence(spec, "valueFileSecrets", "spec");
  if (!secrets.ok()) return secrets.status();
  if (*secrets != nullptr) {
    // Deprecated in v1 and read before valuesFrom, as the Helm Operator did.
    for (std::size_t i = 0; i < (*secrets)->items.size(); ++i) {
      const Node& item = (*secrets)->items[i];
      const std::string path = "spec.valueFileSecrets[" + std::to_string(i) + "]";
      if (!item.IsMapping()) return c.f.Error(item, path, "expected a mapping, got " + Shown(item));
      if (Status u = UnknownField(c, item, path, {"name"}); !u.ok()) return u;
      auto name = c.f.String(item, "name", path);
      if (!name.ok()) return name.status();
      if (!*name || (*name)->empty()) return c.f.Error(item, JoinPath(path, "name"), "missing");
      Node out = Node::Mapping();
      out.Set("kind", Node::String("Secret"));
      out.Set("name", Node::String(**name));
      list.items.push_back(std::move(out));
    }
    c.Explain("spec.valueFileSecrets became valuesFrom Secret entries, ahead of spec.valuesFrom");
  }
  auto from = c.f.Sequence(spec, "valuesFrom", "spec");
  if (!from.ok()) return from.status();
  if (*from != nullptr) {
    for (std::size_t i = 0; i < (*from)->items.size(); ++i) {
      auto entry = ConvertValuesFrom(c, (*from)->items[i], "spec.valuesFrom[" + std::to_string(i) + "]");
      if (!entry.ok()) return entry.status();
      list.items.push_back(std::move(*entry));
    }
  }
  if (!list.items.empty()) v2->Set("valuesFrom", std::move(list));
  return Status::Ok();
}

// rollback, test, wait, resetValues, forceUpgrade, skipCRDs and
// disableOpenAPIValidation: v2's install, upgrade, rollback and test.
Status ConvertActions(const Conversion& c, const Node& spec, Node* v2) {
  auto rollback = c.f.Mapping(spec, "rollback", "spec");
  if (!rollback.ok()) return rollback.status();
  auto test = c.f.Mapping(spec, "test", "spec");
  if (!test.ok()) return test.status();
  bool rollback_enabled = false, test_enabled = false;
  Node install = Node::Mapping(), upgrade = Node::Mapping(), v2_rollback = Node::Mapping(), v2_test = Node::Mapping();

  if (*rollback != nullptr) {
    const Node& r = **rollback;
    Status s = UnknownField(c, r, "spec.rollback",
                            {"enable", "retry", "maxRetries", "force", "recreate", "disableHooks", "timeout", "wait"});
    if (!s.ok()) return s;
    auto enable = c.f.Bool(r, "enable", "spec.rollback");
    if (!enable.ok()) return enable.status();
    rollback_enabled = *enable && **enable;
    auto retry = c.f.Bool(r, "retry", "spec.rollback");
    if (!retry.ok()) return retry.status();
    auto max_retries = c.f.Int(r, "maxRetries", "spec.rollback");
    if (!max_retries.ok()) return max_retries.status();
    if (*max_retries && **max_retries < 0)
      return c.f.Error(*r.Find("maxRetries"), "spec.rollback.maxRetries", "must be 0 or more");
    auto timeout = Seconds(c, r, "timeout", "spec.rollback");
    if (!timeout.ok()) return timeout.status();
    auto wait = c.f.Bool(r, "wait", "spec.rollback");
    if (!wait.ok()) return wait.status();
    std::optional<bool> flags[3];
    const char* names[3] = {"force", "recreate", "disableHooks"};
    for (int k = 0; k < 3; ++k) {
      auto b = c.f.Bool(r, names[k], "spec.rollback");
      if (!b.ok()) return b.status();
      flags[k] = *b;
    }
    if (rollback_enabled) {
      Node remediation = Node::Mapping();
      // v1 retried the upgrade after a rollback only with retry (maxRetries, 5 by default).
      if (*retry && **retry) remediation.Set("retries", Node::Int(max_retries->value_or(5)));
      remediation.Set("remediateLastFailure", Node::Bool(true));
      upgrade.Set("remediation", std::move(remediation));
      for (int k = 0; k < 3; ++k)
        if (flags[k] && *flags[k]) v2_rollback.Set(names[k], Node::Bool(true));
      if (*timeout) v2_rollback.Set("timeout", Duration(**timeout));
      // v1 rolled back without waiting unless rollback.wait; v2 waits unless disableWait.
      if (!(*wait && **wait)) v2_rollback.Set("disableWait", Node::Bool(true));
      c.Explain("spec.rollback.enable became spec.upgrade.remediation (roll back a failed upgrade)");
    } else if (r.fields.size() > (r.Find("enable") != nullptr ? 1u : 0u)) {
      c.Explain("spec.rollback dropped: without rollback.enable the Helm Operator never rolled back");
    }
  }

  if (*test != nullptr) {
    const Node& t = **test;
    if (Status s = UnknownField(c, t, "spec.test", {"enable", "ignoreFailures", "timeout", "cleanup"}); !s.ok())
      return s;
    auto enable = c.f.Bool(t, "enable", "spec.test");
    if (!enable.ok()) return enable.status();
    test_enabled = *enable && **enable;
    auto ignore = c.f.Bool(t, "ignoreFailures", "spec.test");
    if (!ignore.ok()) return ignore.status();
    auto timeout = Seconds(c, t, "timeout", "spec.test");
    if (!timeout.ok()) return timeout.status();
    auto cleanup = c.f.Bool(t, "cleanup", "spec.test");
    if (!cleanup.ok()) return cleanup.status();
    if (test_enabled) {
      v2_test.Set("enable", Node::Bool(true));
      if (*ignore && **ignore) v2_test.Set("ignoreFailures", Node::Bool(true));
      if (*timeout) v2_test.Set("timeout", Duration(**timeout));
    }
    if (*cleanup) c.Explain("spec.test.cleanup dropped: it applied to Helm 2 only");
  }

  // v1 waited for the release's resources only with wait, or (unset) when
  // rollback or test was enabled; v2 waits unless disableWait.
  auto wait = c.f.Bool(spec, "wait", "spec");
  if (!wait.ok()) return wait.status();
  const bool waited = *wait ? **wait : (rollback_enabled || test_enabled);
  if (!waited) {
    install.Set("disableWait", Node::Bool(true));
    upgrade.Set("disableWait", Node::Bool(true));
    c.Explain(std::string("spec.install.disableWait and spec.upgrade.disableWait: the Helm Operator did not wait ") +
              (*wait ? "(wait: false)" : "(no wait, rollback or test)") + " where helm-controller does");
  }
  auto reset = c.f.Bool(spec, "resetValues", "spec");
  if (!reset.ok()) return reset.status();
  if (*reset && !**reset) upgrade.Set("preserveValues", Node::Bool(true));  // v1 reset values unless false
  auto force = c.f.Bool(spec, "forceUpgrade", "spec");
  if (!force.ok()) return force.status();
  if (*force && **force) upgrade.Set("force", Node::Bool(true));
  auto skip_crds = c.f.Bool(spec, "skipCRDs", "spec");
  if (!skip_crds.ok()) return skip_crds.status();
  if (*skip_crds && **skip_crds) install.Set("crds", Node::String("Skip"));
  auto no_validation = c.f.Bool(spec, "disableOpenAPIValidation", "spec");
  if (!no_validation.ok()) return no_validation.status();
  if (*no_validation && **no_validation) {
    install.Set("disableOpenAPIValidation", Node::Bool(true));
    upgrade.Set("disableOpenAPIValidation", Node::Bool(true));
  }
  if (!install.fields.empty()) v2->Set("install", std::move(install));
  if (!upgrade.fields.empty()) v2->Set("upgrade", std::move(upgrade));
  if (!v2_rollback.fields.empty()) v2->Set("rollback", std::move(v2_rollback));
  if (!v2_test.fields.empty()) v2->Set("test", std::move(v2_test));
  return Status::Ok();
}

// The v2 spec of one v1 HelmRelease, and the source its chart needs.
Status ConvertSpec(const Conversion& c, const Manifest& m, const std::string& app_namespace, Source* source,
                   Node* out) {
  const Node* spec = m.doc.Find("spec");
  if (spec == nullptr || spec->IsNull()) return c.f.Error(m.doc, "spec", "missing");
  if (!spec->IsMapping()) return c.f.Error(*spec, "spec", "expected a mapping, got " + Shown(*spec));
  Status s = UnknownField(c, *spec, "spec",
                          {"helmVersion", "chart", "releaseName", "maxHistory", "valueFileSecrets", "valuesFrom",
                           "targetNamespace", "timeout", "resetValues", "skipCRDs", "wait", "forceUpgrade", "rollback",
                           "test", "values", "disableOpenAPIValidation"});
  if (!s.ok()) return s;
  auto helm_version = c.f.String(*spec, "helmVersion", "spec");
  if (!helm_version.ok()) return helm_version.status();
  if (*helm_version && **helm_version == "v2")
    return c.f.Error(*spec->Find("helmVersion"), "spec.helmVersion",
                     "a Helm 2 release cannot be taken over by Flux v2; migrate it to Helm 3 (helm 2to3 convert) and "
                     "write helmVersion: v3");
  if (*helm_version && **helm_version != "v3")
    return c.f.Error(*spec->Find("helmVersion"), "spec.helmVersion", "expected v2 or v3");
  if (*helm_version) c.Explain("spec.helmVersion dropped: helm-controller uses Helm 3 or later");

  Node v2 = Node::Mapping(16);
  auto release = c.f.String(*spec, "releaseName", "spec");
  if (!release.ok()) return release.status();
  auto target = c.f.String(*spec, "targetNamespace", "spec");
  if (!target.ok()) return target.status();
  Node chart_spec;
  if (!(s = ConvertChart(c, *spec, m.ns, source, &chart_spec)).ok()) return s;

  v2.Set("interval", Node::String(std::string(kReleaseInterval)));
  c.Explain("spec.interval " + std::string(kReleaseInterval) +
            ", the Helm Operator's default --charts-sync-interval (v1 has no such field)");
  if (*release && !(*release)->empty()) {
    v2.Set("releaseName", Node::String(**release));
  } else {
    // v1 named an unnamed release <namespace>-<name>, or <namespace>-<targetNamespace>-<name>;
    // v2 would name it [<targetNamespace>-]<name>, a second release.
    std::string ns = m.ns.empty() ? app_namespace : m.ns;
    if (ns.empty()) ns = "default";
    const std::string name =
        (*target && **target != ns) ? ns + "-" + **target + "-" + m.name : ns + "-" + m.name;
    v2.Set("releaseName", Node::String(name));
    c.Explain("spec.releaseName " + name + ", the name the Helm Operator gave the release, so Flux v2 upgrades it");
  }
  if (*target && !(*target)->empty()) v2.Set("targetNamespace", Node::String(**target));
  Node chart = Node::Mapping(1);
  Node sourced = std::move(chart_spec);
  chart.Set("spec", std::move(sourced));
  v2.Set("chart", std::move(chart));
  auto timeout = Seconds(c, *spec, "timeout", "spec");
  if (!timeout.ok()) return timeout.status();
  if (*timeout) v2.Set("timeout", Duration(**timeout));
  auto history = c.f.Int(*spec, "maxHistory", "spec");
  if (!history.ok()) return history.status();
  if (*history && **history < 0) return c.f.Error(*spec->Find("maxHistory"), "spec.maxHistory", "must be 0 or more");
  if (*history) v2.Set("maxHistory", Node::Int(**history));
  if (!(s = ConvertActions(c, *spec, &v2)).ok()) return s;
  if (!(s = ConvertValuesSources(c, *spec, &v2)).ok()) return s;
  if (const Node* values = spec->Find("values"); values != nullptr && !values->IsNull()) {
    if (!values->IsMapping()) return c.f.Error(*values, "spec.values", "expected a mapping, got " + Shown(*values));
    v2.Set("values", *values);
  }
  *out = std::move(v2);
  return Status::Ok();
}

const Node* SpecField(const Manifest& m, std::string_view key) {
  const Node* spec = m.doc.Find("spec");
  return spec == nullptr ? nullptr : spec->Find(key);
}

std::string ScalarAt(const Manifest& m, std::initializer_list<std::string_view> path) {
  const Node* n = m.doc.Path(path);
  return n != nullptr && n->IsScalar() ? n->value : "";
}

// The input's source object that serves `want`: same kind and namespace and
// the same URL (and, for git, ref and credentials).
bool Serves(const Manifest& m, const Source& want, const std::string& app_namespace) {
  if (m.kind != want.kind || m.Group() != "source.toolkit.fluxcd.io") return false;
  if (m.EffectiveNamespace(app_namespace) != (want.ns.empty() ? app_namespace : want.ns)) return false;
  std::string url = ScalarAt(m, {"spec", "url"});
  while (url.size() > 1 && url.back() == '/') url.pop_back();
  if (url != want.url) return false;
  if (want.kind == "HelmRepository") return true;
  const Node* ref = SpecField(m, "ref");
  const bool default_ref = ref == nullptr || ref->IsNull() || (ref->IsMapping() && ref->fields.empty());
  const bool same_ref = default_ref ? (want.ref_field == "branch" && want.ref == kDefaultGitRef)
                                    : (ref->IsMapping() && ref->fields.size() == 1 &&
                                       ref->fields[0].key == want.ref_field && ref->fields[0].value.IsScalar() &&
                                       ref->fields[0].value.value == want.ref);
  return same_ref && ScalarAt(m, {"spec", "secretRef", "name"}) == want.secret;
}

Manifest MakeSource(const Source& src, const std::string& name, const std::string& file) {
  Manifest out;
  out.file = file;
  Node doc = Node::Mapping(4);
  doc.Set("apiVersion", Node::String(std::string(kFluxSourceApiVersion)));
  doc.Set("kind", Node::String(src.kind));
  Node meta = Node::Mapping(2);
  meta.Set("name", Node::String(name));
  if (!src.ns.empty()) meta.Set("namespace", Node::String(src.ns));
  doc.Set("metadata", std::move(meta));
  Node spec = Node::Mapping(5);
  if (src.oci) spec.Set("type", Node::String("oci"));
  spec.Set("url", Node::String(src.url));
  // An OCI HelmRepository is never polled; the others are.
  if (!src.oci) spec.Set("interval", Node::String(std::string(kSourceInterval)));
  if (src.kind == "GitRepository") {
    Node ref = Node::Mapping(1);
    ref.Set(src.ref_field, Node::String(src.ref));
    spec.Set("ref", std::move(ref));
    if (!src.secret.empty()) {
      Node secret = Node::Mapping(1);
      secret.Set("name", Node::String(src.secret));
      spec.Set("secretRef", std::move(secret));
    }
  }
  doc.Set("spec", std::move(spec));
  out.doc = std::move(doc);
  out.RefreshIdentity();
  return out;
}

// The name of the source serving `src`: an input object that serves it, or a
// source added for an earlier release, or a new one (appended to manifests).
Result<std::string> PlaceSource(std::vector<Manifest>& manifests, std::size_t input_count, const Source& src,
                                const std::string& app_namespace, const Conversion& c) {
  // Input objects first, by name, so the choice does not depend on file order.
  const Manifest* best = nullptr;
  for (std::size_t i = 0; i < manifests.size(); ++i) {
    if (!Serves(manifests[i], src, app_namespace)) continue;
    if (i >= input_count) {  // added for an earlier release of the app
      c.Explain("chart source is " + src.kind + " " + manifests[i].name + ", shared with an earlier release");
      return manifests[i].name;
    }
    if (best == nullptr || manifests[i].name < best->name) best = &manifests[i];
  }
  if (best != nullptr) {
    c.Explain("chart source is the app's " + src.kind + " " + best->name);
    return best->name;
  }
  const std::string name = DeriveName(src.name_seed);
  const std::string& ns = src.ns.empty() ? app_namespace : src.ns;
  for (const Manifest& m : manifests) {
    if (m.kind != src.kind || m.name != name || m.EffectiveNamespace(app_namespace) != ns) continue;
    const Node* url = m.doc.Path({"spec", "url"});
    return Fields(m.file).Error(url != nullptr ? *url : m.doc, url != nullptr ? "spec.url" : "",
                                "this " + src.kind + " has the name derived for the chart source of " + c.who +
                                    " (" + src.url + ") but serves another; rename this object");
  }
  Manifest made = MakeSource(src, name, c.f.file());
  manifests.push_back(std::move(made));
  std::string what = src.kind + " " + name + " (url " + src.url;
  if (src.kind == "GitRepository") what += ", " + src.ref_field + " " + src.ref;
  c.Explain("chart source added: " + what + ")");
  return name;
}

}  // namespace

bool IsFluxV1HelmRelease(const Manifest& m) { return m.kind == "HelmRelease" && m.api_version == kFluxV1HelmApiVersion; }

Status ConvertFluxV1HelmReleases(std::vector<Manifest>& manifests, const std::string& app_namespace,
                                 std::vector<std::string>* explain) {
  const std::size_t input_count = manifests.size();
  for (std::size_t i = 0; i < input_count; ++i) {
    if (!IsFluxV1HelmRelease(manifests[i])) continue;
    Conversion c{Fields(manifests[i].file), manifests[i].Describe(),
                 manifests[i].EffectiveNamespace(app_namespace), explain};
    const std::size_t first_line = explain->size();
    if (Status s = UnknownField(c, manifests[i].doc, "", {"apiVersion", "kind", "metadata", "spec", "status"}); !s.ok())
      return s;
    Source source;
    Node spec;
    Status s = ConvertSpec(c, manifests[i], app_namespace, &source, &spec);
    if (!s.ok()) return s;
    auto name = PlaceSource(manifests, input_count, source, app_namespace, c);
    if (!name.ok()) return name.status();
    Node ref = Node::Mapping(2);
    ref.Set("kind", Node::String(source.kind));
    ref.Set("name", Node::String(*name));
    spec.Find("chart")->Find("spec")->Set("sourceRef", std::move(ref));
    Manifest& m = manifests[i];  // PlaceSource may have grown the vector
    m.doc.Set("apiVersion", Node::String(std::string(kFluxHelmReleaseApiVersion)));
    m.doc.Set("spec", std::move(spec));
    m.doc.Erase("status");
    m.RefreshIdentity();
    explain->insert(explain->begin() + static_cast<std::ptrdiff_t>(first_line),
                    c.who + ": " + std::string(kFluxV1HelmApiVersion) + " converted to " +
                        std::string(kFluxHelmReleaseApiVersion));
  }
  return Status::Ok();
}

}  // namespace gitcanary::render
