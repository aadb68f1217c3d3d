// Finding: one policy observation about an app's manifests, with where it is.
//
// `gitcanary lint` prints findings, and `gitcanary diff` shows the findings of
// each changed app beside its changes, so both share this plain type. A
// finding points at the file and line of the field it is about (line 0 when
// the field was generated, for example from a canary template).
#pragma once

#include <string>
#include <string_view>

namespace gitcanary {

enum class Severity { kWarning, kError };

inline std::string_view SeverityName(Severity s) { return s == Severity::kError ? "error" : "warning"; }

struct Finding {
  Severity severity = Severity::kWarning;
  std::string file;     // display name, as in render's errors
  int line = 0;         // 1-based; 0 = no source line
  std::string rule;     // stable id, for example "no-metrics"
  std::string message;  // one sentence naming the canary or object
};

}  // namespace gitcanary
