// `gitcanary serve`: the sidecar loop. See kServeHelp in serve_options.h.
#pragma once

#include <string>
#include <vector>

namespace gitcanary::plugin {

int RunServe(const std::vector<std::string>& args);

}  // namespace gitcanary::plugin
