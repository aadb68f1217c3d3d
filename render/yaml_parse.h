// Parsing YAML (and JSON) text into yaml::Node trees.
//
// ParseYamlStream is the single entry point for turning manifest bytes into
// documents. It checks the bytes first (UTF-8, no NUL), then tries a fast
// parser that understands the block-style subset Kubernetes manifests are
// written in; whatever that parser is not sure about goes to a yaml-cpp event
// parser, which is the reference. Both produce identical trees, marks
// included. Alias expansion and nesting are bounded so that hostile input
// ("billion laughs", 100000 open brackets) fails with an error instead of
// exhausting memory or the stack. Nothing here throws.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "render/yaml_tree.h"

namespace gitcanary::yaml {

struct ParseLimits {
  std::size_t max_nodes_per_document = 250000;  // after alias expansion: bounds "billion laughs"
  int max_depth = 200;                           // nesting depth of collections
  std::size_t max_alias_nodes_per_stream = 1000000;  // nodes copied by aliases, all documents together
};

// Parses a multi-document YAML (or JSON) stream. `file` is used only in
// messages. Returns every document in order, including empty ones (root kind
// kNull) so callers can skip them; a stream with no document at all (empty,
// or only comments) yields an empty vector.
//
// Tree conventions: plain "", "~", "null", "Null", "NULL" are kNull; other
// plain scalars are kScalar/kPlain; quoted and block scalars are
// kScalar/kQuoted. Marks are 1-based line and byte column of the node's first
// character (a UTF-8 BOM is skipped and not counted). An empty node (`key:`
// with nothing after it) has no character of its own: its mark is where the
// next token starts, or one past the last line at the end of the input.
//
// Errors are Status::Invalid with one line, "file:line:col: message".
Result<std::vector<Node>> ParseYamlStream(std::string_view text, const std::string& file,
                                          const ParseLimits& limits = {});

// Checks that `text` is UTF-8 without NUL bytes. On failure returns
// "file:line:col: invalid UTF-8 byte 0xNN" or "...: NUL byte" for the first
// offending byte.
Status ValidateYamlBytes(std::string_view text, const std::string& file);

// `text` with control characters escaped (\n, \r, \t, \xNN), so that an
// error message quoting input (a key, a value) stays one line.
std::string OneLineText(std::string_view text);

}  // namespace gitcanary::yaml
