// What serve tells a person, beyond its decisions, in words:
//   - at its first pass, which canaries' metrics go to the default
//     Prometheus (--prometheus) when none is given or it did not answer a
//     probe, since those checks would otherwise fail with nothing said up front;
//   - why `serve --once` decided nothing: "nothing due; next: test/podinfo in 42s".
// Pure text from the catalog and facts the caller gathered (the probe's
// error, the clock); serve_command.cc logs it once as JSON and once as a
// plain line on stderr.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "plugin/serve/canary_catalog.h"
#include "plugin/serve/reconciler.h"

namespace gitcanary::plugin {

// A canary and its metrics that are asked of the default Prometheus.
struct PrometheusUser {
  std::string canary;                // "ns/name"
  std::vector<std::string> metrics;  // in spec order
};

// Canaries whose metrics go to the default Prometheus: built-in and in-line
// metrics when the Canary sets no spec.metricsServer, and MetricTemplates of
// provider prometheus with no address. Halted canaries are left out; catalog order.
std::vector<PrometheusUser> DefaultPrometheusUsers(const Catalog& catalog);

// The warning for `users` given the default Prometheus `address` ("" = not
// given) and the error of a probe of it ("" = it answered); "" when there is
// nothing to warn about. The address is shown without user info.
std::string MissingPrometheusWarning(const std::vector<PrometheusUser>& users, const std::string& address,
                                     const std::string& probe_error);

// "42s", "3m20s", "2h0m5s": a delay rounded up to whole seconds, never below 0s.
std::string DelayText(long long ms);

// Why a pass decided nothing, on `branch`: the canary due next and when,
// that there are no canaries, or that none can be analysed.
std::string NothingDueText(const Catalog& catalog, const std::optional<Reconciler::NextCanary>& next, long long now_ms,
                           const std::string& branch);

}  // namespace gitcanary::plugin
