// The dashboard's costs on a prepared repository (bench/dashboard_bench.py
// makes it: 1000 canaries, each initialised by serve):
//   publish_cold_cpu_ms    CPU of publishing the first catalog (every row built)
//   update_cpu_ms          CPU of what serve adds per new status commit: one
//                          canary's status changed, published as serve's
//                          PublishPass does (median of 21)
//   first_load_ms          wall time of a first page load over HTTP from an
//                          in-process server: /, the script, the style and
//                          /api/overview, in sequence (median of 21)
//   first_load_bytes       the bytes of those four bodies
// Usage: gitcanary_dashboard_bench REMOTE CACHE_DIR
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "bench/cpu_clock.h"
#include "plugin/serve/dashboard_site.h"
#include "plugin/serve/reconciler.h"

using namespace gitcanary;
using gitcanary::bench::CpuMs;
using gitcanary::bench::Median;
using gitcanary::bench::NowMs;

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: gitcanary_dashboard_bench REMOTE CACHE_DIR\n");
    return 2;
  }
  auto remote = git::GitRemote::Open(argv[1], argv[2], {});
  if (!remote.ok()) {
    std::fprintf(stderr, "%s\n", remote.status().message().c_str());
    return 1;
  }
  plugin::ExecutorDeps deps;
  deps.readiness = [](const policies::AnalysisSpec&, bool) { return policies::Readiness{true, ""}; };
  plugin::Reconciler reconciler({}, remote->get(), deps, NowMs);
  if (Status s = reconciler.Pass(); !s.ok()) {
    std::fprintf(stderr, "first pass: %s\n", s.message().c_str());
    return 1;
  }
  const plugin::Catalog& catalog = *reconciler.CurrentCatalog();
  plugin::DashboardOptions options;
  options.repo = argv[1];
  options.branch = "main";
  plugin::DashboardSite site(options, nullptr);
  double start = CpuMs();
  site.Publish(catalog, std::string(40, 'a'));
  const double cold = CpuMs() - start;

  std::vector<double> update;
  for (int i = 0; i < 21; ++i) {
    const plugin::CatalogEntry& e = catalog.canaries[(i * 37) % catalog.canaries.size()];
    render::CanaryStatus decided = e.status.value_or(render::CanaryStatus{});
    decided.phase = Phase::kProgressing;
    decided.canary_weight = 10 + i;
    char head[41];
    std::snprintf(head, sizeof head, "%040d", i + 1);
    start = CpuMs();
    site.Publish(catalog, head, {{e.id, decided}});
    update.push_back(CpuMs() - start);
  }

  httplib::Server server;
  site.Mount(server);
  const int port = server.bind_to_any_port("127.0.0.1");
  std::thread thread([&] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::vector<double> loads;
  std::size_t bytes = 0;
  for (int i = 0; i < 21; ++i) {
    httplib::Client client("127.0.0.1", port);  // a new browser: a new connection
    bytes = 0;
    const auto t0 = std::chrono::steady_clock::now();
    for (const char* path : {"/", "/assets/dashboard.js", "/assets/dashboard.css", "/api/overview"}) {
      auto res = client.Get(path);
      if (!res || res->status != 200) {
        std::fprintf(stderr, "GET %s failed\n", path);
        return 1;
      }
      bytes += res->body.size();
    }
    loads.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  site.Stop();
  server.stop();
  thread.join();
  std::printf("canaries %zu\npublish_cold_cpu_ms %.2f\nupdate_cpu_ms %.3f\nfirst_load_ms %.2f\nfirst_load_bytes %zu\n",
              catalog.canaries.size(), cold, Median(update), Median(loads), bytes);
  return 0;
}
