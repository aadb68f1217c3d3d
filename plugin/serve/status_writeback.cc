#include "plugin/serve/status_writeback.h"

#include "policies/status_state.h"
#include "render/annotation_edit.h"
#include "render/json_emit.h"
#include "render/loader.h"
#include "render/yaml_emit.h"

namespace gitcanary::plugin {

namespace {

std::string NameOf(const std::string& id) { return id.substr(id.find('/') + 1); }
std::string NamespaceOf(const std::string& id) { return id.substr(0, id.find('/')); }

std::string StatusDocument(const CatalogEntry& entry, const render::CanaryStatus& status) {
  yaml::Node doc = yaml::Node::Mapping(4);
  doc.Set("apiVersion", yaml::Node::String(std::string(render::kStatusApiVersion)));
  doc.Set("kind", yaml::Node::String(std::string(render::kStatusKind)));
  yaml::Node& meta = doc.Set("metadata", yaml::Node::Mapping(2));
  meta.Set("name", yaml::Node::String(NameOf(entry.id)));
  meta.Set("namespace", yaml::Node::String(NamespaceOf(entry.id)));
  doc.Set("status", render::StatusToNode(status));
  std::string out =
      "# Written by gitcanary serve: the status of record of canary " + entry.id + ". Do not edit by hand;\n"
      "# use gitcanary approve/abort/promote/retry.\n";
  yaml::EmitYaml(doc, &out);
  return out;
}

}  // namespace

Result<WriteMode> ParseWriteMode(std::string_view text) {
  if (text == "commit") return WriteMode::kCommit;
  if (text == "annotations") return WriteMode::kAnnotations;
  return Status::Usage("unknown write mode \"" + std::string(text) + "\"; expected commit or annotations");
}

render::CanaryStatus NextStatus(const CatalogEntry& entry, const Executed& executed) {
  const policies::Decision& decision = executed.decision;
  render::CanaryStatus out = policies::WithState(entry.status, decision.next);
  if (executed.used_approval) out.approved_revision.clear();
  for (const policies::Action& a : decision.actions) {
    if (a.kind != policies::Action::Kind::kPromote) continue;
    out.promoted = entry.current;
    out.tracked_configs = entry.current_configs;
  }
  return out;
}

std::string StatusFilePath(const CatalogEntry& entry) {
  // A built app's status lives in the directory that is built (an overlay), never in a base.
  const std::string file = NameOf(entry.id) + std::string(render::kStatusFileSuffix);
  if (entry.built) return (entry.app_dir.empty() ? "" : entry.app_dir + "/") + file;
  const std::size_t slash = entry.canary_file.rfind('/');
  const std::string dir = slash == std::string::npos ? "" : entry.canary_file.substr(0, slash + 1);
  return dir + file;
}

Result<git::FileChange> StatusChange(const git::TreeSource& tree, const CatalogEntry& entry,
                                     const render::CanaryStatus& status, WriteMode mode) {
  const bool annotate = !entry.built && (entry.status_in_annotation ||
                                         (!entry.status && mode == WriteMode::kAnnotations && !entry.generated));
  if (!annotate) {
    const std::string path = entry.status_file.empty() ? StatusFilePath(entry) : entry.status_file;
    if (!entry.status_file.empty()) {
      auto text = tree.Read(path);
      if (!text.ok()) return text.status();
      auto docs = render::ParseManifests(*text, path);
      if (docs.ok() && docs->size() > 1)
        return Status::Invalid(path + " holds the status of canary " + entry.id +
                               " and other documents; move the CanaryStatus to a file of its own");
    }
    return git::FileChange{path, StatusDocument(entry, status)};
  }
  auto text = tree.Read(entry.canary_file);
  if (!text.ok()) return text.status();
  std::string json;
  yaml::EmitCompactJson(render::StatusToNode(status), &json);
  auto edited = render::SetAnnotationInPlace(*text, "Canary", NameOf(entry.id), render::kStatusAnnotation, json);
  if (!edited.ok()) return edited.status();
  return git::FileChange{entry.canary_file, std::move(*edited)};
}

}  // namespace gitcanary::plugin
