// Byte ranges of YAML nodes in their source text.
//
// The parser gives each node and key only where it starts (a line and column).
// Editing a file in place, without re-emitting it, also needs to know where a
// value or entry ends: past a quoted scalar's closing quote, at the last line
// of a plain multi-line scalar or a literal/folded block scalar, past the
// bracket closing a flow collection, and so on. RangeScanner answers that from
// the text and the parser's marks alone; it reads, never changes, the text.
// Offsets are into the text given to it; columns are 0-based.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "render/yaml_tree.h"

namespace gitcanary::yaml {

// Line starts of a text, and the ends of YAML tokens found from where the
// parser says a node starts. The text must outlive the scanner.
class RangeScanner {
 public:
  explicit RangeScanner(std::string_view text);

  std::size_t Offset(Mark m) const;  // marks are 1-based; an empty node's may be past the end
  std::size_t LineOf(std::size_t off) const;
  std::size_t Start(std::size_t l) const { return starts_[l]; }
  std::size_t Next(std::size_t l) const { return l + 1 < starts_.size() ? starts_[l + 1] : t_.size(); }
  // End of line l's content, before its "\n" or "\r\n".
  std::size_t ContentEnd(std::size_t l) const;
  std::size_t LineEndAt(std::size_t off) const { return ContentEnd(LineOf(off)); }
  // The line break ending the line at `off`, else the file's first one, else "\n".
  std::string EolAt(std::size_t off) const;
  bool OnlySpacesBefore(std::size_t off) const;

  // Past the quote closing the scalar opened at `at` ('' and \" do not close).
  std::size_t QuotedEnd(std::size_t at) const;
  // Past the bracket closing the flow collection opened at `at`.
  std::size_t FlowEnd(std::size_t at) const;
  // A plain scalar ends at a comment, or before the first line that is blank
  // up to its end, a comment, or not indented past `parent`.
  std::size_t PlainEnd(std::size_t at, int parent) const;
  // A literal or folded scalar ends with its last line indented as its
  // content, or with the blank lines after it when it keeps them (`|+`).
  std::size_t BlockScalarEnd(std::size_t at, int parent) const;
  std::size_t ScalarEnd(std::size_t at, int parent) const;

  // Just past the ':' that follows the key of `f`.
  std::optional<std::size_t> AfterColon(const Field& f) const;
  // Past a null's token (`~`, `null`) on the line after `colon`, or `colon`.
  std::size_t NullEnd(std::size_t colon) const;
  // Where the last token of a node ends; `parent` is its parent's indentation.
  std::optional<std::size_t> NodeEnd(const Node& n, int parent) const;
  std::optional<std::size_t> FieldEnd(const Field& f) const;
  bool IsFlow(const Node& n) const;

 private:
  // End of a plain scalar's text on one line: before ` #` and trailing spaces.
  std::size_t PlainLineEnd(std::size_t from, std::size_t e, bool* commented) const;

  std::string_view t_;
  std::vector<std::size_t> starts_;
};

}  // namespace gitcanary::yaml
