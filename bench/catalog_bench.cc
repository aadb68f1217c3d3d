// serve's catalog over many built apps (bench/kustomize.py makes the
// repository: every app an overlay that kustomize must build):
//   cold_ms        wall time of the first catalog read, which builds every app
//   builds         how many builds that read ran
//   warm_cpu_ms    CPU time of reading the catalog again with the build cache
//                  warm: what a pass pays at a new head whose apps' inputs did
//                  not change (a status commit, another team's change)
//   warm_builds    builds the warm reads ran (0 when the cache holds)
// warm_cpu_ms is the median of 11 reads. Usage: gitcanary_catalog_bench REPO
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <vector>

#include "bench/cpu_clock.h"
#include "plugin/serve/canary_catalog.h"

using namespace gitcanary;
using gitcanary::bench::CpuMs;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: gitcanary_catalog_bench REPO\n");
    return 2;
  }
  auto tree = git::TreeSource::OpenTree(argv[1], "HEAD", "");
  if (!tree.ok()) {
    std::fprintf(stderr, "%s\n", tree.status().message().c_str());
    return 1;
  }
  plugin::BuildCache cache;
  plugin::CatalogOptions options;
  options.cache = &cache;
  const auto start = std::chrono::steady_clock::now();
  auto cold = plugin::ReadCatalog(**tree, options);
  const double cold_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (!cold.ok() || !cold->errors.empty()) {
    std::fprintf(stderr, "%s\n", cold.ok() ? cold->errors.front().c_str() : cold.status().message().c_str());
    return 1;
  }
  const std::size_t builds = cache.builds();
  std::vector<double> warm;
  for (int i = 0; i < 11; ++i) {
    const double t = CpuMs();
    auto again = plugin::ReadCatalog(**tree, options);
    warm.push_back(CpuMs() - t);
    if (!again.ok() || again->canaries.size() != cold->canaries.size()) {
      std::fprintf(stderr, "warm read differs\n");
      return 1;
    }
  }
  std::sort(warm.begin(), warm.end());
  std::printf("canaries %zu\ncold_ms %.1f\nbuilds %zu\nwarm_cpu_ms %.2f\nwarm_builds %zu\n", cold->canaries.size(),
              cold_ms, builds, warm[warm.size() / 2], cache.builds() - builds);
  return 0;
}
