// The operator commands. Each reads git only and, for the writing ones,
// records the operator's decision as a commit:
//   gitcanary approve|abort|promote|retry NS/NAME [--repo PATH|URL] [--message TEXT]
//   gitcanary status [--repo PATH|URL] [-o table|json]
// (history lives in history_command.h.)
#pragma once

#include <string>
#include <vector>

namespace gitcanary::plugin {

int RunApprove(const std::vector<std::string>& args);
int RunAbort(const std::vector<std::string>& args);
int RunPromote(const std::vector<std::string>& args);
int RunRetry(const std::vector<std::string>& args);
int RunStatus(const std::vector<std::string>& args);

}  // namespace gitcanary::plugin
