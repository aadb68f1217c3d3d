// The field tables of render/flagger_fields.h against the CRDs they were
// written from (../shared/fixtures/schemas): every property path of the CRD is
// in the table with the same type, enum and oneOf, and the table holds no path
// the CRD lacks, apart from the entries that are ours by design (ObjectMeta
// under `metadata`, the legacy v1alpha3 alias spec.canaryAnalysis). Skips
// cleanly, saying so, when the fixtures are absent.
#include <doctest/doctest.h>

#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "render/flagger_fields.h"
#include "render/yaml_parse.h"
#include "tests/test_util.h"

namespace fs = std::filesystem;
using namespace gitcanary;
using namespace gitcanary::testing;
using gitcanary::yaml::Node;

namespace {

std::string Schemas() { return SourceDir() + "/../shared/fixtures/schemas"; }

struct Flat {
  render::FieldType type;
  std::string enums;
  render::OneOf one_of;
};
using FlatMap = std::map<std::string, Flat>;

bool True(const Node* n) { return n != nullptr && n->AsBool() == std::optional<bool>(true); }

// A oneOf whose branches each require one property (or none, with `not`).
render::OneOf OneOfKind(const Node& schema) {
  const Node* one = schema.Find("oneOf");
  if (one == nullptr || !one->IsSequence()) return render::OneOf::kNone;
  bool has_not = false;
  for (const Node& branch : one->items) {
    if (branch.Find("not") != nullptr) {
      has_not = true;
      continue;
    }
    const Node* req = branch.Find("required");
    if (branch.fields.size() != 1 || req == nullptr || !req->IsSequence() || req->items.size() != 1)
      return render::OneOf::kOther;
  }
  return has_not ? render::OneOf::kAtMostOne : render::OneOf::kExactlyOne;
}

void Flatten(const Node& s, const std::string& path, FlatMap& out) {
  const render::OneOf one_of = OneOfKind(s);
  if (True(s.Find("x-kubernetes-preserve-unknown-fields"))) {
    out[path] = {render::FieldType::kFree, "", one_of};
    return;
  }
  if (True(s.Find("x-kubernetes-int-or-string"))) {
    out[path] = {render::FieldType::kIntOrString, "", one_of};
    return;
  }
  const Node* type = s.Find("type");
  const std::string t = type != nullptr ? type->value : "";
  const Node* props = s.Find("properties");
  if (t == "object" || (t.empty() && props != nullptr)) {
    const Node* extra = s.Find("additionalProperties");
    if (props != nullptr) {
      out[path] = {render::FieldType::kObject, "", one_of};
      for (const yaml::Field& p : props->fields) Flatten(p.value, path.empty() ? p.key : path + "." + p.key, out);
    } else if (extra != nullptr && extra->IsMapping()) {
      out[path] = {render::FieldType::kMap, "", one_of};
      Flatten(*extra, path + ".*", out);
    } else {
      out[path] = {render::FieldType::kFree, "", one_of};
    }
    return;
  }
  if (t == "array") {
    out[path] = {render::FieldType::kArray, "", one_of};
    const Node* items = s.Find("items");
    Flatten(items != nullptr ? *items : Node::Mapping(), path + "[]", out);
    return;
  }
  render::FieldType ft = render::FieldType::kFree;
  if (t == "string") ft = render::FieldType::kString;
  else if (t == "integer") ft = render::FieldType::kInteger;
  else if (t == "number") ft = render::FieldType::kNumber;
  else if (t == "boolean") ft = render::FieldType::kBoolean;
  else FAIL("unexpected type \"" << t << "\" at " << path);
  if (ft == render::FieldType::kString) {
    if (const Node* rules = s.Find("x-kubernetes-validations"); rules != nullptr && rules->IsSequence())
      for (const Node& r : rules->items)
        if (const Node* rule = r.Find("rule"); rule != nullptr && rule->value.find("duration(self)") != std::string::npos)
          ft = render::FieldType::kDuration;
  }
  std::string enums;
  if (const Node* e = s.Find("enum"); e != nullptr && e->IsSequence()) {
    for (std::size_t i = 0; i < e->items.size(); ++i) enums += (i ? "|" : "") + e->items[i].value;
  }
  out[path] = {ft, enums, one_of};
}

// The flattened schema of `kind` at `version` in a CRD file.
FlatMap CrdFields(const std::string& file, const std::string& kind, const std::string& version) {
  auto docs = yaml::ParseYamlStream(ReadFile(file), file);
  REQUIRE(docs.ok());
  for (const Node& d : *docs) {
    if (const Node* k = d.Path({"spec", "names", "kind"}); k == nullptr || k->value != kind) continue;
    for (const Node& v : d.Path({"spec", "versions"})->items) {
      if (v.Find("name")->value != version) continue;
      FlatMap out;
      Flatten(*v.Path({"schema", "openAPIV3Schema"}), "", out);
      return out;
    }
  }
  FAIL("no " << kind << " " << version << " in " << file);
  return {};
}

bool Under(const std::string& path, const std::string& root) {
  return path == root || path.rfind(root + ".", 0) == 0 || path.rfind(root + "[", 0) == 0;
}

// Every path of `crd` under one of `roots` ("" = all) equals the table, and back.
void Compare(const render::FieldTable& table, const FlatMap& crd, const std::vector<std::string>& roots) {
  auto wanted = [&](const std::string& p) {
    if (Under(p, "metadata")) return false;  // ObjectMeta: ours, the CRD leaves it to Kubernetes
    for (const std::string& r : roots)
      if (r.empty() || Under(p, r)) return true;
    return false;
  };
  std::size_t compared = 0;
  for (const auto& [path, flat] : crd) {
    if (!wanted(path)) continue;
    CAPTURE(path);
    const std::optional<render::FieldSpec> e = table.Find(path);
    REQUIRE_MESSAGE(e.has_value(), table.name << " lacks " << path);
    CHECK(render::FieldTypeName(e->type) == render::FieldTypeName(flat.type));
    CHECK(std::string(e->enums) == flat.enums);
    CHECK(static_cast<int>(e->one_of) == static_cast<int>(flat.one_of));
    ++compared;
  }
  for (const render::FieldSpec& e : table) {
    const std::string path(e.path);
    CAPTURE(path);
    if (Under(path, "metadata") || !e.alias.empty()) continue;
    CHECK_MESSAGE(crd.count(path) == 1, table.name << " has " << path << ", which the CRD lacks");
  }
  CHECK(compared > 0);
}

bool HaveSchemas() {
  if (fs::is_directory(Schemas())) return true;
  MESSAGE("skipped: " << Schemas() << " is absent");
  return false;
}

}  // namespace

TEST_CASE("flagger fields: each table is sorted, and its maps, lists and alias have entries") {
  for (const render::FieldTable* t :
       {&render::CanaryFields(), &render::MetricTemplateFields(), &render::AlertProviderFields(),
        &render::IstioVirtualServiceFields(), &render::IstioDestinationRuleFields()}) {
    CAPTURE(t->name);
    CHECK(t->size > 0);
    for (std::size_t i = 0; i < t->size; ++i) {
      const render::FieldSpec e = (*t)[i];
      CAPTURE(e.path);
      if (i + 1 < t->size) CHECK(e.path < (*t)[i + 1].path);
      CHECK(t->Find(e.path).has_value());  // each entry is found at its path, with its own fields
      CHECK(t->Find(e.path)->enums == e.enums);
      if (e.type == render::FieldType::kMap) CHECK(t->Find(std::string(e.path) + ".*").has_value());
      if (e.type == render::FieldType::kArray) CHECK(t->Find(std::string(e.path) + "[]").has_value());
      if (!e.alias.empty()) CHECK(t->Find(e.alias).has_value());
    }
    CHECK_FALSE(t->Find("spec.noSuchField").has_value());
  }
  for (std::size_t i = 0; i < render::kIstioCopyCount; ++i) {
    std::string path(render::kIstioCopies[i].canary_path);
    if (path.rfind("spec.canaryAnalysis.", 0) == 0) path.replace(0, 19, "spec.analysis");  // the legacy alias
    CHECK(render::CanaryFields().Find(path).has_value());
    CHECK(render::kIstioCopies[i].table().Find(render::kIstioCopies[i].istio_path).has_value());
  }
}

TEST_CASE("flagger fields: the Canary, MetricTemplate and AlertProvider tables equal Flagger's CRD") {
  if (!HaveSchemas()) return;
  const std::string crd = Schemas() + "/flagger-crd.yaml";
  Compare(render::CanaryFields(), CrdFields(crd, "Canary", "v1beta1"), {""});
  Compare(render::MetricTemplateFields(), CrdFields(crd, "MetricTemplate", "v1beta1"), {""});
  Compare(render::AlertProviderFields(), CrdFields(crd, "AlertProvider", "v1beta1"), {""});
}

TEST_CASE("flagger fields: the Istio tables equal the parts of Istio's CRDs that a Canary's fields are copied into") {
  if (!HaveSchemas()) return;
  const std::string crd = Schemas() + "/istio-crds.yaml";
  Compare(render::IstioVirtualServiceFields(), CrdFields(crd, "VirtualService", "v1beta1"),
          {"spec.http[].retries", "spec.http[].timeout", "spec.http[].headers", "spec.http[].corsPolicy",
           "spec.http[].rewrite", "spec.http[].match"});
  Compare(render::IstioDestinationRuleFields(), CrdFields(crd, "DestinationRule", "v1beta1"), {"spec.trafficPolicy"});
}
