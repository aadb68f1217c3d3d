// gitcanary_e2e_app: the tiny application the end-to-end tests release, in
// the spirit of podinfo. One process is one "pod" of one version.
//
//   gitcanary_e2e_app --version V [--port P | --port-file F]
//                     [--error-percent N] [--delay-ms N]
//
//   GET /            200 "version=V"; with --error-percent N, N of every 100
//                    requests answer 500 instead (evenly spread, not random);
//                    with --delay-ms N, every answer waits N ms first
//   GET /status/CODE answers CODE
//   GET /delay/N     answers 200 after N seconds (at most 10)
//   GET /healthz     200, for the stand-in cluster's readiness check
//
// --error-percent and --delay-ms come from the Deployment's container env
// (ERROR_PERCENT, DELAY_MS), so a broken version is a pod template change that
// the canary analysis must catch.
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "tests/e2e/e2e_common.h"

int main(int argc, char** argv) {
  using namespace gitcanary::e2e;
  const auto flags = ParseFlags(argc, argv);
  const std::string version = Flag(flags, "version", "unknown");
  const long long error_percent = std::atoll(Flag(flags, "error-percent", "0").c_str());
  const long long delay_ms = std::atoll(Flag(flags, "delay-ms", "0").c_str());
  std::atomic<long long> served{0};

  httplib::Server server;
  server.Get("/", [&](const httplib::Request&, httplib::Response& res) {
    if (delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    // Request k fails when the running count of failures due steps up at k,
    // which spreads exactly error_percent failures over every 100 requests.
    const long long k = served++;
    const bool fail = (k + 1) * error_percent / 100 > k * error_percent / 100;
    res.status = fail ? 500 : 200;
    res.set_content((fail ? "error version=" : "version=") + version + "\n", "text/plain");
  });
  server.Get(R"(/status/(\d{3}))", [&](const httplib::Request& req, httplib::Response& res) {
    res.status = std::stoi(req.matches[1]);
    res.set_content("version=" + version + "\n", "text/plain");
  });
  server.Get(R"(/delay/(\d+))", [&](const httplib::Request& req, httplib::Response& res) {
    const long long seconds = std::min(10LL, std::stoll(req.matches[1]));
    std::this_thread::sleep_for(std::chrono::seconds(seconds));
    res.set_content("version=" + version + "\n", "text/plain");
  });
  server.Get("/healthz", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok version=" + version + "\n", "text/plain");
  });
  BindOrExit(server, Flag(flags, "port", "0"), Flag(flags, "port-file"), "gitcanary_e2e_app");
  server.listen_after_bind();
  return 0;
}
