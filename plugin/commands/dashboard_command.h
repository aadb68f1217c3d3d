// `gitcanary dashboard`: the dashboard of plugin/serve/dashboard_site.h on its own,
// read-only: it reads the branch every --interval (fetching a remote URL into
// a cache directory, or reading a local repository in place) and serves the
// pages; no lease, no decisions, no commits.
//
// Like serve it speaks HTTP, so it runs in gitcanary-serve (sibling_exec.h):
// `gitcanary dashboard FLAGS` runs `gitcanary-serve dashboard FLAGS`.
#pragma once

#include <string>
#include <vector>

namespace gitcanary::plugin {

extern const char kDashboardHelp[];

// In gitcanary-serve.
int RunDashboard(const std::vector<std::string>& args);

}  // namespace gitcanary::plugin
