// /metrics values are printed exactly: Prometheus reads the text back as a
// float64, so anything short of the shortest round-trip form loses value (six
// significant digits put a 2026 Unix time up to 80 minutes off).
#include "plugin/serve/serve_metrics.h"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

namespace gitcanary::plugin {

TEST_CASE("serve metrics: numbers are printed so that they read back as the same double") {
  struct Row {
    double v;
    const char* text;
  };
  const std::vector<Row> rows = {
      {0, "0"},
      {42, "42"},
      {-3, "-3"},
      {1796550000, "1796550000"},           // an integral Unix time, not 1.79655e+09
      {1700000000, "1700000000"},           // integral: an integer even where "1.7e+09" is shorter
      {1796550000.123, "1796550000.123"},   // 13 significant digits, all kept
      {0.125, "0.125"},
      {0.1, "0.1"},                         // the shortest text for the double nearest 0.1
      {1234.567, "1234.567"},
      {9007199254740992.0, "9007199254740992"},  // 2^53, the last integer a double holds exactly
      {1e20, "1e+20"},                      // past 2^53: the shortest round-trip text
      {1.5e-07, "1.5e-07"},
      {std::numeric_limits<double>::infinity(), "+Inf"},
      {-std::numeric_limits<double>::infinity(), "-Inf"},
  };
  for (const Row& r : rows) {
    CAPTURE(r.text);
    CHECK(MetricNumber(r.v) == r.text);
  }
  CHECK(MetricNumber(std::nan("")) == "NaN");
  // Every finite value reads back unchanged.
  for (double v : {1796550000.123, 1.0 / 3.0, 2.0 / 3.0 * 1e9, 123456.789012345, 1e-300, 6.02214076e23}) {
    CAPTURE(v);
    CHECK(std::strtod(MetricNumber(v).c_str(), nullptr) == v);
  }
}

TEST_CASE("serve metrics: timestamps are printed from their milliseconds") {
  struct Row {
    long long ms;
    const char* text;
  };
  const std::vector<Row> rows = {
      {0, "0"},
      {1796550000000, "1796550000"},
      {1796550000123, "1796550000.123"},
      {1796550000050, "1796550000.05"},
      {1796550000001, "1796550000.001"},
      {999, "0.999"},
  };
  for (const Row& r : rows) {
    CAPTURE(r.text);
    CHECK(MetricTimestamp(r.ms) == r.text);
  }
}

TEST_CASE("serve metrics: the last fetch time and the analysis seconds are rendered at full precision") {
  ServeMetrics metrics;
  metrics.RecordFetch(true, 1796550000123);
  PassReport report;
  report.analysis_ms = 1234567;
  metrics.RecordPass(nullptr, report);
  const std::string text = metrics.Render();
  CHECK(text.find("\ngitcanary_last_fetch_success_timestamp_seconds 1796550000.123\n") != std::string::npos);
  CHECK(text.find("\ngitcanary_analysis_seconds_sum 1234.567\ngitcanary_analysis_seconds_count 1\n") !=
        std::string::npos);
  CHECK(text.find("e+") == std::string::npos);
}

}  // namespace gitcanary::plugin
