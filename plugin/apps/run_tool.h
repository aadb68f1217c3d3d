// Runs an external build tool (kustomize, Helm) as a child process and
// collects what it prints, with a time limit.
//
// The child runs in `cwd` with stdin from /dev/null, in a process group of its
// own, so that a timeout kills it and anything it started (kubectl kustomize
// starts helm, helm starts plugins), and it dies with this process (a
// cmp-server ending generate ends the build too). Its stdout and stderr are read together
// through poll(), so neither pipe can fill and stall it. A program that is not
// found is told apart from one that ran and failed, so callers can say "install
// kustomize" rather than quote an exec error.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"

namespace gitcanary::plugin {

struct ToolRun {
  int exit_code = 0;  // the exit status; 128 + N when killed by signal N
  std::string out, err;
};

enum class ToolFailure { kNone, kNotFound, kTimedOut };

struct ToolResult {
  ToolFailure failure = ToolFailure::kNone;
  ToolRun run;  // valid when failure is kNone
};

// Runs argv[0] (looked up on PATH when it has no '/') with `argv`. An error
// status only for what the system refuses (no pipes, no fork).
Result<ToolResult> RunTool(const std::vector<std::string>& argv, const std::string& cwd, int timeout_ms);

// Whether `program` names an executable on PATH (or is an executable path).
bool OnPath(const std::string& program);

// The line of a tool's stderr that says what went wrong: the tool's own error
// line ("Error: ..." from kustomize and Helm, kubectl's "command failed"
// record) wherever it is, else the first line that is not blank, a usage
// banner, a warning or an info log; without those prefixes, trimmed.
std::string FirstUsefulLine(const std::string& text);

}  // namespace gitcanary::plugin
