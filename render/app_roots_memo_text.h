// The discovery walk's memo (render/app_roots.h) as text, so `diff` can keep
// it between runs. Every summary is keyed by directory and git tree id, so a
// kept entry can never be stale: a tree with the same id holds the same files.
//
// The text starts with a line naming the format; a text of another format, or
// one cut short or damaged anywhere, is refused whole (the caller then walks
// without it). MemoText is deterministic: the same memo gives the same text,
// so a caller can tell whether anything was learnt by comparing the two.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"
#include "render/app_roots.h"

namespace gitcanary::render {

std::string MemoText(const AppRootsMemo& memo);

// Fills `memo` (which must be empty) from `text`; on error it is left empty.
Status ReadMemoText(std::string_view text, AppRootsMemo* memo);

}  // namespace gitcanary::render
