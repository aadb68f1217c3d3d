#include "git/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace gitcanary::git {
namespace {

// argv[0] as exec will find it: itself when it holds a slash, else the first
// executable of that name in $PATH ("" when none).
std::string Resolve(const std::string& program) {
  if (program.find('/') != std::string::npos) return program;
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + program;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

// In the child: `file` on descriptor `fd`, or exit 127.
void Redirect(int fd, const char* file, int flags) {
  const int opened = open(file, flags, 0600);
  if (opened < 0 || dup2(opened, fd) < 0) _exit(127);
  if (opened != fd) close(opened);
}

}  // namespace

Result<int> RunChild(const std::vector<std::string>& argv, const ChildFiles& files, long long timeout_ms) {
  const std::string program = Resolve(argv.at(0));
  if (program.empty()) return Status::Io("cannot run " + argv[0] + ": not found in $PATH");
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) return Status::Io("cannot run " + argv[0] + ": fork: " + std::strerror(errno));
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    Redirect(0, files.in.c_str(), O_RDONLY);
    Redirect(1, files.out.c_str(), O_WRONLY | O_CREAT | O_TRUNC);
    Redirect(2, files.err.c_str(), O_WRONLY | O_CREAT | O_TRUNC);
    execv(program.c_str(), args.data());
    _exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  int status = 0;
  while (true) {
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) return Status::Io("waiting for " + argv[0] + ": " + std::strerror(errno));
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      const std::string bound = timeout_ms % 1000 == 0 ? std::to_string(timeout_ms / 1000) + " s"
                                                       : std::to_string(timeout_ms) + " ms";
      return Status::Io(argv[0] + " did not finish within " + bound);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string ReadSmallFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace gitcanary::git
