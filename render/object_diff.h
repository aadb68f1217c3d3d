// Object diff: what changed between two renders of one app, per resource.
//
// DiffObjects pairs the objects of two rendered outputs by ResourceKey
// (apiVersion, kind, namespace as written, name) and reports each resource that
// was added, removed or changed, with field-level changes in document order.
// A removed and an added resource of the same apiVersion and kind whose
// documents are equal but for metadata.name/namespace become one kRenamed
// change. Mapping key order is not a change. Field paths are dotted
// (`spec.replicas`); keys other than [A-Za-z0-9_-]+ are quoted
// (`metadata.annotations["gitcanary.io/phase"]`); list items are addressed
// by their `name` when every item on both sides is a mapping with a unique
// scalar name (`containers[name=podinfo].image`), else by index (`ports[0]`).
//
// Secrets (v1 Secret): unless show_secrets, every value under `data` and
// `stringData` is replaced before diffing and emitting by "<redacted>" (equal
// on both sides, or only on one side), or by "<redacted: old value>" /
// "<redacted: new value>" when it changed, and so is kubectl's
// last-applied-configuration annotation, which repeats them. No hash or
// length is revealed. Credentials in any URL of any object are shown as ***
// (render/url_credentials.h). --show-secrets turns both off.
// Pure: no I/O, no clock.
#pragma once

#include <compare>
#include <optional>
#include <string>
#include <vector>

#include "render/manifest.h"

namespace gitcanary::render {

struct ResourceKey {
  std::string api_version, kind, ns, name;  // ns as written ("" = the app's namespace)
  // "apps/v1/Deployment/ns/name", or "v1/Service/name" without a namespace.
  std::string Text() const;
  auto operator<=>(const ResourceKey&) const = default;
};

ResourceKey KeyOf(const Manifest& m);

enum class ChangeType { kAdded, kRemoved, kChanged, kRenamed };

// "added", "removed", "changed", "renamed".
const char* ChangeTypeName(ChangeType t);

struct FieldChange {
  std::string path;
  // One-line text of the value: numbers, booleans and safe strings bare, other
  // strings JSON-quoted, null as `null`, mappings and lists as compact JSON.
  // nullopt = the field is absent on that side.
  std::optional<std::string> before, after;
};

struct ResourceChange {
  ChangeType type = ChangeType::kChanged;
  ResourceKey key;                          // the head side's key (base side's when removed)
  std::optional<ResourceKey> renamed_from;  // kRenamed only
  std::vector<FieldChange> fields;          // kChanged and kRenamed; empty for added/removed
  std::string before_yaml, after_yaml;      // emitted and redacted; "" for the absent side
};

struct DiffOptions {
  bool show_secrets = false;
};

// Changes sorted by key; unchanged resources are left out. Duplicate keys on
// one side are paired in input order.
std::vector<ResourceChange> DiffObjects(const std::vector<Manifest>& before, const std::vector<Manifest>& after,
                                        const DiffOptions& options);

// The field changes between two documents, in document order (exposed for tests
// and reuse; no redaction here).
std::vector<FieldChange> DiffFields(const yaml::Node& before, const yaml::Node& after);

}  // namespace gitcanary::render
