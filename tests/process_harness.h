// Real processes and servers for integration tests, all on 127.0.0.1:
// an httplib server on a background thread, a free port, a child process that
// is ended (SIGTERM, then SIGKILL) and reaped on scope exit, and Debian's
// Prometheus started against a scrape target.
#pragma once

#include <httplib.h>
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace gitcanary::testing {

using Clock = std::chrono::steady_clock;

// An httplib::Server on 127.0.0.1 in a background thread, stopped on scope exit.
class ServerThread {
 public:
  explicit ServerThread(const std::function<void(httplib::Server&)>& routes);
  ~ServerThread();
  ServerThread(const ServerThread&) = delete;
  ServerThread& operator=(const ServerThread&) = delete;
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = -1;
};

// A port on 127.0.0.1 that nothing listened on a moment ago.
int FreePort();

// A child process with stdout and stderr in `log`, ended with SIGTERM (then
// SIGKILL after 5 s) and reaped on scope exit; the kernel also kills it if
// this test process dies first.
class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& args, const std::string& dir, const std::string& log,
               const std::vector<std::string>& extra_env = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  bool Exited();
  pid_t pid() const { return pid_; }
  // Sends `signal` and waits up to `timeout` for the exit; returns the exit
  // status as waitpid gives it, or -1 on timeout (the process is then killed).
  int Stop(int signal, std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  int wait_status_ = 0;
};

// Istio's request series for workloads, as Prometheus scrapes them: after
// `scrape` scrapes, each workload has answered ok x scrape requests with 200
// and failed x scrape with 500, every one taking between 100 and 250 ms.
struct IstioWorkload {
  std::string name, ns;
  long long ok_per_scrape, failed_per_scrape;
};
std::string IstioSeries(const std::vector<IstioWorkload>& workloads, long long scrape);

// Polls `done` every 100 ms until it is true (then true) or `deadline` passes.
bool WaitFor(const std::function<bool()>& done, Clock::time_point deadline);

// The last 3000 characters of `text`, for failure messages.
std::string Tail(const std::string& text);

// Debian's Prometheus, scraping `target` ("127.0.0.1:PORT") every second.
// Started() is false (and the test should skip) when /usr/bin/prometheus is
// missing; Ready() waits for /-/ready.
class PrometheusProcess {
 public:
  PrometheusProcess(const std::string& work_dir, const std::string& target);
  bool Installed() const { return installed_; }
  bool WaitReady(Clock::time_point deadline);
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string Log() const;

 private:
  bool installed_ = false;
  int port_ = -1;
  std::string log_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace gitcanary::testing
