// Exit codes every command shares, and the two ways a command ends: writing its
// whole result to stdout at once, or reporting one error line on stderr.
//   0 success, 1 invalid input (or a failed operation), 2 usage error.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/status.h"

namespace gitcanary::plugin {

inline constexpr int kExitOk = 0;
inline constexpr int kExitInvalid = 1;
inline constexpr int kExitUsage = 2;

int ExitCodeFor(const Status& status);

// Prints "gitcanary: <message>" (and `usage` for usage errors); returns the exit code.
int ReportError(const Status& status, const char* usage);

// The process's only catch-all, for the mains of the three executables: runs
// `body`; an exception that escapes it is an internal error, exit 1.
int GuardedMain(const std::function<int()>& body);

// Writes all of `text` to stdout in one go; a failed write is an error exit.
int WriteStdout(const std::string& text);
// The same for text in pieces (render/output.h), written with writev.
int WriteStdout(const std::vector<std::string>& pieces);

}  // namespace gitcanary::plugin
