#include "plugin/serve/json_log.h"

#include <unistd.h>

#include <chrono>
#include <mutex>

#include "policies/status_state.h"
#include "policies/webhook.h"

namespace gitcanary::plugin {

namespace {

void Write(const std::string& level, const std::string& msg, const LogFields& fields) {
  static std::mutex mu;
  const long long now = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  std::string line = LogLine(level, msg, fields, now) + "\n";
  std::lock_guard<std::mutex> lock(mu);
  std::size_t off = 0;
  while (off < line.size()) {
    ssize_t n = ::write(2, line.data() + off, line.size() - off);
    if (n <= 0) return;
    off += static_cast<std::size_t>(n);
  }
}

}  // namespace

std::string LogLine(const std::string& level, const std::string& msg, const LogFields& fields, long long unix_ms) {
  std::string out = "{\"time\":\"" + policies::FormatRfc3339(unix_ms) + "\",\"level\":\"" + level +
                    "\",\"msg\":" + policies::GoJsonString(msg);
  for (const auto& [k, v] : fields) out += "," + policies::GoJsonString(k) + ":" + policies::GoJsonString(v);
  return out + "}";
}

void LogInfo(const std::string& msg, const LogFields& fields) { Write("info", msg, fields); }
void LogWarn(const std::string& msg, const LogFields& fields) { Write("warn", msg, fields); }
void LogError(const std::string& msg, const LogFields& fields) { Write("error", msg, fields); }

}  // namespace gitcanary::plugin
