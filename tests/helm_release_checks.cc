#include "tests/helm_release_checks.h"

#include <map>
#include <set>

namespace gitcanary::testing {

namespace {

using Labels = std::map<std::string, std::string>;

Labels LabelsAt(const render::Manifest& m, std::initializer_list<std::string_view> path) {
  Labels out;
  if (const yaml::Node* n = m.doc.Path(path); n != nullptr && n->IsMapping())
    for (const yaml::Field& f : n->fields) out[f.key] = f.value.value;
  return out;
}

std::string Show(const Labels& labels) {
  std::string out = "{";
  for (const auto& [k, v] : labels) out += (out.size() > 1 ? ", " : "") + k + ": " + v;
  return out + "}";
}

// Whether a non-empty `selector` picks pods labelled `pod`.
bool Selects(const Labels& selector, const Labels& pod) {
  if (selector.empty()) return false;
  for (const auto& [k, v] : selector) {
    auto it = pod.find(k);
    if (it == pod.end() || it->second != v) return false;
  }
  return true;
}

std::vector<const render::Manifest*> OfKind(const HelmReleaseBuild& build, const std::string& kind,
                                            const std::string& ns) {
  std::vector<const render::Manifest*> out;
  for (const render::Manifest* m : AllObjects(build))
    if (m->kind == kind && m->ns == ns) out.push_back(m);
  return out;
}

// The Deployment `name` when there is exactly one, else nullptr after a problem.
const render::Manifest* OneDeployment(const std::vector<const render::Manifest*>& deployments, const std::string& name,
                                      std::vector<std::string>* problems) {
  const render::Manifest* found = nullptr;
  int count = 0;
  for (const render::Manifest* d : deployments)
    if (d->name == name) found = d, ++count;
  if (count != 1) {
    problems->push_back(std::to_string(count) + " Deployments named " + name + ", expected 1");
    return nullptr;
  }
  return found;
}

void CheckReplicas(const render::Manifest& canary, bool idle, std::vector<std::string>* problems) {
  const yaml::Node* replicas = canary.doc.Path({"spec", "replicas"});
  const std::string shown = replicas == nullptr ? "absent" : replicas->value;
  if (idle && shown != "0")
    problems->push_back("the idle canary Deployment " + canary.name + " has replicas " + shown + ", expected 0");
  if (!idle && shown == "0")
    problems->push_back("the running canary Deployment " + canary.name + " has replicas 0");
}

}  // namespace

std::vector<std::string> HelmCanaryProblems(const HelmReleaseBuild& build, const HelmCanary& canary) {
  std::vector<std::string> problems;
  const std::string primary_name = canary.name + "-primary";
  const auto deployments = OfKind(build, "Deployment", canary.ns);
  const render::Manifest* target = OneDeployment(deployments, canary.name, &problems);
  const render::Manifest* primary = OneDeployment(deployments, primary_name, &problems);
  if (target == nullptr || primary == nullptr) return problems;

  const Labels target_pods = LabelsAt(*target, {"spec", "template", "metadata", "labels"});
  const Labels primary_pods = LabelsAt(*primary, {"spec", "template", "metadata", "labels"});
  if (target_pods == primary_pods)
    problems.push_back("Deployments " + canary.name + " and " + primary_name + " have the same pod labels " +
                       Show(target_pods));
  using Pair = std::pair<const render::Manifest*, const render::Manifest*>;
  for (const auto& [d, other] : {Pair{target, primary}, Pair{primary, target}}) {
    const Labels selector = LabelsAt(*d, {"spec", "selector", "matchLabels"});
    const Labels other_pods = LabelsAt(*other, {"spec", "template", "metadata", "labels"});
    if (!Selects(selector, LabelsAt(*d, {"spec", "template", "metadata", "labels"})))
      problems.push_back("Deployment " + d->name + "'s selector " + Show(selector) + " does not select its own pods");
    if (Selects(selector, other_pods))
      problems.push_back("Deployment " + d->name + "'s selector " + Show(selector) + " selects the pods of " +
                         other->name);
  }
  CheckReplicas(*target, canary.idle, &problems);

  const std::map<std::string, std::string> intended = {
      {canary.name, primary_name}, {primary_name, primary_name}, {canary.name + "-canary", canary.name}};
  std::set<std::string> seen;
  for (const render::Manifest* service : OfKind(build, "Service", canary.ns)) {
    const Labels selector = LabelsAt(*service, {"spec", "selector"});
    std::vector<std::string> picked;
    for (const render::Manifest* d : deployments)
      if (Selects(selector, LabelsAt(*d, {"spec", "template", "metadata", "labels"}))) picked.push_back(d->name);
    std::string names;
    for (const std::string& p : picked) names += " " + p;
    auto it = intended.find(service->name);
    if (it != intended.end()) {
      seen.insert(service->name);
      if (picked != std::vector<std::string>{it->second})
        problems.push_back("Service " + service->name + " (selector " + Show(selector) + ") selects the pods of [" +
                           names + " ], expected [ " + it->second + " ]");
    } else if (picked.size() > 1) {
      problems.push_back("Service " + service->name + " selects the pods of several Deployments: [" + names + " ]");
    }
  }
  for (const auto& [name, unused] : intended)
    if (seen.count(name) == 0) problems.push_back("no Service " + name);
  return problems;
}

std::vector<std::string> CollisionProblems(const HelmReleaseBuild& build) {
  std::map<std::string, int> count;
  for (const render::Manifest* m : AllObjects(build)) ++count[m->kind + (m->Group().empty() ? "" : "." + m->Group()) + " " + m->ns + "/" + m->name];
  std::vector<std::string> problems;
  for (const auto& [key, n] : count)
    if (n > 1) problems.push_back(std::to_string(n) + " objects are " + key);
  return problems;
}

const render::Manifest* Object(const HelmReleaseBuild& build, const std::string& kind, const std::string& name) {
  for (const render::Manifest* m : AllObjects(build))
    if (m->kind == kind && m->name == name) return m;
  return nullptr;
}

std::string At(const render::Manifest* m, std::initializer_list<std::string_view> path) {
  if (m == nullptr) return "<no object>";
  const yaml::Node* n = m->doc.Path(path);
  return n == nullptr ? "<absent>" : n->value;
}

std::string Lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& l : lines) out += l + "\n";
  return out;
}

}  // namespace gitcanary::testing
