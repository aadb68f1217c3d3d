// The one way git/ runs another program: the signing tools (ssh-keygen, gpg)
// and serve's compaction helper. Without a shell, with standard input read
// from a file and output and error written to files, and bounded in time.
// The child is started with fork and exec and gets SIGKILL if the thread that
// started it dies first, so a killed serve never leaves a compaction working
// on a cache the next serve has locked. Between fork and exec the child makes
// system calls only (callers have threads).
#pragma once

#include <string>
#include <vector>

#include "core/status.h"

namespace gitcanary::git {

struct ChildFiles {
  std::string in = "/dev/null";
  std::string out = "/dev/null";  // created or truncated, mode 0600
  std::string err = "/dev/null";  // likewise
};

// Runs `argv` (argv[0] looked up in $PATH unless it holds a slash) and waits
// for it; killed after `timeout_ms`, which is then an error naming it.
// Returns the exit code, or 128 + the signal that ended it.
Result<int> RunChild(const std::vector<std::string>& argv, const ChildFiles& files, long long timeout_ms);

// The whole of a (small) file, such as a child's output; "" when it cannot
// be read.
std::string ReadSmallFile(const std::string& path);

}  // namespace gitcanary::git
