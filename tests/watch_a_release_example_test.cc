// The README's walkthrough "Watch a release in the browser and the terminal",
// stepped one pass at a time: examples/watch-a-release pushed to a bare
// remote, initialised, then its image changed. The phases and weights the
// README promises follow from the example's analysis (stepWeight 20 up to
// maxWeight 60) and Flagger's scheduler: Progressing starts at weight 0, each
// step adds 20 until 60, the step after maxWeight promotes (Promoting keeps
// the weight), Finalising routes everything back to the primary, then
// Succeeded.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/gitops_remote.h"
#include "tests/test_util.h"

namespace gitcanary {
namespace {

using testing::GitopsRemote;
using testing::RunResult;

std::string ExampleFile(const std::string& name) {
  return testing::ReadFile(testing::SourceDir() + "/examples/watch-a-release/" + name);
}

// "Phase weight" of demo/web as `gitcanary status -o json` reports it.
std::string PhaseAndWeight(const GitopsRemote& repo) {
  RunResult r = testing::Gitcanary({"status", "--repo", repo.remote(), "-o", "json"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  for (const auto& c : nlohmann::json::parse(r.out))
    if (c.at("namespace") == "demo" && c.at("name") == "web")
      return c.at("status").get<std::string>() + " " + std::to_string(c.at("weight").get<long long>());
  FAIL("demo/web is not in the status: " << r.out);
  return "";
}

}  // namespace

TEST_CASE("the watch-a-release example goes through the phases the README's walkthrough names") {
  testing::TempDir dir;
  GitopsRemote repo(dir);
  const std::string canary = ExampleFile("canary.yaml");
  const std::string deployment = ExampleFile("deployment.yaml");
  REQUIRE(deployment.find("podinfo:6.7.0") != std::string::npos);  // the tag the README's sed changes
  repo.Commit({{"web/canary.yaml", canary},
               {"web/deployment.yaml", deployment},
               {"web/gitcanary.yaml", ExampleFile("gitcanary.yaml")}},
              "web: first version");
  const std::string cache = dir / "cache";
  auto pass = [&] {
    RunResult r = testing::Gitcanary({"serve", "--repo", repo.remote(), "--cache-dir", cache, "--once", "--all-due",
                                      "--readiness", "none", "--listen", "off"});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    // No metric needs a Prometheus, so serve has nothing to warn about.
    CHECK(r.err.find("warning") == std::string::npos);
  };
  pass();
  CHECK(PhaseAndWeight(repo) == "Initialized 0");

  std::string next = deployment;
  next.replace(next.find("podinfo:6.7.0"), 13, "podinfo:6.7.1");
  repo.Commit({{"web/deployment.yaml", next}}, "web: 6.7.1");
  std::vector<std::string> seen;
  for (int i = 0; i < 10 && (seen.empty() || seen.back() != "Succeeded 0"); ++i) {
    pass();
    seen.push_back(PhaseAndWeight(repo));
  }
  const std::vector<std::string> expected = {"Progressing 0", "Progressing 20", "Progressing 40", "Progressing 60",
                                             "Promoting 60",  "Finalising 0",   "Succeeded 0"};
  CHECK(seen == expected);
}

}  // namespace gitcanary
