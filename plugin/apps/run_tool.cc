#include "plugin/apps/run_tool.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>

namespace gitcanary::plugin {

namespace {

constexpr std::size_t kMaxOutputBytes = 512u * 1024 * 1024;

void CloseBoth(int fds[2]) {
  if (fds[0] >= 0) close(fds[0]);
  if (fds[1] >= 0) close(fds[1]);
}

// In the child: never returns. Reports an exec failure's errno on `report`.
[[noreturn]] void ExecChild(const std::vector<std::string>& argv, const std::string& cwd, int out, int err,
                            int report, pid_t parent) {
  setpgid(0, 0);
  // Its own group escapes a kill of ours (Argo CD's cmp-server ending a slow
  // generate), so the child dies with this process instead.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(127);
  int null_fd = open("/dev/null", O_RDONLY);
  if (null_fd >= 0) dup2(null_fd, 0);
  dup2(out, 1);
  dup2(err, 2);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int code = 0;
  if (!cwd.empty() && chdir(cwd.c_str()) != 0) code = errno;
  if (code == 0) {
    execvp(args[0], args.data());
    code = errno;
  }
  (void)!write(report, &code, sizeof code);
  _exit(127);
}

// Reads both pipes until they close or the deadline passes; false on timeout.
bool Drain(int out_fd, int err_fd, std::chrono::steady_clock::time_point deadline, ToolRun* run) {
  pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
  std::string* sinks[2] = {&run->out, &run->err};
  int open_count = 2;
  char buf[65536];
  while (open_count > 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    int ready = poll(fds, 2, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        fds[i].fd = -1;
        --open_count;
      } else if (sinks[i]->size() < kMaxOutputBytes) {
        sinks[i]->append(buf, static_cast<std::size_t>(n));
      }
    }
  }
  return true;
}

std::string Trim(std::string s) {
  const char* ws = " \t\r\n";
  s.erase(0, std::min(s.size(), s.find_first_not_of(ws)));
  auto end = s.find_last_not_of(ws);
  s.erase(end == std::string::npos ? 0 : end + 1);
  return s;
}

}  // namespace

Result<ToolResult> RunTool(const std::vector<std::string>& argv, const std::string& cwd, int timeout_ms) {
  if (argv.empty() || argv[0].empty()) return Status::Invalid("no program to run");
  int out[2] = {-1, -1}, err[2] = {-1, -1}, report[2] = {-1, -1};
  if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0 || pipe2(report, O_CLOEXEC) != 0) {
    const std::string why = std::strerror(errno);
    CloseBoth(out), CloseBoth(err), CloseBoth(report);
    return Status::Io("cannot create pipes for " + argv[0] + ": " + why);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  const pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    const std::string why = std::strerror(errno);
    CloseBoth(out), CloseBoth(err), CloseBoth(report);
    return Status::Io("cannot start " + argv[0] + ": " + why);
  }
  if (pid == 0) ExecChild(argv, cwd, out[1], err[1], report[1], parent);
  setpgid(pid, pid);  // also in the parent, so the group exists before any kill
  close(out[1]), close(err[1]), close(report[1]);
  ToolResult result;
  const bool finished = Drain(out[0], err[0], deadline, &result.run);
  if (!finished) killpg(pid, SIGKILL);
  close(out[0]), close(err[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  int exec_errno = 0;
  const bool exec_failed = read(report[0], &exec_errno, sizeof exec_errno) == sizeof exec_errno;
  close(report[0]);
  if (exec_failed && (exec_errno == ENOENT || exec_errno == EACCES || exec_errno == ENOTDIR)) {
    if (exec_errno != ENOENT && !cwd.empty() && access(cwd.c_str(), X_OK) != 0)
      return Status::Io("cannot enter " + cwd + ": " + std::strerror(exec_errno));
    result.failure = ToolFailure::kNotFound;
    return result;
  }
  if (exec_failed) return Status::Io("cannot run " + argv[0] + ": " + std::strerror(exec_errno));
  if (!finished) {
    result.failure = ToolFailure::kTimedOut;
    return result;
  }
  result.run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

bool OnPath(const std::string& program) {
  if (program.empty()) return false;
  if (program.find('/') != std::string::npos) return access(program.c_str(), X_OK) == 0;
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    std::size_t end = std::min(dirs.find(':', start), dirs.size());
    std::string dir = dirs.substr(start, end - start);
    start = end + 1;
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + program;
    struct stat st;
    if (stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(candidate.c_str(), X_OK) == 0) return true;
  }
  return false;
}

namespace {

// The message of one line: kubectl's klog wrapper and an "Error: " prefix
// removed.
std::string MessageOf(std::string line) {
  // E1206 09:11:05.27 4343 run.go:72] "command failed" err="..."
  const std::size_t err = line.find("\"command failed\" err=\"");
  if (err != std::string::npos) {
    line = line.substr(err + 22);
    if (!line.empty() && line.back() == '"') line.pop_back();
    for (std::size_t at = line.find("\\\""); at != std::string::npos; at = line.find("\\\"", at)) line.erase(at, 1);
  }
  if (line.rfind("Error: ", 0) == 0) line.erase(0, 7);
  return line;
}

bool IsNoise(const std::string& line) {
  return line.empty() || line.rfind("Usage:", 0) == 0 || line.rfind("WARNING", 0) == 0 ||
         line.rfind("# Warning", 0) == 0 || line.rfind("Warning:", 0) == 0 ||
         line.rfind("level=INFO", 0) == 0 || line.rfind("level=WARN", 0) == 0 || line.rfind("level=DEBUG", 0) == 0;
}

}  // namespace

std::string FirstUsefulLine(const std::string& text) {
  std::vector<std::string> lines;
  std::vector<bool> continued;  // indented: the line goes on the one before (Helm 4 splits its errors)
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = std::min(text.find('\n', start), text.size());
    const std::string raw = text.substr(start, end - start);
    lines.push_back(Trim(raw));
    continued.push_back(!raw.empty() && (raw[0] == ' ' || raw[0] == '\t'));
    start = end + 1;
  }
  for (std::size_t i = 0; i < lines.size(); ++i) {  // the tool's own error line, wherever it is
    if (lines[i].rfind("Error: ", 0) != 0 && lines[i].find("\"command failed\" err=\"") == std::string::npos) continue;
    std::string line = lines[i];
    for (std::size_t j = i + 1; j < lines.size() && continued[j] && !lines[j].empty(); ++j) line += " " + lines[j];
    return MessageOf(line);
  }
  for (const std::string& line : lines)
    if (!IsNoise(line)) return MessageOf(line);
  return "";
}

}  // namespace gitcanary::plugin
