#include "render/canary_templates.h"

#include <set>

#include "render/canary_spec.h"
#include "render/fields.h"

namespace gitcanary::render {

using yaml::Node;

namespace {

// Replaces {{ name }} and {{ namespace }} in every string of `n`.
Status Substitute(Node& n, const Fields& f, const std::string& name, const std::string& ns) {
  if (n.IsScalar()) {
    std::string out;
    std::size_t pos = 0;
    while (true) {
      std::size_t open = n.value.find("{{", pos);
      if (open == std::string::npos) break;
      std::size_t close = n.value.find("}}", open);
      if (close == std::string::npos) return f.Error(n, "", "unclosed \"{{\" in template string");
      std::string key = n.value.substr(open + 2, close - open - 2);
      key.erase(0, key.find_first_not_of(' '));
      key.erase(key.find_last_not_of(' ') + 1);
      if (key != "name" && key != "namespace") {
        return f.Error(n, "", "unknown template variable \"" + key + "\"; use {{ name }} or {{ namespace }}");
      }
      out += n.value.substr(pos, open - pos);
      out += key == "name" ? name : ns;
      pos = close + 2;
    }
    if (pos > 0) n.value = out + n.value.substr(pos);
    return Status::Ok();
  }
  for (Node& item : n.items) {
    Status s = Substitute(item, f, name, ns);
    if (!s.ok()) return s;
  }
  for (yaml::Field& field : n.fields) {
    Status s = Substitute(field.value, f, name, ns);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

Node RefTo(std::string_view api_version, std::string_view kind, const std::string& name) {
  Node ref = Node::Mapping();
  ref.Set("apiVersion", Node::String(std::string(api_version)));
  ref.Set("kind", Node::String(std::string(kind)));
  ref.Set("name", Node::String(name));
  return ref;
}

Result<Manifest> Generate(const Manifest& deployment, const std::string& template_name,
                          const CanaryTemplate& tmpl, const std::string& config_file,
                          const std::string& app_namespace) {
  Fields f(config_file);
  Node spec = Node::Mapping();
  spec.Set("targetRef", RefTo("apps/v1", "Deployment", deployment.name));
  for (const yaml::Field& field : tmpl.spec.fields) {
    if (field.key == "autoscalerRef") {
      if (!field.value.IsMapping() && !field.value.IsNull()) {
        return f.Error(field.value, "templates." + template_name + ".spec.autoscalerRef", "expected a mapping, got " + Shown(field.value));
      }
      const Node* given = field.value.Find("name");
      std::string name = given != nullptr && given->IsScalar() ? given->value : deployment.name;
      spec.Set("autoscalerRef", RefTo("autoscaling/v2", "HorizontalPodAutoscaler", name));
    } else {
      spec.fields.push_back(field);
    }
  }
  Status s = Substitute(spec, f, deployment.name, deployment.EffectiveNamespace(app_namespace));
  if (!s.ok()) return s;
  Manifest canary;
  canary.file = config_file;
  canary.doc = Node::Mapping();
  canary.doc.Set("apiVersion", Node::String(std::string(kCanaryApiVersion)));
  canary.doc.Set("kind", Node::String("Canary"));
  Node& meta = canary.doc.Set("metadata", Node::Mapping());
  meta.Set("name", Node::String(deployment.name));
  if (!deployment.ns.empty()) meta.Set("namespace", Node::String(deployment.ns));
  meta.Set("annotations", Node::Mapping()).Set(kGeneratedFromAnnotation, Node::String(template_name));
  canary.doc.Set("spec", std::move(spec));
  canary.RefreshIdentity();
  return canary;
}

}  // namespace

Status ExpandCanaryTemplates(std::vector<Manifest>& manifests, const AppConfig& config,
                             const std::string& app_namespace, std::vector<std::string>* explain) {
  std::set<std::pair<std::string, std::string>> targeted;  // (namespace, deployment)
  for (const Manifest& m : manifests) {
    if (!IsCanary(m)) continue;
    const Node* name = m.doc.Path({"spec", "targetRef", "name"});
    if (name != nullptr && name->IsScalar()) targeted.emplace(m.EffectiveNamespace(app_namespace), name->value);
  }
  std::vector<Manifest> generated;
  for (Manifest& m : manifests) {
    if (m.kind != "Deployment") continue;
    Node* annotations = m.doc.Find("metadata")->Find("annotations");
    Node* wanted = annotations == nullptr ? nullptr : annotations->Find(kTemplateAnnotation);
    if (wanted == nullptr) continue;
    Fields f(m.file);
    if (!wanted->IsStringScalar()) return f.Error(*wanted, "metadata.annotations", "template name must be a string");
    auto it = config.templates.find(wanted->value);
    if (it == config.templates.end()) {
      return f.Error(*wanted, std::string("metadata.annotations.") + std::string(kTemplateAnnotation),
                     "no canary template \"" + wanted->value + "\" in " +
                         (config.file.empty() ? std::string("gitcanary.yaml (none found)") : config.file));
    }
    if (targeted.count({m.EffectiveNamespace(app_namespace), m.name}) != 0) {
      return f.Error(*wanted, "metadata.annotations", "Deployment " + m.name +
                     " has a canary template annotation and is also the target of a Canary; keep one");
    }
    auto canary = Generate(m, it->first, it->second, config.file, app_namespace);
    if (!canary.ok()) return canary.status();
    explain->push_back("generated " + canary->Describe() + " from template \"" + it->first + "\" for Deployment " + m.name);
    annotations->Erase(kTemplateAnnotation);
    if (annotations->fields.empty()) m.doc.Find("metadata")->Erase("annotations");
    generated.push_back(std::move(*canary));
  }
  for (Manifest& c : generated) manifests.push_back(std::move(c));
  return Status::Ok();
}

}  // namespace gitcanary::render
