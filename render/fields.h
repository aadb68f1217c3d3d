// Typed reads of manifest fields, with errors that point at the source.
//
// Every read names the file, the line and column of the offending node, and the
// field path, e.g. `canary.yaml:12:17: spec.analysis.stepWeight: expected an
// integer, got string "ten"`. A missing optional field is std::nullopt; a field
// present with the wrong type is an error, never silently ignored.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "render/yaml_tree.h"

namespace gitcanary::render {

class Fields {
 public:
  explicit Fields(std::string file) : file_(std::move(file)) {}

  const std::string& file() const { return file_; }

  // An Invalid status at `at` (or at `fallback` when `at` has no position).
  Status Error(const yaml::Node& at, std::string_view path, std::string_view message) const;

  Result<std::optional<long long>> Int(const yaml::Node& parent, std::string_view key,
                                       std::string_view path) const;
  Result<std::optional<std::string>> String(const yaml::Node& parent, std::string_view key,
                                            std::string_view path) const;
  Result<std::optional<bool>> Bool(const yaml::Node& parent, std::string_view key,
                                   std::string_view path) const;
  // An int or a string (Kubernetes IntOrString, e.g. targetPort).
  Result<std::optional<yaml::Node>> IntOrString(const yaml::Node& parent, std::string_view key,
                                                std::string_view path) const;
  // The child when it is a mapping (nullptr when absent or null); error otherwise.
  Result<const yaml::Node*> Mapping(const yaml::Node& parent, std::string_view key,
                                    std::string_view path) const;
  Result<const yaml::Node*> Sequence(const yaml::Node& parent, std::string_view key,
                                     std::string_view path) const;

 private:
  std::string file_;
};

// Joins a field path: Join("spec.analysis", "stepWeight").
std::string JoinPath(std::string_view base, std::string_view key);

// Quotes a scalar for messages: strings in double quotes, others as written.
std::string Shown(const yaml::Node& n);

// Parses a Go duration ("1m", "30s", "1m30s", "500ms", "1h"); nullopt if malformed.
std::optional<long long> ParseDurationMillis(std::string_view text);

}  // namespace gitcanary::render
