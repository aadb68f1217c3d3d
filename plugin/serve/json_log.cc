#include "plugin/serve/json_log.h"

#include <unistd.h>

#include <chrono>
#include <mutex>

#include "policies/status_state.h"
#include "policies/webhook.h"

namespace gitcanary::plugin {

namespace {

void WriteLine(const std::string& line) {
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  std::size_t off = 0;
  while (off < line.size()) {
    ssize_t n = ::write(2, line.data() + off, line.size() - off);
    if (n <= 0) return;
    off += static_cast<std::size_t>(n);
  }
}

void Write(const std::string& level, const std::string& msg, const LogFields& fields) {
  const long long now = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  WriteLine(LogLine(level, msg, fields, now) + "\n");
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
void LogPlain(const std::string& line) { WriteLine(line + "\n"); }

}  // namespace gitcanary::plugin
