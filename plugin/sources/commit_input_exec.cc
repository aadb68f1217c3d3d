#include <vector>

#include "git/child_process.h"
#include "plugin/commands/sibling_exec.h"
#include "plugin/sources/commit_input.h"

namespace gitcanary::plugin {

namespace {

// This process's arguments after the program name, as the kernel keeps them.
std::vector<std::string> OwnArguments() {
  std::vector<std::string> args;
  const std::string all = git::ReadSmallFile("/proc/self/cmdline");
  for (std::size_t start = 0; start < all.size();) {
    const std::size_t end = all.find('\0', start);
    args.push_back(all.substr(start, end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  if (!args.empty()) args.erase(args.begin());
  return args;
}

}  // namespace

Result<CommitInput> OpenCommitInput(const std::string&, const std::string&, const std::string&) {
  const std::vector<std::string> args = OwnArguments();
  if (args.empty()) return Status::Invalid("--repo: cannot read this command's arguments to hand it to gitcanary-git");
  return ExecSibling(kGitExecutable, args);
}

}  // namespace gitcanary::plugin
