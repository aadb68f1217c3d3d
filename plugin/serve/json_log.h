// Structured logs: one JSON object per line on stderr, as log collectors in a
// cluster expect:
//   {"time":"2026-11-22T04:16:49.250Z","level":"info","msg":"pushed","canary":"test/podinfo",...}
// Callers pass only redacted text (URLs through RedactUrl); nothing here
// reads credentials. Lines from several threads never interleave.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace gitcanary::plugin {

using LogFields = std::vector<std::pair<std::string, std::string>>;

void LogInfo(const std::string& msg, const LogFields& fields = {});
void LogWarn(const std::string& msg, const LogFields& fields = {});
void LogError(const std::string& msg, const LogFields& fields = {});

// The line LogInfo & co. write, without the newline (for tests).
std::string LogLine(const std::string& level, const std::string& msg, const LogFields& fields, long long unix_ms);

}  // namespace gitcanary::plugin
