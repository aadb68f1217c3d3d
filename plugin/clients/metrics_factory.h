// MetricsFactory: the MetricsProvider for each metric of a canary, built from
// its MetricTemplate or, for the built-in metrics, from the default Prometheus
// (overridden per canary by spec.metricsServer), and kept for reuse.
//
// A template's `secretRef` is read through a SecretSource, in the template's
// own namespace (never another), with Flagger's keys: `token` (sent as a
// bearer token), else `username` and `password` (basic auth; both are
// needed). A secret with none of them is an error, and the template is never
// queried. Only provider type `prometheus` is supported.
//
// Addresses from the repository (a template's spec.provider.address,
// spec.metricsServer) pass the egress guard before every query; the
// operator's own Prometheus (`builtin`, from --prometheus) does not, nor does
// a repository address that is exactly the same URL.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/metrics_provider.h"
#include "core/secret_source.h"
#include "plugin/clients/prometheus_client.h"
#include "policies/analysis_spec.h"

namespace gitcanary::plugin {

class MetricsFactory {
 public:
  // `builtin` configures the built-in metrics' Prometheus (its address may be
  // empty: then a canary without spec.metricsServer cannot use them).
  // `egress` nullptr: DefaultEgressGuard().
  MetricsFactory(PrometheusConfig builtin, SecretSource* secrets, std::shared_ptr<const EgressGuard> egress = nullptr)
      : builtin_(std::move(builtin)), secrets_(secrets), egress_(egress ? std::move(egress) : DefaultEgressGuard()) {}

  // Thread-safe; the provider lives as long as the factory.
  Result<MetricsProvider*> For(const policies::MetricTemplate* tmpl, const std::string& metrics_server);

 private:
  Result<PrometheusConfig> ConfigFor(const policies::MetricTemplate& tmpl);

  PrometheusConfig builtin_;
  SecretSource* secrets_;
  std::shared_ptr<const EgressGuard> egress_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<PrometheusClient>> clients_;  // by template "ns/name" or server address
};

}  // namespace gitcanary::plugin
