// gitcanary is three executables installed side by side, so that a render
// loads nothing it does not use (Argo CD and Helm start one process per render):
//
//   gitcanary        render, generate, post-render, krm, lint, simulate, help,
//                    completion. Linked statically, without libgit2, OpenSSL,
//                    Kerberos or the HTTP library: it starts like /bin/true.
//   gitcanary-git    everything above plus the commands that read or write git
//                    (diff, status, history, approve, abort, promote, retry) and
//                    any command given --repo. libgit2 and what it loads.
//   gitcanary-serve  serve and dashboard, the only commands that speak HTTP,
//                    and the cache-compaction child serve starts.
//
// gitcanary hands a command to its sibling by exec: the same process, the same
// flags, stdin and stdout, so callers only ever name `gitcanary`. A command
// given --repo is handed over where it first needs the commit
// (plugin/sources/commit_input.h), before it has written anything.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"

namespace gitcanary::plugin {

inline constexpr char kGitExecutable[] = "gitcanary-git";
inline constexpr char kServeExecutable[] = "gitcanary-serve";

// The path of this executable, "" when /proc does not say.
std::string SelfExecutable();

// Replaces this process with `program ARGS`, `program` taken from the directory
// of this executable. Returns only on failure, with the reason.
Status ExecSibling(const std::string& program, const std::vector<std::string>& args);

}  // namespace gitcanary::plugin
