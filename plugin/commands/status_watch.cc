#include "plugin/commands/status_watch.h"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <algorithm>

#include "plugin/commands/status_report.h"
#include "policies/presentation/history_chart.h"

namespace gitcanary::plugin {

namespace {

volatile sig_atomic_t g_stop = 0;
int g_wake[2] = {-1, -1};  // the self-pipe: the handler writes, the sleep polls

void OnStop(int) {
  if (g_stop) _exit(0);  // a second signal: now, even mid-fetch
  g_stop = 1;
  const char byte = 's';
  [[maybe_unused]] ssize_t n = write(g_wake[1], &byte, 1);
}

// Installs the handlers for the watch's lifetime and restores the old ones.
class StopSignals {
 public:
  StopSignals() {
    g_stop = 0;
    if (pipe(g_wake) != 0) g_wake[0] = g_wake[1] = -1;
    struct sigaction sa {};
    sa.sa_handler = OnStop;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  // no SA_RESTART: a blocked read returns, and the loop sees the stop
    sigaction(SIGINT, &sa, &old_int_);
    sigaction(SIGTERM, &sa, &old_term_);
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ignore, &old_pipe_);
  }
  ~StopSignals() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
    sigaction(SIGPIPE, &old_pipe_, nullptr);
    for (int& fd : g_wake)
      if (fd >= 0) close(fd), fd = -1;
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  // Sleeps `ms`, or less when a stop signal comes.
  static void Sleep(long long ms) {
    struct pollfd fd {g_wake[0], POLLIN, 0};
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (!g_stop) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
      if (left.count() <= 0) return;
      poll(&fd, g_wake[0] >= 0 ? 1 : 0, static_cast<int>(left.count()));
    }
  }

 private:
  struct sigaction old_int_ {}, old_term_ {}, old_pipe_ {};
};

std::string NowUtc() {
  const long long s =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  return policies::FormatUtcSeconds(s);
}

// Writes all of `text`; false when stdout is gone (a closed pipe) or broken.
bool Write(const std::string& text) {
  return std::fwrite(text.data(), 1, text.size(), stdout) == text.size() && std::fflush(stdout) == 0;
}

class Watcher {
 public:
  Watcher(RepoAccess& repo, CatalogOptions options, const WatchOptions& watch)
      : repo_(repo), options_(std::move(options)), watch_(watch) {
    options_.cache = &cache_;
  }

  // One poll; false when stdout cannot be written any more.
  bool Poll() {
    auto head = repo_.PeekHead();
    if (!head.ok()) return Warn(head.status().message()), true;
    if (*head == shown_) return true;
    auto at_head = ReadHeadCatalog(repo_, options_);
    if (g_stop) return true;
    if (!at_head.ok()) return Shown(*head, at_head.status());
    auto report = BuildStatusReport(repo_, *at_head);
    if (!report.ok()) return Shown(at_head->head, report.status());
    last_warning_.clear();
    shown_ = at_head->head;
    return watch_.terminal && !watch_.json ? Redraw(StatusTable(*report)) : Lines(*report);
  }

 private:
  void Warn(const std::string& message) {
    if (g_stop || message == last_warning_) return;
    std::cerr << "gitcanary: " << message << "\n";
    last_warning_ = message;
  }

  // A head whose canaries cannot be read: said once, not read again until it
  // moves; a failure to reach git (kIo) is tried again at the next poll.
  bool Shown(const std::string& head, const Status& error) {
    if (error.code() == Code::kIo) return Warn(error.message()), true;
    shown_ = head;
    if (watch_.terminal && !watch_.json) return Redraw("gitcanary: " + error.message() + "\n");
    Warn(error.message());
    return true;
  }

  bool Redraw(const std::string& body) {
    return Write("\033[H\033[2J" + std::string("branch ") + repo_.branch() + " of " + repo_.display() + " at " +
                 shown_.substr(0, 7) + ", " + NowUtc() + " (every " + policies::FormatMetricValue(watch_.interval_ms / 1000.0) +
                 "s; Ctrl-C to stop)\n\n" + body);
  }

  bool Lines(const StatusReport& report) {
    const std::string now = NowUtc();
    std::string out;
    std::map<std::string, StatusRow> rows;
    auto line = [&](const StatusRow& r) {
      out += watch_.json ? StatusJsonLine(r, now, report.head) : StatusLine(r, now, report.head);
    };
    for (const StatusRow& r : report.rows) {
      auto before = rows_.find(r.id());
      if (before == rows_.end() || !(before->second == r)) line(r);
      rows.emplace(r.id(), r);
    }
    for (const auto& [id, r] : rows_)
      if (rows.count(id) == 0) {
        StatusRow gone = r;
        gone.phase = "Deleted";
        gone.error.clear(), gone.broken_by.clear(), gone.recovery.clear();
        line(gone);
      }
    for (const std::string& err : report.errors)
      if (std::find(errors_.begin(), errors_.end(), err) == errors_.end()) std::cerr << "gitcanary: " << err << "\n";
    rows_ = std::move(rows);
    errors_ = report.errors;
    return out.empty() || Write(out);
  }

  RepoAccess& repo_;
  CatalogOptions options_;
  const WatchOptions& watch_;
  BuildCache cache_;
  std::string shown_;  // the head shown last
  std::string last_warning_;
  std::map<std::string, StatusRow> rows_;  // as shown last, by id
  std::vector<std::string> errors_;
};

}  // namespace

int WatchStatus(RepoAccess& repo, CatalogOptions options, const WatchOptions& watch) {
  StopSignals signals;
  Watcher watcher(repo, std::move(options), watch);
  while (!g_stop) {
    if (!watcher.Poll()) {
      if (errno == EPIPE) return 0;  // the reader went away: nothing more to say
      std::cerr << "gitcanary: writing stdout failed\n";
      return 1;
    }
    StopSignals::Sleep(watch.interval_ms);
  }
  return 0;
}

}  // namespace gitcanary::plugin
