// A GitOps repository for serve tests: a bare remote on disk, a work clone a
// "person" commits to, and readers of what serve wrote: the status of record
// at each commit of the branch, and what render makes of a commit.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "tests/test_util.h"

namespace gitcanary::testing {

// One canary of the app: Deployment NAME (image :TAG) and its Canary in
// namespace test, stepWeight 10 up to maxWeight 30, threshold 2, interval 1s
// (serve runs with --min-interval 1s). `extra_analysis` is appended under
// spec.analysis (indented by 4), for metrics and webhooks.
std::string CanaryApp(const std::string& name, const std::string& tag, const std::string& extra_analysis = "");

struct StatusAt {
  std::string commit;
  std::string subject;  // the commit message's line about this canary
  std::string phase;
  long long weight = -1;
  long long failed_checks = -1;
};

class GitopsRemote {
 public:
  explicit GitopsRemote(const TempDir& dir);
  std::string remote() const { return remote_; }
  std::string work() const { return work_; }

  // Writes `files` (path -> content) in the work clone, commits and pushes
  // (pulling serve's commits first).
  void Commit(const std::vector<std::pair<std::string, std::string>>& files, const std::string& message);
  // The status of canary test/NAME at every first-parent commit of main that
  // changed it, oldest first.
  std::vector<StatusAt> StatusHistory(const std::string& name) const;
  // The latest status of test/NAME on the remote's main; phase "" when none.
  StatusAt LatestStatus(const std::string& name) const;
  // The (primary, canary) weights of the VirtualService of NAME that
  // `gitcanary render` gives at `commit`.
  std::pair<long long, long long> RenderedWeights(const std::string& commit, const std::string& name) const;

 private:
  std::string remote_, work_;
};

// spec.analysis.webhooks with one hook, to append to CanaryApp's analysis.
std::string OneWebhook(const std::string& name, const std::string& type, const std::string& url);

// Polls until the latest status of test/NAME is `phase` or `deadline` passes.
bool WaitForPhase(const GitopsRemote& repo, const std::string& name, const std::string& phase,
                  std::chrono::steady_clock::time_point deadline);

// "(Phase weight)" list for messages and comparisons: "Initialized 0, Progressing 0, ...".
std::string Sequence(const std::vector<StatusAt>& history);

}  // namespace gitcanary::testing
