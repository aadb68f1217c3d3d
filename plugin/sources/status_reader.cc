#include "plugin/sources/status_reader.h"

#include "policies/status_state.h"
#include "plugin/serve/status_writeback.h"
#include "render/canary_spec.h"
#include "render/loader.h"

namespace gitcanary::plugin {

namespace {

std::string NameOf(const std::string& id) { return id.substr(id.find('/') + 1); }
std::string NamespaceOf(const std::string& id) { return id.substr(0, id.find('/')); }

// A parsed status, or its error when its lastTransitionTime does not read
// (the catalog refuses it for the same reason).
StatusAtCommit Checked(const render::CanaryStatus& status, const std::string& id) {
  auto state = policies::StateOf(status, id);
  if (!state.ok()) return {std::nullopt, state.status().message()};
  return {status, ""};
}

}  // namespace

StatusReader::StatusReader(git::GitRemote* remote, const CatalogEntry& e) : remote_(remote), id_(e.id) {
  Place file{e.status_file.empty() ? StatusFilePath(e) : e.status_file, false, {}, {}};
  Place annotation{e.canary_file, true, {}, {}};
  status_file_ = file.path;
  if (e.status_in_annotation) places_ = {annotation, file};
  else if (e.generated) places_ = {file};
  else places_ = {file, annotation};
}

Result<StatusAtCommit> StatusReader::At(const std::string& commit) {
  for (Place& p : places_) {
    auto text = remote_->ReadFile(commit, p.path);
    if (!text.ok()) return text.status();
    if (!*text) continue;
    if (!p.text || *p.text != **text) {
      p.text = std::move(**text);
      p.parsed = Parse(*p.text, p);
    }
    if (p.parsed.status || p.parsed.broken()) return p.parsed;
  }
  return StatusAtCommit{};
}

StatusAtCommit StatusReader::Parse(const std::string& text, const Place& p) const {
  auto docs = render::ParseManifests(text, p.path);
  if (!docs.ok()) {
    // A status file that is not YAML any more is broken; a Canary file that
    // does not parse is the app's problem, not its status's.
    if (!p.annotation) return {std::nullopt, docs.status().message()};
    return {};
  }
  for (const render::Manifest& m : *docs) {
    if (m.name != NameOf(id_) || (!m.ns.empty() && m.ns != NamespaceOf(id_))) continue;
    if (!p.annotation && render::IsStatusDocument(m)) {
      auto record = render::ParseStatusDocument(m);
      if (!record.ok()) return {std::nullopt, record.status().message()};
      return Checked(record->status, id_);
    }
    if (p.annotation && render::IsCanary(m)) {
      auto record = render::ParseStatusAnnotation(m);
      if (!record.ok()) return {std::nullopt, record.status().message()};
      if (*record) return Checked((*record)->status, id_);
    }
  }
  return {};
}

}  // namespace gitcanary::plugin
