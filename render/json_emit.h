// JSON emitter: writes a Node tree as pretty-printed JSON.
//
// Used for `-o json` output, laid out like `kubectl get -o json`: 2-space
// indentation, `"key": value`, `{}` and `[]` for empty collections, keys in the
// tree's order. Quoted scalars and plain strings become JSON strings; plain
// integers become canonical decimal numbers (0x1F -> 31, +5 -> 5); plain floats
// become numbers in shortest round-trip form (.inf/.nan, which JSON cannot
// express, stay strings); plain true/false become booleans. Control characters,
// '"' and '\' are escaped, other UTF-8 passes through (bytes that are not UTF-8
// become \ufffd). Like the YAML emitter this is a hot path and appends straight
// into the caller's string; output is byte-deterministic.
#pragma once

#include <string>

#include "render/yaml_tree.h"

namespace gitcanary::yaml {

// Appends one value as JSON, pretty-printed with 2-space indent at the given
// starting depth: nested lines are indented 2*(depth+1) spaces and the closing
// bracket 2*depth. The first line is not indented and no newline is appended.
void EmitJson(const Node& value, std::string* out, int depth = 0);

// The same value as JSON on one line, without any whitespace between tokens.
void EmitCompactJson(const Node& value, std::string* out);

}  // namespace gitcanary::yaml
