// A fast parser for the block-style YAML that Kubernetes manifests are written in.
//
// Manifests use a small part of YAML: block mappings and sequences, plain and
// quoted one-line scalars, literal and folded block scalars, comments, `---`
// and `...` between documents, and the empty `[]` / `{}`. This parser reads
// exactly that, in one pass over the bytes, and produces the same trees (marks
// and styles included) as the yaml-cpp event parser in yaml_event_parser.h.
// It never reports an error: on anything it is not completely sure about
// (anchors, aliases, tags, directives, complex keys, multi-line flow or plain
// scalars, tabs, duplicate keys, a last unterminated line of only spaces or a
// comment, malformed input...) it declines and the caller falls back to the
// event parser, which then either parses the input or reports the error.
#pragma once

#include <string_view>
#include <vector>

#include "render/yaml_parse.h"
#include "render/yaml_tree.h"

namespace gitcanary::yaml {

// Parses every document of `text` (valid UTF-8, no NUL, no BOM) into *docs.
// Returns false, with *docs unspecified, when it declines the input; the
// input may still be valid YAML. Documents that exceed `limits` are declined.
bool FastParseYaml(std::string_view text, std::vector<Node>* docs, const ParseLimits& limits = {});

}  // namespace gitcanary::yaml
