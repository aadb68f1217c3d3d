// MetricsProvider: the seam between canary analysis and a metrics backend.
//
// The executor in plugin/ runs each analysis metric through a MetricsProvider
// and hands the numbers to the pure policies as observations; tests substitute
// a fake. Query() runs one instant PromQL (or backend-specific) query and must
// yield exactly one finite number. A query that returns no data, NaN or an
// infinity, or more than one series, is an error Status with a message that
// says which; the caller records it as a failed check. Messages never contain
// credentials.
#pragma once

#include <string>

#include "core/status.h"

namespace gitcanary {

class MetricsProvider {
 public:
  virtual ~MetricsProvider() = default;
  virtual Result<double> Query(const std::string& promql) = 0;
};

}  // namespace gitcanary
