// GitRemote::Compact: the cache's compaction (git/cache_compaction.h), in
// this process or a helper child, and the reopening of the cache that
// releases the removed packs.
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "git/git_remote.h"

namespace gitcanary::git {
namespace {

// Runs `argv` and waits for it; its standard error becomes the reason when
// it fails. The child gets SIGKILL if this process dies first. Between fork
// and exec the child makes system calls only (the parent has threads).
Status RunChild(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int err[2];
  if (pipe2(err, O_CLOEXEC) != 0) return Status::Io(std::string("pipe: ") + strerror(errno));
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    close(err[0]);
    close(err[1]);
    return Status::Io(std::string("fork: ") + strerror(errno));
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    dup2(err[1], 2);
    execv(args[0], args.data());
    _exit(127);
  }
  close(err[1]);
  std::string message;
  char buf[4096];
  for (ssize_t n; (n = read(err[0], buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    if (message.size() < 4096) message.append(buf, static_cast<std::size_t>(n));
  }
  close(err[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return Status::Ok();
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  if (message.empty())
    message = WIFSIGNALED(status) ? "killed by signal " + std::to_string(WTERMSIG(status))
                                  : "exit status " + std::to_string(WEXITSTATUS(status));
  return Status::Io("the compaction helper " + argv[0] + " failed: " + message);
}

}  // namespace

std::vector<std::string> CompactionHelperArgs(const std::string& cache_dir, const CompactionPolicy& policy) {
  return {"--max-packs",     std::to_string(policy.max_packs),     "--max-loose", std::to_string(policy.max_loose),
          "--grace-seconds", std::to_string(policy.grace_seconds), cache_dir};
}

Result<bool> GitRemote::Compact(bool force) {
  if (!force && !NeedsCompaction(MeasureCache(path_), compaction_)) return false;
  const CompactionPlan plan = PlanCompaction(path_, compaction_);
  const bool in_child = !helper_.empty() && (plan.full() || plan.rewritten > 0);
  if (in_child) {
    std::vector<std::string> argv = helper_;
    for (std::string& a : CompactionHelperArgs(path_, compaction_)) argv.push_back(std::move(a));
    if (Status s = RunChild(argv); !s.ok()) return s;
  } else {
    const long long now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    auto done = CompactCache(repo_.get(), path_, compaction_, now);
    if (!done.ok()) return done.status();
  }
  // libgit2 keeps every pack it loaded open and mapped, removed or not,
  // until the repository is freed.
  git_repository* raw = nullptr;
  if (git_repository_open_ext(&raw, path_.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr) < 0)
    return Status::Io("reopening the git cache " + path_ + " after compacting it: " + LastGitError());
  repo_.reset(raw);
  ++compactions_;
  if (in_child) ++child_compactions_;
  compaction_error_.clear();
  return true;
}

}  // namespace gitcanary::git
