// `gitcanary lint [DIR]`: policy findings for the canary apps in DIR (or in a
// commit's tree with --repo/--revision), one gcc-style line per finding or a
// JSON document on stdout and a summary on stderr.
//
// The app is first loaded and rendered as `render` would, so input render
// rejects is an error (exit 1) with render's message; then policies::LintApp
// judges it. Exit 0 when no finding is an error (warnings alone pass), 1 when
// one is or the input is invalid, 2 on a usage error.
#pragma once

#include <string>
#include <vector>

namespace gitcanary::plugin {

extern const char kLintHelp[];

int RunLint(const std::vector<std::string>& args);

}  // namespace gitcanary::plugin
