// YAML emitter: writes a Node tree back out as block-style YAML text.
//
// The layout follows what `kubectl kustomize` prints so rendered manifests look
// familiar: 2-space indentation, keys in the tree's order, sequences under a key
// not indented, `{}`/`[]`/`null` for empty values, multi-line strings as
// literal blocks. Strings are written plain only when both YAML 1.2 and YAML 1.1
// (what Kubernetes reads) would read them back as that same string; otherwise
// they are double-quoted. Plain scalars (numbers, booleans, plain words) keep
// their text. Output is byte-deterministic and never folded. This is the render
// hot path: it appends straight into the caller's string and classifies
// scalars with a hand-written scanner.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "render/yaml_tree.h"

namespace gitcanary::yaml {

// Appends one document in block style (no leading "---"), ending in "\n".
// Bytes that are not valid UTF-8 are written as U+FFFD (in double quotes).
void EmitYaml(const Node& doc, std::string* out);

namespace emit_detail {

// Decodes the UTF-8 sequence starting at s[i] (a byte >= 0x80). Returns its
// length and sets *cp, or returns 0 if the bytes there are not valid UTF-8
// (overlong forms, surrogates and values past U+10FFFF are invalid).
std::size_t DecodeUtf8(std::string_view s, std::size_t i, char32_t* cp);

}  // namespace emit_detail
}  // namespace gitcanary::yaml
