// serve's costs on a prepared repository (bench/serve.py makes it: 1000
// canaries, every one with a fresh status, so none is due):
//   idle_pass_cpu_ms   CPU time of one Reconciler pass with nothing due
//                      (fetch of the branch, due check; the catalog is warm)
//   commit_push_ms     wall time of committing one status change and pushing
//                      it to the local bare remote
// Each is the median of 21 rounds. Usage: gitcanary_serve_bench REMOTE CACHE_DIR
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <vector>

#include "bench/cpu_clock.h"
#include "plugin/serve/reconciler.h"

using namespace gitcanary;
using gitcanary::bench::CpuMs;
using gitcanary::bench::Median;
using gitcanary::bench::NowMs;

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: gitcanary_serve_bench REMOTE CACHE_DIR\n");
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
  if (Status s = reconciler.Pass(); !s.ok()) {  // warms the catalog
    std::fprintf(stderr, "first pass: %s\n", s.message().c_str());
    return 1;
  }
  const std::size_t canaries = reconciler.CurrentCatalog()->canaries.size();
  std::vector<double> idle;
  for (int i = 0; i < 21; ++i) {
    const double start = CpuMs();
    Status s = reconciler.Pass();
    idle.push_back(CpuMs() - start);
    if (!s.ok() || !reconciler.LastReport().decided.empty()) {
      std::fprintf(stderr, "idle pass decided %zu canaries: %s\n", reconciler.LastReport().decided.size(),
                   s.message().c_str());
      return 1;
    }
  }
  std::vector<double> commit_push;
  for (int i = 0; i < 21; ++i) {
    auto head = (*remote)->Fetch({"refs/heads/main"});
    if (!head.ok() || !(*head)["refs/heads/main"]) return 1;
    const auto start = std::chrono::steady_clock::now();
    auto commit = (*remote)->WriteCommit(*(*head)["refs/heads/main"],
                                         {{"bench/status-" + std::to_string(i % 2) + ".yaml",
                                           "status: {canaryWeight: " + std::to_string(i) + "}\n"}},
                                         git::Author{}, NowMs() / 1000, "bench: one status change\n");
    if (!commit.ok()) return 1;
    auto pushed = (*remote)->Push({{"refs/heads/main", *commit}});
    if (!pushed.ok() || (*pushed)["refs/heads/main"] != git::PushResult::kPushed) return 1;
    commit_push.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  std::printf("canaries %zu\nidle_pass_cpu_ms %.2f\ncommit_push_ms %.2f\n", canaries, Median(idle), Median(commit_push));
  return 0;
}
