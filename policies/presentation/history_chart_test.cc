// Tests for the history chart. Coordinates are worked out by hand from the
// layout the header describes: the plot spans x 72..936 (864 units), the time
// frame runs from the first row to the last plus an eighth of the span, the
// weight panel spans y 84 (100 %) .. 284 (0 %), and metric panel i starts at
// y 328 + 134 i and is 90 high, min at the bottom, max at the top.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "policies/presentation/history_chart.h"

namespace gitcanary::policies {
namespace {

constexpr long long kT = 1714557600;  // 2024-05-01T10:00:00Z

HistoryRow Status(long long dt, Phase phase, long long weight, std::vector<HistoryMetric> metrics = {}) {
  HistoryRow r;
  r.commit = "c0ffee" + std::to_string(dt) + "0000000000000000000000000000000";
  r.time = kT + dt;
  r.phase = phase;
  r.weight = weight;
  r.metrics = std::move(metrics);
  r.subject = "canary test/podinfo: step at +" + std::to_string(dt) + "s";
  return r;
}

HistoryMetric M(const std::string& name, std::optional<double> value, std::optional<double> min = std::nullopt) {
  return HistoryMetric{name, value, min, std::nullopt};
}

std::size_t Count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

Timeline ThreeSteps() {
  return {"test/podinfo",
          {Status(0, Phase::kProgressing, 0), Status(60, Phase::kProgressing, 10), Status(120, Phase::kProgressing, 20)}};
}

TEST_CASE("HistoryChart: the weight of a 3-step timeline is a step line at hand-computed points") {
  // span 120 s, frame 135 s: x = 72 + dt * 864 / 135 = 72 + 6.4 dt -> 72, 456, 840, and the tail to 936.
  // y = 84 + 2 * (100 - weight) -> 284 (0 %), 264 (10 %), 244 (20 %).
  const std::string svg = HistoryChartSvg(ThreeSteps());
  CHECK(svg.find("<polyline id=\"weight-line\" points=\"72,284 456,284 456,264 840,264 840,244 936,244\"") !=
        std::string::npos);
  CHECK(Count(svg, "<circle cx=\"72\" cy=\"284\"") == 1);
  CHECK(Count(svg, "<circle cx=\"456\" cy=\"264\"") == 1);
  CHECK(Count(svg, "<circle cx=\"840\" cy=\"244\"") == 1);
  // One Progressing band per interval, the last one over the tail.
  CHECK(svg.find("<rect class=\"phase Progressing\" x=\"72\" y=\"84\" width=\"384\" height=\"200\"") !=
        std::string::npos);
  CHECK(svg.find("<rect class=\"phase Progressing\" x=\"456\" y=\"84\" width=\"384\"") != std::string::npos);
  CHECK(svg.find("<rect class=\"phase Progressing\" x=\"840\" y=\"84\" width=\"96\"") != std::string::npos);
  // 135 s at most 8 ticks: a 30 s step, ticks at 0, 30, ..., 120 s -> x 72, 264, 456, 648, 840.
  for (const char* label : {">10:00:00<", ">10:00:30<", ">10:01:00<", ">10:01:30<", ">10:02:00<"})
    CHECK(svg.find(label) != std::string::npos);
  CHECK(svg.find("<text x=\"648\" y=\"300\" text-anchor=\"middle\">10:01:30</text>") != std::string::npos);
  CHECK(svg.find(">time (UTC), 2024-05-01<") != std::string::npos);
  // No metrics: the weight panel ends at 284, the axis title 38 below it, 52 of margin in all.
  CHECK(svg.find("height=\"336\" viewBox=\"0 0 960 336\"") != std::string::npos);
  CHECK(svg.find(">test/podinfo: Progressing at 20%<") != std::string::npos);
  CHECK(svg.find(">3 status changes, 2024-05-01T10:00:00Z to 2024-05-01T10:02:00Z<") != std::string::npos);
}

TEST_CASE("HistoryChart: a self-contained SVG 1.1 document, the same bytes for the same input") {
  const std::string svg = HistoryChartSvg(ThreeSteps());
  CHECK(svg.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\"", 0) == 0);
  CHECK(svg.size() > 100);
  CHECK(svg.substr(svg.size() - 7) == "</svg>\n");
  CHECK(svg == HistoryChartSvg(ThreeSteps()));
  for (const char* banned : {"<script", "href", "@import", "url(", "<foreignObject", "<image"})
    CHECK_MESSAGE(svg.find(banned) == std::string::npos, banned);
  CHECK(Count(svg, "<g") == Count(svg, "</g>"));
  CHECK(Count(svg, "<text") == Count(svg, "</text>"));
  CHECK(Count(svg, "<circle") == Count(svg, "</circle>"));
  // Every point has a tooltip.
  CHECK(svg.find("<title>2024-05-01T10:01:00Z c0ffee6: Progressing, weight 10%\ncanary test/podinfo: step at +60s"
                 "</title>") != std::string::npos);
}

TEST_CASE("HistoryChart: each metric is a panel of its own scale, no data breaks the line") {
  Timeline t{"test/podinfo",
             {Status(0, Phase::kInitialized, 0),
              Status(60, Phase::kProgressing, 10, {M("request-success-rate", 99.0), M("latency", 200.0)}),
              Status(120, Phase::kProgressing, 20, {M("request-success-rate", 100.0), M("latency", std::nullopt)}),
              Status(180, Phase::kSucceeded, 0, {M("request-success-rate", 98.0), M("latency", 300.0)})}};
  const std::string svg = HistoryChartSvg(t);
  // span 180 s, frame 202.5 s: x = 72 + dt * 864 / 202.5 -> 328, 584, 840.
  // Panel 0 (request-success-rate, 98..100) spans y 328..418: 99 -> 373, 100 -> 328, 98 -> 418.
  CHECK(svg.find("<g id=\"metric-0\" class=\"metric\">") != std::string::npos);
  CHECK(svg.find("<polyline class=\"metric-line\" points=\"328,373 584,328 840,418\"") != std::string::npos);
  CHECK(svg.find("<text x=\"72\" y=\"320\" font-weight=\"bold\" fill=\"#c2571a\">request-success-rate</text>") !=
        std::string::npos);
  // Panel 1 (latency, 200..300) spans y 462..552: two lone points either side of a gap, so no line.
  const std::string latency = svg.substr(svg.find("<g id=\"metric-1\""));
  CHECK(latency.find("metric-line") == std::string::npos);
  CHECK(latency.find("<circle cx=\"328\" cy=\"552\"") != std::string::npos);
  CHECK(latency.find("<circle cx=\"840\" cy=\"462\"") != std::string::npos);
  CHECK(latency.find("<g class=\"no-data\">") != std::string::npos);
  CHECK(latency.find("<text x=\"584\" y=\"549\" text-anchor=\"middle\" fill=\"#d93b3b\">") != std::string::npos);
  // Two panels: the bottom is 284 + 2 * 134 = 552, the height 604.
  CHECK(svg.find("height=\"604\"") != std::string::npos);
  // The weight returns to 0 on success: ... 840,244 840,284 936,284.
  CHECK(svg.find("840,244 840,284 936,284\"") != std::string::npos);
  // Bands in every panel (weight + 2 metrics), green for the outcome.
  CHECK(Count(svg, "<rect class=\"phase Succeeded\"") == 3);
  CHECK(svg.find("fill=\"#2e9e44\"") != std::string::npos);
  CHECK(svg.find(">test/podinfo: Succeeded<") != std::string::npos);
}

TEST_CASE("HistoryChart: a metric's threshold is a dashed line inside its scale, failed checks are red dots") {
  Timeline t{"test/podinfo",
             {Status(0, Phase::kProgressing, 10, {M("rate", 99.0, 95.0)}),
              Status(60, Phase::kProgressing, 10, {M("rate", 100.0, 95.0)}),
              Status(120, Phase::kProgressing, 10, {M("rate", 98.0, 95.0)})}};
  t.rows[1].failed_checks = 1;
  const std::string svg = HistoryChartSvg(t);
  // Scale 95..100 over y 328..418 (18 per unit): 99 -> 346, 100 -> 328, 98 -> 364, the minimum 95 -> 418.
  CHECK(svg.find("<polyline class=\"metric-line\" points=\"72,346 456,328 840,364\"") != std::string::npos);
  CHECK(svg.find("<line x1=\"72\" y1=\"418\" x2=\"936\" y2=\"418\" class=\"threshold\" stroke=\"#d93b3b\" "
                 "stroke-dasharray=\"6 3\"/>") != std::string::npos);
  CHECK(svg.find("<text x=\"932\" y=\"414\" text-anchor=\"end\" fill=\"#d93b3b\">min 95</text>") !=
        std::string::npos);
  CHECK(svg.find(">95<") != std::string::npos);  // the scale's bottom label
  // The weight dot of the commit with a failed check (x 456, weight 10 -> y 264) is red.
  CHECK(svg.find("<circle cx=\"456\" cy=\"264\" r=\"3\" fill=\"#d93b3b\"><title>2024-05-01T10:01:00Z c0ffee6: "
                 "Progressing, weight 10%, failed checks 1\n") != std::string::npos);
  CHECK(svg.find("<circle cx=\"72\" cy=\"264\" r=\"3\" fill=\"#1b3a6b\">") != std::string::npos);
  CHECK(svg.find(">failed checks<") != std::string::npos);
}

TEST_CASE("HistoryChart: a failure is red, app changes are dashed lines, the legend lists what is drawn") {
  HistoryRow change;
  change.kind = HistoryRow::Kind::kChange;
  change.commit = "abcdef0123456789";
  change.time = kT + 60;
  change.subject = "podinfo: image 6.0.1 <beta> & more";
  Timeline t{"test/podinfo",
             {Status(0, Phase::kSucceeded, 0), change, Status(120, Phase::kProgressing, 10),
              Status(240, Phase::kFailed, 0)}};
  const std::string svg = HistoryChartSvg(t);
  CHECK(svg.find(">test/podinfo: Failed<") != std::string::npos);
  CHECK(svg.find("<rect class=\"phase Failed\"") != std::string::npos);
  CHECK(svg.find("fill=\"#d93b3b\"") != std::string::npos);
  // The change is not a point of the weight line: frame 270 s, x = 72 + 3.2 dt -> 72, 456, 840, 936.
  CHECK(svg.find("points=\"72,284 456,284 456,264 840,264 840,284 936,284\"") != std::string::npos);
  // The change: x = 72 + 60 * 3.2 = 264, a dashed line over the weight panel, its subject escaped.
  CHECK(svg.find("<line x1=\"264\" y1=\"84\" x2=\"264\" y2=\"284\" stroke=\"#555555\" stroke-dasharray=\"4 3\"/>") !=
        std::string::npos);
  CHECK(svg.find("podinfo: image 6.0.1 &lt;beta&gt; &amp; more") != std::string::npos);
  CHECK(svg.find("<beta>") == std::string::npos);
  // The Succeeded band of the first row runs to the next status row, past the change.
  CHECK(svg.find("<rect class=\"phase Succeeded\" x=\"72\" y=\"84\" width=\"384\"") != std::string::npos);
  const std::string legend = svg.substr(svg.find("<g id=\"legend\">"), svg.find("<g id=\"weight-panel\">") - svg.find("<g id=\"legend\">"));
  CHECK(legend.find(">canary weight<") != std::string::npos);
  CHECK(legend.find(">Progressing<") != std::string::npos);
  CHECK(legend.find(">Succeeded<") != std::string::npos);
  CHECK(legend.find(">Failed<") != std::string::npos);
  CHECK(legend.find(">app change<") != std::string::npos);
  CHECK(legend.find(">Promoting<") == std::string::npos);
}

TEST_CASE("HistoryChart: a timeline over days labels ticks with the date") {
  Timeline t{"test/podinfo", {Status(0, Phase::kProgressing, 10), Status(2 * 86400, Phase::kSucceeded, 0)}};
  const std::string svg = HistoryChartSvg(t);
  // Frame 2 d 6 h: 12 h ticks, the first at 12:00 on the first day.
  CHECK(svg.find(">05-01 12:00<") != std::string::npos);
  CHECK(svg.find(">05-02 00:00<") != std::string::npos);
  CHECK(svg.find(">time (UTC)<") != std::string::npos);
}

TEST_CASE("HistoryChart: a single row draws its state for a minute") {
  Timeline t{"test/podinfo", {Status(0, Phase::kInitialized, 0)}};
  const std::string svg = HistoryChartSvg(t);
  CHECK(svg.find("points=\"72,284 936,284\"") != std::string::npos);
  CHECK(svg.find(">1 status change, ") != std::string::npos);
  CHECK(svg.find(">test/podinfo: Initialized at 0%<") != std::string::npos);
  CHECK(HistoryChartSvg(Timeline{"test/empty", {}}).find(">test/empty: no status<") != std::string::npos);
}

TEST_CASE("HistoryChart: time and number formats") {
  CHECK(FormatUtcSeconds(0) == "1970-01-01T00:00:00Z");
  CHECK(FormatUtcSeconds(-1) == "1969-12-31T23:59:59Z");
  CHECK(FormatUtcSeconds(951782400) == "2000-02-29T00:00:00Z");
  CHECK(FormatUtcSeconds(kT + 3723) == "2024-05-01T11:02:03Z");
  CHECK(FormatMetricValue(99.823456) == "99.82");
  CHECK(FormatMetricValue(212) == "212");
  CHECK(FormatMetricValue(0.5) == "0.5");
  CHECK(FormatMetricValue(100.0) == "100");
  CHECK(FormatMetricValue(-0.001) == "0");
}

}  // namespace
}  // namespace gitcanary::policies
