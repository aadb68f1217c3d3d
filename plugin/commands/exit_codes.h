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

// The process's only catch-all: runs `body`; an exception that escapes it is
// an internal error, reported on stderr, with exit `internal_error_exit`. The
// mains of the three executables run under it, and the command table runs each
// command under it again with the command's own error exit (diff's 1 means
// "changes", so an internal error of diff must exit 2).
int GuardedMain(const std::function<int()>& body, int internal_error_exit = kExitInvalid);

// Writes all of `text` to stdout in one go; a failed write is an error exit.
int WriteStdout(const std::string& text);
// The same for text in pieces (render/output.h), written with writev.
int WriteStdout(const std::vector<std::string>& pieces);

}  // namespace gitcanary::plugin
