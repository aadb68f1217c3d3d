// Line diff: a unified diff of two texts, as `diff -u` prints it.
//
// Lines are compared byte for byte (a last line without "\n" differs from the
// same line with one and is followed by "\ No newline at end of file"). The
// edit script is a shortest one: Myers' O((N+M)D) algorithm with the linear
// space "middle snake" refinement, after lines that occur in only one text are
// set aside (they can never match, so this keeps totally different texts
// cheap without losing minimality). Hunks carry `context` unchanged lines on
// each side and are merged when at most 2*context unchanged lines separate two
// changes; within a change deletions come before insertions. Headers follow
// `diff -u`: `@@ -a,b +c,d @@`, ",1" is omitted, an empty range is written
// as the line before it ("-0,0" for an empty text). Pure and deterministic.
#pragma once

#include <string>
#include <string_view>

namespace gitcanary::render {

// The hunks of a unified diff of `before` and `after` (no file headers); ""
// when the texts are equal.
std::string UnifiedHunks(std::string_view before, std::string_view after, int context = 3);

// "--- before_name\n+++ after_name\n" followed by the hunks; "" when the texts
// are equal. Callers pass "a/X", "b/X", or "/dev/null" for a missing side.
std::string UnifiedDiff(std::string_view before, std::string_view after, std::string_view before_name,
                        std::string_view after_name, int context = 3);

}  // namespace gitcanary::render
