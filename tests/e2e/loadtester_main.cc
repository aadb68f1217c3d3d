// gitcanary_e2e_loadtester: a webhook server that speaks the protocol of
// Flagger's load tester (flagger-loadtester), for the end-to-end tests.
//
//   gitcanary_e2e_loadtester [--port-file F] [--log FILE] [--timeout SECONDS]
//
//   POST /               Flagger's payload {name, namespace, phase, metadata:
//                        {type, cmd}}. type "cmd" (the default) runs cmd with
//                        /bin/sh -c, "bash" with bash -c. 200 when it exits 0,
//                        else 500 with the end of its output; 400 without
//                        metadata or with another type. Unlike Flagger's, a
//                        "cmd" runs to completion before the answer (Flagger
//                        answers 202 and runs it in the background), so the
//                        traffic of an analysis step precedes its metric queries.
//   POST /gate/approve   200;  /gate/halt 403
//   POST /gate/check     200 while the canary's gate is open, else 403;
//        /gate/open, /gate/close           202 (opens / closes it)
//   POST /rollback/check 200 while rollback is open, else 403;
//        /rollback/open, /rollback/close   202
//   GET  /healthz        200
//
// Every command is logged to FILE as "start NAME.NS PHASE: CMD" and
// "end NAME.NS PHASE: exit N", so tests can see when an analysis step is
// under way.
#include <fcntl.h>
#include <httplib.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "tests/e2e/e2e_common.h"

namespace {

struct Outcome {
  int exit_code = -1;  // -1: did not run or was killed at the timeout
  std::string output;
};

// Runs `shell -c command` in a process group of its own, with stdout and
// stderr captured; the group is killed after `timeout_s` seconds.
Outcome RunShell(const std::string& shell, const std::string& command, int timeout_s) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return {-1, "pipe failed"};
  const pid_t pid = fork();
  if (pid < 0) return {-1, "fork failed"};
  if (pid == 0) {
    setpgid(0, 0);
    int null_fd = open("/dev/null", O_RDONLY);
    dup2(null_fd, 0);
    dup2(pipe_fds[1], 1);
    dup2(pipe_fds[1], 2);
    execl(shell.c_str(), shell.c_str(), "-c", command.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(pipe_fds[1]);
  Outcome out;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  bool timed_out = false;
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      kill(-pid, SIGKILL);
      break;
    }
    pollfd p{pipe_fds[0], POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char buf[4096];
    const ssize_t n = read(pipe_fds[0], buf, sizeof buf);
    if (n <= 0) break;
    out.output.append(buf, static_cast<std::size_t>(n));
    if (out.output.size() > 65536) out.output.erase(0, out.output.size() - 65536);
  }
  close(pipe_fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  out.exit_code = !timed_out && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (timed_out) out.output += "\ntimed out after " + std::to_string(timeout_s) + "s";
  return out;
}

class Gates {
 public:
  bool IsOpen(const std::string& key) {
    std::lock_guard<std::mutex> lock(mu_);
    return open_.count(key) > 0;
  }
  void Set(const std::string& key, bool open) {
    std::lock_guard<std::mutex> lock(mu_);
    if (open) {
      open_.insert(key);
    } else {
      open_.erase(key);
    }
  }

 private:
  std::mutex mu_;
  std::set<std::string> open_;
};

class Log {
 public:
  explicit Log(std::string path) : path_(std::move(path)) {}
  void Line(const std::string& line) {
    std::lock_guard<std::mutex> lock(mu_);
    if (path_.empty()) {
      std::fprintf(stderr, "%s\n", line.c_str());
      return;
    }
    std::ofstream(path_, std::ios::app) << line << "\n";
  }

 private:
  std::string path_;
  std::mutex mu_;
};

// "name.namespace" of a webhook payload; false (and 400) when it is not one.
bool CanaryOf(const httplib::Request& req, httplib::Response& res, nlohmann::json* payload, std::string* id) {
  try {
    *payload = nlohmann::json::parse(req.body);
    *id = payload->at("name").get<std::string>() + "." + payload->at("namespace").get<std::string>();
    return true;
  } catch (const std::exception& e) {
    res.status = 400;
    res.set_content(std::string("decoding the request body failed: ") + e.what(), "text/plain");
    return false;
  }
}

std::string Tail(const std::string& s) { return s.size() > 2000 ? s.substr(s.size() - 2000) : s; }

}  // namespace

int main(int argc, char** argv) {
  using namespace gitcanary::e2e;
  signal(SIGPIPE, SIG_IGN);
  const auto flags = ParseFlags(argc, argv);
  const int timeout_s = std::atoi(Flag(flags, "timeout", "60").c_str());
  Log log(Flag(flags, "log"));
  Gates gates;
  httplib::Server server;

  server.Post("/", [&](const httplib::Request& req, httplib::Response& res) {
    nlohmann::json payload;
    std::string id;
    if (!CanaryOf(req, res, &payload, &id)) return;
    const nlohmann::json metadata = payload.value("metadata", nlohmann::json::object());
    if (!metadata.is_object() || metadata.empty()) {
      res.status = 400;
      res.set_content("metadata not found in payload", "text/plain");
      return;
    }
    const std::string type = metadata.value("type", "cmd");
    const std::string cmd = metadata.value("cmd", "");
    if ((type != "cmd" && type != "bash") || cmd.empty()) {
      res.status = 400;
      res.set_content(cmd.empty() ? "cmd not found in metadata" : "unknown task type " + type, "text/plain");
      return;
    }
    const std::string tag = id + " " + payload.value("phase", "") + ": ";
    log.Line("start " + tag + cmd);
    const Outcome out = RunShell(type == "bash" ? "/bin/bash" : "/bin/sh", cmd, timeout_s);
    log.Line("end " + tag + "exit " + std::to_string(out.exit_code));
    res.status = out.exit_code == 0 ? 200 : 500;
    res.set_content(out.exit_code == 0 ? "OK" : "command failed (exit " + std::to_string(out.exit_code) + "): " + Tail(out.output),
                    "text/plain");
  });
  server.Post("/gate/approve", [](const httplib::Request&, httplib::Response& res) { res.set_content("OK", "text/plain"); });
  server.Post("/gate/halt", [](const httplib::Request&, httplib::Response& res) {
    res.status = 403;
    res.set_content("Forbidden", "text/plain");
  });
  for (const std::string prefix : {"gate", "rollback"}) {
    const std::string key_prefix = prefix == "gate" ? "" : "rollback.";
    server.Post("/" + prefix + "/check", [&, key_prefix](const httplib::Request& req, httplib::Response& res) {
      nlohmann::json payload;
      std::string id;
      if (!CanaryOf(req, res, &payload, &id)) return;
      const bool open = gates.IsOpen(key_prefix + id);
      res.status = open ? 200 : 403;
      res.set_content(open ? "Approved" : "Forbidden", "text/plain");
    });
    for (const bool open : {true, false}) {
      server.Post("/" + prefix + (open ? "/open" : "/close"), [&, key_prefix, open](const httplib::Request& req,
                                                                                  httplib::Response& res) {
        nlohmann::json payload;
        std::string id;
        if (!CanaryOf(req, res, &payload, &id)) return;
        gates.Set(key_prefix + id, open);
        res.status = 202;
      });
    }
  }
  server.Get("/healthz", [](const httplib::Request&, httplib::Response& res) { res.set_content("OK", "text/plain"); });
  BindOrExit(server, Flag(flags, "port", "0"), Flag(flags, "port-file"), "gitcanary_e2e_loadtester");
  server.listen_after_bind();
  return 0;
}
