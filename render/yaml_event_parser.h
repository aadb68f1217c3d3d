// The reference YAML parser: yaml-cpp's event API building yaml::Node trees.
//
// yaml-cpp's YAML::Parser reports events (scalar, sequence start, alias...)
// and a handler here turns them into Nodes, applying the tree conventions of
// yaml_parse.h: scalar styles from tags, null forms, marks, mapping keys that
// must be unique non-null scalars. Aliases are expanded by copying the
// anchored subtree, with the node count and depth checked before each copy so
// that alias bombs and deep nesting fail early. This parser accepts all of
// YAML that yaml-cpp does and is the source of truth for the fast parser; it
// is slower, so ParseYamlStream only uses it when the fast parser declines.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "render/yaml_parse.h"
#include "render/yaml_tree.h"

namespace gitcanary::yaml {

// Parses every document of `text`, which must already be valid UTF-8 without
// NUL bytes or a BOM (see ValidateYamlBytes). Never throws.
Result<std::vector<Node>> EventParseYaml(std::string_view text, const std::string& file,
                                         const ParseLimits& limits);

}  // namespace gitcanary::yaml
