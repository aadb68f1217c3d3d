#include "tests/process_harness.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/test_util.h"

extern char** environ;

namespace gitcanary::testing {

ServerThread::ServerThread(const std::function<void(httplib::Server&)>& routes) {
  routes(server_);
  port_ = server_.bind_to_any_port("127.0.0.1");
  REQUIRE(port_ > 0);
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  auto deadline = Clock::now() + std::chrono::seconds(5);
  while (!server_.is_running() && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

ServerThread::~ServerThread() {
  server_.stop();
  thread_.join();
}

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  bool ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), len) == 0 &&
            getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  close(fd);
  REQUIRE(ok);
  return ntohs(addr.sin_port);
}

ChildProcess::ChildProcess(const std::vector<std::string>& args, const std::string& dir, const std::string& log,
                           const std::vector<std::string>& extra_env) {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<std::string> env_store;
  for (char** e = environ; *e != nullptr; ++e) env_store.emplace_back(*e);
  for (const std::string& e : extra_env) env_store.push_back(e);
  std::vector<char*> envp;
  for (std::string& e : env_store) envp.push_back(e.data());
  envp.push_back(nullptr);
  int log_fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  REQUIRE(log_fd >= 0);
  const pid_t parent = getpid();
  pid_ = fork();
  if (pid_ == 0) {  // only async-signal-safe calls until exec
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(126);
    int null_fd = open("/dev/null", O_RDONLY);
    dup2(null_fd, 0);
    dup2(log_fd, 1);
    dup2(log_fd, 2);
    if (chdir(dir.c_str()) != 0) _exit(126);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  close(log_fd);
  REQUIRE(pid_ > 0);
}

int ChildProcess::Stop(int signal, std::chrono::milliseconds timeout) {
  if (reaped_) return wait_status_;
  kill(pid_, signal);
  auto deadline = Clock::now() + timeout;
  while (true) {
    pid_t r = waitpid(pid_, &wait_status_, WNOHANG);
    if (r != 0) {
      reaped_ = true;
      return wait_status_;
    }
    if (Clock::now() > deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &wait_status_, 0);
      reaped_ = true;
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !reaped_) Stop(SIGTERM, std::chrono::seconds(5));
}

bool ChildProcess::Exited() {
  if (!reaped_) reaped_ = waitpid(pid_, &wait_status_, WNOHANG) != 0;
  return reaped_;
}

std::string IstioSeries(const std::vector<IstioWorkload>& workloads, long long scrape) {
  std::string out =
      "# TYPE istio_requests_total counter\n"
      "# TYPE istio_request_duration_milliseconds histogram\n";
  for (const IstioWorkload& w : workloads) {
    const std::string labels = "reporter=\"destination\",destination_workload=\"" + w.name +
                               "\",destination_workload_namespace=\"" + w.ns + "\",response_code=\"";
    for (auto [code, per_scrape] : {std::pair{"200", w.ok_per_scrape}, std::pair{"500", w.failed_per_scrape}}) {
      const long long n = per_scrape * scrape;
      const std::string l = labels + code + "\"";
      out += "istio_requests_total{" + l + "} " + std::to_string(n) + "\n";
      for (auto [le, in_bucket] : {std::pair{"50", 0LL}, std::pair{"100", 0LL}, std::pair{"250", n},
                                   std::pair{"500", n}, std::pair{"+Inf", n}}) {
        out += "istio_request_duration_milliseconds_bucket{" + l + ",le=\"" + le + "\"} " +
               std::to_string(in_bucket) + "\n";
      }
      out += "istio_request_duration_milliseconds_sum{" + l + "} " + std::to_string(175 * n) + "\n";
      out += "istio_request_duration_milliseconds_count{" + l + "} " + std::to_string(n) + "\n";
    }
  }
  return out;
}

bool WaitFor(const std::function<bool()>& done, Clock::time_point deadline) {
  while (Clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

std::string Tail(const std::string& text) {
  return text.size() > 3000 ? text.substr(text.size() - 3000) : text;
}

PrometheusProcess::PrometheusProcess(const std::string& work_dir, const std::string& target) {
  const std::string binary = "/usr/bin/prometheus";
  installed_ = access(binary.c_str(), X_OK) == 0;
  if (!installed_) return;
  WriteFile(work_dir + "/prometheus.yml",
            "global:\n"
            "  scrape_interval: 1s\n"
            "  scrape_timeout: 1s\n"
            "  evaluation_interval: 1s\n"
            "scrape_configs:\n"
            "  - job_name: target\n"
            "    static_configs:\n"
            "      - targets: ['" + target + "']\n");
  port_ = FreePort();
  log_ = work_dir + "/prometheus.log";
  process_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{binary, "--config.file=" + work_dir + "/prometheus.yml",
                               "--storage.tsdb.path=" + work_dir + "/data",
                               "--web.listen-address=127.0.0.1:" + std::to_string(port_)},
      work_dir, log_);
}

bool PrometheusProcess::WaitReady(Clock::time_point deadline) {
  if (!process_) return false;
  httplib::Client client("127.0.0.1", port_);
  client.set_connection_timeout(0, 200000);
  client.set_read_timeout(1, 0);
  while (Clock::now() < deadline && !process_->Exited()) {
    httplib::Result res = client.Get("/-/ready");
    if (res && res->status == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

std::string PrometheusProcess::Log() const { return log_.empty() ? "" : Tail(ReadFile(log_)); }

}  // namespace gitcanary::testing
