// Reads the whole of stdin for the commands that transform a stream (Helm's
// post-renderer and KRM functions get every manifest in one go). A limit keeps
// a runaway producer from exhausting memory; the error names it.
#pragma once

#include <cstddef>
#include <string>

#include "core/status.h"

namespace gitcanary::plugin {

inline constexpr std::size_t kMaxStdinBytes = 256u * 1024 * 1024;

Result<std::string> ReadStdin(std::size_t max_bytes = kMaxStdinBytes);

}  // namespace gitcanary::plugin
