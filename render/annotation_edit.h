// Editing one annotation of one manifest in place, as text.
//
// In `annotations` write-back mode the status of record lives in an annotation
// on the Canary manifest in git, and the file belongs to people as much as to
// gitcanary: comments, blank lines, key order, quoting, indentation, line ends
// and the other documents of the stream must survive every write. These
// functions therefore never re-emit the YAML. They parse it only to find the
// document and the byte ranges involved, splice the new text in, and parse the
// result again to check that it reads back as exactly the intended change
// (anything else is an error, never a silently damaged file).
//
// Layout of what is written:
// - the value is one scalar on one line: single-quoted ('' doubles a quote)
//   unless it has control characters or line breaks, then double-quoted with
//   escapes; it is never folded, however long;
// - an existing key keeps its key text, indentation and, when its old value was
//   on one line, its trailing comment; only the value's bytes change;
// - a new key is the last entry of `annotations:`, indented like the others;
//   a missing `annotations:` becomes the last key of `metadata:`, with
//   metadata's child indentation for itself and the same step again for its
//   entry;
// - a flow-style `annotations:` (`{}` or `{a: b}`) or an empty one is turned
//   into a block mapping with that step, its entries rewritten as quoted
//   strings as above (a plain `5` becomes '5'; comments inside the flow
//   mapping are lost, one after it stays on the `annotations:` line); removing
//   from a flow mapping rewrites it the same way;
// - removing the last entry of a mapping leaves `annotations: {}`.
// metadata itself in flow style (a JSON manifest, say) is an error, and so is
// a layout that cannot be changed without changing something else (a value an
// alias refers to, a block scalar ending a file that has no final newline).
//
// The file's line end (LF or CRLF) is used for new lines, a UTF-8 byte order
// mark is kept, and a missing trailing newline stays missing.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace gitcanary::render {

// Returns `text` (a whole YAML file, possibly a multi-document stream) with
// metadata.annotations[key] of the one document whose kind is `kind` and
// metadata.name is `name` set to `value`, every other byte unchanged.
// Errors (Status::Invalid, naming kind and name): no such document, more than
// one, text that does not parse, metadata in flow style, annotations or the
// old value not in a shape that can be edited in place.
Result<std::string> SetAnnotationInPlace(std::string_view text, std::string_view kind,
                                         std::string_view name, std::string_view key,
                                         std::string_view value);

// Same, removing the annotation and nothing else (comments around it stay). An
// annotations mapping left empty becomes `annotations: {}`. An absent key (or
// absent annotations) returns `text` unchanged.
Result<std::string> RemoveAnnotationInPlace(std::string_view text, std::string_view kind,
                                            std::string_view name, std::string_view key);

}  // namespace gitcanary::render
