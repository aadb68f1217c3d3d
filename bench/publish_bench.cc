// serve --publish's cost on a prepared remote (bench/publish.py makes it: 1000
// plain apps, every canary initialised, so none is due). Each round a person's
// commit gives one app a new image and makes its canary due; the next pass
// decides it, commits its status and, with --publish, that app's render.
//   pass_cpu_ms          median CPU of that pass without --publish
//   publish_pass_cpu_ms  the same with --publish published
// The two variants run on copies of the remote, so each decides its own canary.
// The commits of the --publish passes are printed ("commit SHA APP") for the
// caller to check which files they touch.
// Usage: gitcanary_publish_bench REMOTE_A CACHE_A REMOTE_B CACHE_B ROUNDS
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <regex>
#include <string>
#include <vector>

#include "bench/cpu_clock.h"
#include "git/tree_source.h"
#include "plugin/serve/reconciler.h"

using namespace gitcanary;
using gitcanary::bench::CpuMs;
using gitcanary::bench::Median;
using gitcanary::bench::NowMs;

namespace {

// A person's commit: app's Deployment gets image tag `tag`, and its status an
// old lastTransitionTime, so its canary is due with a new revision.
Status UserCommit(git::GitRemote& remote, const std::string& app, const std::string& tag) {
  auto refs = remote.Fetch({"refs/heads/main"});
  if (!refs.ok()) return refs.status();
  const std::string head = *(*refs)["refs/heads/main"];
  auto tree = git::TreeSource::OpenTree(remote.path(), head, "");
  if (!tree.ok()) return tree.status();
  const std::string name = app.substr(app.rfind('/') + 1);
  auto deployment = (*tree)->Read(app + "/deployment.yaml");
  auto status = (*tree)->Read(app + "/" + name + ".gitcanary-status.yaml");
  if (!deployment.ok()) return deployment.status();
  if (!status.ok()) return status.status();
  const std::string new_deployment = std::regex_replace(*deployment, std::regex(":1\\.[0-9]+\\.0"), ":" + tag);
  const std::string new_status = std::regex_replace(*status, std::regex("lastTransitionTime: .*"),
                                                    "lastTransitionTime: \"2000-01-01T00:00:00Z\"");
  auto commit = remote.WriteCommit(head, {{app + "/deployment.yaml", new_deployment},
                                          {app + "/" + name + ".gitcanary-status.yaml", new_status}},
                                   git::Author{"person", "person@localhost"}, NowMs() / 1000, "new image\n");
  if (!commit.ok()) return commit.status();
  auto pushed = remote.Push({{"refs/heads/main", *commit}});
  if (!pushed.ok()) return pushed.status();
  return (*pushed)["refs/heads/main"] == git::PushResult::kPushed ? Status::Ok() : Status::Io("push rejected");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: gitcanary_publish_bench REMOTE_A CACHE_A REMOTE_B CACHE_B ROUNDS\n");
    return 2;
  }
  const int rounds = std::atoi(argv[5]);
  plugin::ExecutorDeps deps;
  deps.readiness = [](const policies::AnalysisSpec&, bool) { return policies::Readiness{true, ""}; };
  std::vector<std::unique_ptr<git::GitRemote>> remotes;
  std::vector<std::unique_ptr<plugin::Reconciler>> reconcilers;
  for (int v = 0; v < 2; ++v) {
    auto remote = git::GitRemote::Open(argv[1 + 2 * v], argv[2 + 2 * v], {});
    if (!remote.ok()) {
      std::fprintf(stderr, "%s\n", remote.status().message().c_str());
      return 1;
    }
    plugin::ReconcilerOptions options;
    if (v == 1) options.publish_dir = "published";
    remotes.push_back(std::move(*remote));
    reconcilers.push_back(std::make_unique<plugin::Reconciler>(options, remotes.back().get(), deps, NowMs));
    const double start = CpuMs();
    if (Status s = reconcilers.back()->Pass(); !s.ok()) {  // warms the catalog; with --publish, publishes every app
      std::fprintf(stderr, "first pass: %s\n", s.message().c_str());
      return 1;
    }
    std::printf("first_pass_cpu_ms_%s %.2f\n", v == 0 ? "plain" : "publish", CpuMs() - start);
  }
  std::vector<double> cpu[2];
  for (int r = 0; r < rounds; ++r) {
    char app[64];
    std::snprintf(app, sizeof app, "apps/app-%05d", (r * 37 + 11) % 1000);
    for (int v = 0; v < 2; ++v) {
      if (Status s = UserCommit(*remotes[v], app, "9." + std::to_string(r) + ".0"); !s.ok()) {
        std::fprintf(stderr, "user commit: %s\n", s.message().c_str());
        return 1;
      }
      const double start = CpuMs();
      Status s = reconcilers[v]->Pass();
      cpu[v].push_back(CpuMs() - start);
      const plugin::PassReport& report = reconcilers[v]->LastReport();
      if (!s.ok() || report.decided.size() != 1 || report.pushed.empty()) {
        std::fprintf(stderr, "round %d: %zu decided, pushed '%s': %s\n", r, report.decided.size(),
                     report.pushed.c_str(), s.message().c_str());
        return 1;
      }
      if (v == 1) std::printf("commit %s %s\n", report.pushed.c_str(), app);
    }
  }
  std::printf("pass_cpu_ms %.2f\npublish_pass_cpu_ms %.2f\n", Median(cpu[0]), Median(cpu[1]));
  return 0;
}
