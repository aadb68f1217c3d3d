// A metric without a value says why in the commit subject, briefly, without
// credentials, and `gitcanary history` still reads the subject back.
#include "plugin/serve/status_commit_message.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "policies/presentation/history_text.h"

namespace gitcanary::plugin {

TEST_CASE("status commit message: the short reason of a metric without data") {
  struct Row {
    std::string error, expected;
  };
  const std::vector<Row> rows = {
      {"", ""},
      {"query returned no data", ""},  // "no data" says it already
      {"Prometheus at http://127.0.0.1:9/: connection refused", "Prometheus at http://127.0.0.1:9/: connection refused"},
      {"Prometheus at https://user:tok@prom.example/: answered HTTP 500: x", "Prometheus at https://prom.example/: answered HTTP 500: x"},
      {"first line\nsecond line", "first line"},
      {"a; b", "a, b"},
      {"connection failed (refused or unreachable)", "connection failed (refused or unreachable)"},
      {"unclosed ( here", "unclosed [ here"},
      {"a) b (c", "a] b [c"},
  };
  for (const Row& r : rows) {
    CAPTURE(r.error);
    CHECK(NoDataReason(r.error) == r.expected);
  }
  const std::string long_error(300, 'x');
  CHECK(NoDataReason(long_error) == std::string(kNoDataReasonLimit, 'x') + "...");
  // A cut never splits a UTF-8 character: "é" is two bytes.
  std::string accents;
  for (int i = 0; i < 100; ++i) accents += "\xc3\xa9";
  CHECK(NoDataReason(accents) == accents.substr(0, kNoDataReasonLimit) + "...");
  CHECK(NoDataReason(std::string(1, 'x') + accents) == "x" + accents.substr(0, kNoDataReasonLimit - 2) + "...");
}

TEST_CASE("status commit message: a failed check for want of data names the reason, and history reads it back") {
  policies::AnalysisSpec spec;
  spec.name = "podinfo";
  spec.ns = "test";
  policies::MetricSpec success;
  success.name = "request-success-rate";
  success.min = 99;
  policies::MetricSpec duration;
  duration.name = "request-duration";
  duration.max = 500;
  spec.metrics = {success, duration};
  DecidedCanary c;
  c.id = "test/podinfo";
  c.spec = &spec;
  c.before.phase = Phase::kProgressing;
  c.before.canary_weight = 10;
  c.executed.decision.next = c.before;
  c.executed.decision.next.failed_checks = 1;
  c.executed.observations.metrics = {
      policies::MetricOutcome{std::nullopt, "Prometheus at http://127.0.0.1:9/: connection refused"},
      policies::MetricOutcome{std::nullopt, "query returned no data"}};
  const std::string line = CommitLine(c);
  CHECK(line ==
        "canary test/podinfo: failed checks 0 -> 1 (request-success-rate no data: Prometheus at "
        "http://127.0.0.1:9/: connection refused; request-duration no data)");
  const std::vector<policies::HistoryMetric> read = policies::MetricsFromSubject(line);
  REQUIRE(read.size() == 2);
  CHECK(read[0].name == "request-success-rate");
  CHECK_FALSE(read[0].value.has_value());
  CHECK(read[1].name == "request-duration");
  CHECK_FALSE(read[1].value.has_value());
}

}  // namespace gitcanary::plugin
