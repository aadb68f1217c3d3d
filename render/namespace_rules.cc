#include "render/namespace_rules.h"

#include <algorithm>
#include <array>

#include "render/fields.h"

namespace gitcanary::render {

using yaml::Node;

namespace {

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  if (path.empty()) return out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t slash = path.find('/', start);
    out.push_back(path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) return out;
    start = slash + 1;
  }
}

bool MatchFrom(const std::vector<std::string_view>& pat, std::size_t i, const std::vector<std::string_view>& path,
               std::size_t j) {
  if (i == pat.size()) return j == path.size();
  if (pat[i] == "**") {
    for (std::size_t k = j; k <= path.size(); ++k)
      if (MatchFrom(pat, i + 1, path, k)) return true;
    return false;
  }
  return j < path.size() && NameGlobMatches(pat[i], path[j]) && MatchFrom(pat, i + 1, path, j + 1);
}

// Kinds without a namespace: a namespace written on them means nothing.
constexpr std::array<std::string_view, 16> kClusterScoped = {
    "APIService",          "ClusterIssuer",          "ClusterRole",
    "ClusterRoleBinding",  "CSIDriver",              "CustomResourceDefinition",
    "GatewayClass",        "IngressClass",           "MutatingWebhookConfiguration",
    "PersistentVolume",    "PriorityClass",          "RuntimeClass",
    "StorageClass",        "ValidatingWebhookConfiguration", "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding"};

bool ClusterScoped(const Manifest& m) {
  return std::find(kClusterScoped.begin(), kClusterScoped.end(), m.kind) != kClusterScoped.end();
}

std::string Listed(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

bool Matches(const std::vector<std::string>& patterns, const std::string& ns) {
  return std::any_of(patterns.begin(), patterns.end(),
                     [&](const std::string& p) { return NameGlobMatches(p, ns); });
}

class Checker {
 public:
  Checker(const NamespaceScope& scope, const std::string& app_ns) : scope_(scope), app_ns_(app_ns) {}

  Status Check(const Manifest& m) const {
    const Fields f(m.file);
    if (m.kind == "Namespace" && m.Group().empty()) {
      const Node* name = m.doc.Path({"metadata", "name"});
      return Allowed(m.name) ? Status::Ok()
                             : f.Error(name != nullptr ? *name : m.doc, "metadata.name",
                                       "Namespace " + m.name + ": namespace \"" + m.name + "\"" + Refused());
    }
    if (ClusterScoped(m)) return Status::Ok();
    if (Status s = CheckOwn(f, m); !s.ok()) return s;
    if (m.Group() == "flagger.app" && m.kind == "Canary") return CheckCanaryRefs(f, m);
    if (m.Group() == "helm.toolkit.fluxcd.io" && m.kind == "HelmRelease") {
      for (const char* key : {"targetNamespace", "storageNamespace"})
        if (Status s = CheckField(f, m, {"spec", key}, std::string("spec.") + key, false); !s.ok()) return s;
    }
    if (m.Group() == "kustomize.toolkit.fluxcd.io" && m.kind == "Kustomization")
      return CheckField(f, m, {"spec", "targetNamespace"}, "spec.targetNamespace", false);
    return Status::Ok();
  }

 private:
  bool Allowed(const std::string& ns) const { return Matches(scope_.rule.allow, ns); }

  // " is not allowed for the app at "A" by gitcanary.yaml:L:C namespaces[i] (...)".
  std::string Refused() const {
    const NamespaceRule& r = scope_.rule;
    return " is not allowed for the app at \"" + (scope_.app.empty() ? "." : scope_.app) + "\" by " + r.where +
           " (path \"" + r.path + "\": allow " + Listed(r.allow) +
           (r.shared.empty() ? "" : "; shared " + Listed(r.shared)) + ")";
  }

  Status CheckOwn(const Fields& f, const Manifest& m) const {
    const std::string& ns = m.EffectiveNamespace(app_ns_);
    if (Allowed(ns)) return Status::Ok();
    if (!m.ns.empty()) {
      const Node* at = m.doc.Path({"metadata", "namespace"});
      return f.Error(at != nullptr ? *at : m.doc, "metadata.namespace",
                     m.Describe() + ": namespace \"" + ns + "\"" + Refused() + "; use one of: " +
                         Listed(scope_.rule.allow));
    }
    const Node* meta = m.doc.Find("metadata");
    return f.Error(meta != nullptr ? *meta : m.doc, "metadata.namespace",
                   m.Describe() + ": without metadata.namespace it goes to the app's namespace \"" + ns + "\", which" +
                       Refused() + "; set metadata.namespace, or the app's namespace (-n, Argo CD's destination), "
                       "to one of: " + Listed(scope_.rule.allow));
  }

  // A namespace written at `path` of the object (absent or empty: nothing to check).
  Status CheckField(const Fields& f, const Manifest& m, std::initializer_list<std::string_view> path,
                    const std::string& shown, bool may_be_shared) const {
    const Node* n = m.doc.Path(path);
    if (n == nullptr || !n->IsScalar() || n->value.empty()) return Status::Ok();
    if (Allowed(n->value) || (may_be_shared && Matches(scope_.rule.shared, n->value))) return Status::Ok();
    std::vector<std::string> usable = scope_.rule.allow;
    if (may_be_shared) usable.insert(usable.end(), scope_.rule.shared.begin(), scope_.rule.shared.end());
    return f.Error(*n, shown, m.Describe() + ": namespace \"" + n->value + "\"" + Refused() +
                                  "; use one of: " + Listed(usable));
  }

  Status CheckCanaryRefs(const Fields& f, const Manifest& m) const {
    for (const char* analysis : {"analysis", "canaryAnalysis"}) {  // v1beta1, and v1alpha3's name
      struct Ref { const char* list; const char* ref; };
      for (Ref r : {Ref{"metrics", "templateRef"}, Ref{"alerts", "providerRef"}}) {
        const Node* items = m.doc.Path({"spec", analysis, r.list});
        if (items == nullptr || !items->IsSequence()) continue;
        for (std::size_t i = 0; i < items->items.size(); ++i) {
          const std::string at = std::string("spec.") + analysis + "." + r.list + "[" + std::to_string(i) + "]." +
                                 r.ref + ".namespace";
          const Node& item = items->items[i];
          const Node* ns = item.Path({r.ref, "namespace"});
          if (ns == nullptr || !ns->IsScalar() || ns->value.empty()) continue;
          if (Allowed(ns->value) || Matches(scope_.rule.shared, ns->value)) continue;
          std::vector<std::string> usable = scope_.rule.allow;
          usable.insert(usable.end(), scope_.rule.shared.begin(), scope_.rule.shared.end());
          return f.Error(*ns, at, m.Describe() + ": " + (r.list == std::string("metrics") ? "MetricTemplate" : "AlertProvider") +
                                      " namespace \"" + ns->value + "\"" + Refused() + "; name one in: " +
                                      Listed(usable));
        }
      }
    }
    return Status::Ok();
  }

  const NamespaceScope& scope_;
  const std::string& app_ns_;
};

}  // namespace

std::string PathGlobProblem(std::string_view pattern) {
  if (pattern.empty()) return "an empty path; \"**\" matches every app";
  if (pattern.front() == '/') return "must be relative to the gitcanary.yaml's directory, without a leading '/'";
  for (std::string_view seg : Segments(pattern)) {
    if (seg.empty()) return "has an empty segment (\"//\" or a trailing '/')";
    if (seg == "." || seg == "..") return "has a \".\" or \"..\" segment";
    if (seg != "**" && seg.find("**") != std::string_view::npos) return "\"**\" must be a whole segment, as in a/**/b";
  }
  return "";
}

bool PathGlobMatches(std::string_view pattern, std::string_view path) {
  return MatchFrom(Segments(pattern), 0, Segments(path), 0);
}

bool NameGlobMatches(std::string_view pattern, std::string_view name) {
  std::size_t p = 0, n = 0, star = std::string_view::npos, resume = 0;
  while (n < name.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = n;
    } else if (p < pattern.size() && pattern[p] == name[n]) {
      ++p;
      ++n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

const NamespaceRule* FirstMatchingRule(const std::vector<NamespaceRule>& rules, std::string_view app) {
  for (const NamespaceRule& r : rules)
    if (PathGlobMatches(r.path, app)) return &r;
  return nullptr;
}

Status CheckNamespaces(const NamespaceScope& scope, const std::vector<Manifest>& objects, const std::string& app_ns) {
  const Checker checker(scope, app_ns);
  for (const Manifest& m : objects)
    if (Status s = checker.Check(m); !s.ok()) return s;
  return Status::Ok();
}

}  // namespace gitcanary::render
