#include "core/status.h"

namespace gitcanary {

std::string AtPlace(const std::string& file, int line, int col, const std::string& message) {
  std::string out = file;
  if (line > 0) {
    out += ":" + std::to_string(line);
    if (col > 0) out += ":" + std::to_string(col);
  }
  out += ": ";
  out += message;
  return out;
}

}  // namespace gitcanary
