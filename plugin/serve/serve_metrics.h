// The numbers `gitcanary serve` exposes on /metrics, in Prometheus' text
// format (version 0.0.4):
//   gitcanary_canary_weight{canary="ns/name"}              current canary weight
//   gitcanary_canary_phase{canary="ns/name",phase="..."}   1 for the current phase, 0 for the others
//   gitcanary_canary_failed_checks{canary="ns/name"}
//   gitcanary_canary_halted{canary="ns/name"}              1 while the canary cannot be analysed
//   gitcanary_analysis_seconds_sum / _count                time spent deciding, per pass
//   gitcanary_push_attempts_total, gitcanary_push_conflicts_total
//   gitcanary_status_commits_total
//   gitcanary_last_fetch_success_timestamp_seconds
//   gitcanary_lease_held                                   1 while this replica holds the lease
// Thread-safe: the loop records, the HTTP thread renders.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "plugin/serve/canary_catalog.h"
#include "plugin/serve/reconciler.h"

namespace gitcanary::plugin {

class ServeMetrics {
 public:
  // After a pass (successful or not): canary gauges from the catalog, counters from the report.
  void RecordPass(const Catalog* catalog, const PassReport& report);
  void RecordFetch(bool ok, long long unix_ms);
  void RecordLease(bool held);

  // /readyz: the last fetch succeeded and no later one failed.
  bool Ready() const;
  std::string Render() const;

 private:
  struct CanaryGauges {
    Phase phase = Phase::kInitializing;
    long long weight = 0, failed_checks = 0;
    bool halted = false;
  };
  mutable std::mutex mu_;
  std::map<std::string, CanaryGauges> canaries_;
  double analysis_seconds_ = 0;
  long long passes_ = 0, push_attempts_ = 0, conflicts_ = 0, commits_ = 0;
  long long last_fetch_ok_ms_ = 0;
  bool fetch_failing_ = true;
  bool lease_held_ = false;
};

}  // namespace gitcanary::plugin
