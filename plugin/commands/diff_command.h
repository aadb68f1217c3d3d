// `gitcanary diff`: what a pull request changes in the rendered output.
//
// It renders the apps that differ between two revisions straight from git
// objects (no checkout), compares the two renders per resource, and reports
// the changes per app with the lint findings of the head revision, as
// Markdown for a PR comment (in chunks that fit GitHub's comment limit), a
// unified diff, or JSON. Apps whose trees and configs are the same in both
// revisions are not rendered at all (plugin/apps/app_discovery.h). Secret data is
// redacted unless asked for. Exit codes: 0 no change, 1 changes, 2 an error,
// including a render error in either revision, which is still reported per
// app.
#pragma once

#include <string>
#include <vector>

namespace gitcanary::plugin {

extern const char kDiffHelp[];

inline constexpr int kDiffExitChanges = 1;
inline constexpr int kDiffExitError = 2;  // also when gitcanary-git cannot be started

int RunDiff(const std::vector<std::string>& args);

}  // namespace gitcanary::plugin
