// `gitcanary render [DIR]`: render an app directory (or a commit's tree with
// --repo/--revision) to a YAML stream or a JSON List on stdout.
#pragma once

#include <string>
#include <vector>

namespace gitcanary::plugin {

extern const char kRenderHelp[];

int RunRender(const std::vector<std::string>& args);

}  // namespace gitcanary::plugin
