// Fuzzes ParsePrometheusReply (policies/metric_query.h): the JSON body of
// Prometheus' /api/v1/query, as an untrusted server (or a proxy in front of
// it) may send it. Beyond "no crash, no uncaught exception, no leak, no UB,
// no hang": a success is one finite number, and an error has a message.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "policies/metric_query.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto value = gitcanary::ParsePrometheusReply(body);
  if (value.ok()) {
    FUZZ_CHECK(std::isfinite(*value), "ParsePrometheusReply returned a value that is not finite");
  } else {
    FUZZ_CHECK(!value.status().message().empty(), "error without a message");
  }
  return 0;
}
