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

TEST_CASE("HistoryChart: the legend wraps inside the canvas and pushes the panels down") {
  // Every phase, failed checks, a broken status, an app change and all four
  // operator actions, and the weight line: 17 legend items, far wider than one 864-unit row.
  Timeline t{"test/podinfo", {}};
  long long dt = 0;
  for (Phase p : {Phase::kInitializing, Phase::kInitialized, Phase::kWaiting, Phase::kProgressing,
                  Phase::kWaitingPromotion, Phase::kPromoting, Phase::kFinalising, Phase::kSucceeded, Phase::kFailed})
    t.rows.push_back(Status(dt += 60, p, 10));
  t.rows[3].failed_checks = 1;
  for (const char* action : {"approve", "abort", "promote", "retry"}) {
    t.rows.push_back(Status(dt += 60, Phase::kProgressing, 20));
    t.rows.back().action = action;
  }
  HistoryRow change;
  change.kind = HistoryRow::Kind::kChange;
  change.commit = "abcdef0123456789";
  change.time = kT + (dt += 60);
  change.subject = "podinfo: image 6.0.1";
  t.rows.push_back(change);
  HistoryRow broken;
  broken.kind = HistoryRow::Kind::kError;
  broken.commit = "bad0000000000000";
  broken.time = kT + (dt += 60);
  broken.subject = "tune: weight 150";
  broken.error = "s.yaml:8:17: status.canaryWeight: must be between 0 and 100, got 150";
  t.rows.push_back(broken);
  const std::string svg = HistoryChartSvg(t);
  const std::size_t begin = svg.find("<g id=\"legend\">"), end = svg.find("<g id=\"weight-panel\">");
  const std::string legend = svg.substr(begin, end - begin);
  // Each item: translate(X Y), an 18-wide swatch, the label from X + 24. At
  // 11 units a sans-serif character is under 7 wide, so the label ends
  // before X + 24 + 7 * length, which must be inside the 960-wide canvas.
  std::size_t items = 0, rows = 0;
  std::string last_y;
  for (std::size_t at = legend.find("translate("); at != std::string::npos; at = legend.find("translate(", at + 1)) {
    const std::size_t space = legend.find(' ', at), close = legend.find(')', at);
    const int x = std::stoi(legend.substr(at + 10, space - at - 10));
    const std::string y = legend.substr(space + 1, close - space - 1);
    const std::size_t label_at = legend.find("\">", legend.find("<text", at)) + 2;
    const std::string label = legend.substr(label_at, legend.find("</text>", label_at) - label_at);
    CAPTURE(label);
    CHECK(x >= 72);
    CHECK(x + 24 + 7 * static_cast<int>(label.size()) <= 960);
    if (y != last_y) ++rows, last_y = y;
    ++items;
  }
  CHECK(items == 17);
  CHECK(rows >= 2);
  for (const char* label : {">WaitingPromotion<", ">Failed<", ">failed checks<", ">status broken<", ">app change<",
                            ">gitcanary approve<", ">gitcanary abort<", ">gitcanary promote<", ">gitcanary retry<"})
    CHECK_MESSAGE(legend.find(label) != std::string::npos, label);
  // Each further legend row moves the weight panel (84 with one row) down by 18.
  const std::string top = std::to_string(84 + 18 * static_cast<int>(rows - 1));
  CHECK(svg.find("<rect x=\"72\" y=\"" + top + "\" width=\"864\" height=\"200\" fill=\"none\"") != std::string::npos);
  const int height = 84 + 18 * static_cast<int>(rows - 1) + 200 + 52;
  CHECK(svg.find("height=\"" + std::to_string(height) + "\" viewBox=\"0 0 960 " + std::to_string(height) + "\"") !=
        std::string::npos);
}

TEST_CASE("HistoryChart: a long canary id is cut to the canvas in the title, whole in the document title") {
  const std::string id = "a-namespace-with-a-long-name/" + std::string(120, 'x');
  Timeline t{id, {Status(0, Phase::kProgressing, 10)}};
  const std::string svg = HistoryChartSvg(t);
  const std::size_t at = svg.find("id=\"title\"");
  const std::string shown = svg.substr(svg.find('>', at) + 1, svg.find("</text>", at) - svg.find('>', at) - 1);
  // 16-unit bold text is under 10 units a character: 86 characters fit 864 units.
  CHECK(shown.size() <= 86 + 2);  // "…" is 3 bytes, one character
  CHECK(shown.substr(shown.size() - 3) == "…");
  CHECK(shown.rfind("a-namespace-with-a-long-name/xxx", 0) == 0);
  CHECK(svg.find("<title>canary " + id + ": Progressing at 10%: ") != std::string::npos);
}

TEST_CASE("HistoryChart: operator actions are marked and named on the timeline") {
  Timeline t = ThreeSteps();
  t.rows[1].action = "approve";
  t.rows[2].action = "abort";
  t.rows[2].phase = Phase::kFailed;
  t.rows[2].weight = 0;
  const std::string svg = HistoryChartSvg(t);
  // x 456 and 840 (as in the 3-step test): a solid line over the weight panel
  // (84..284) and over every other panel, a flag and the name at the top.
  CHECK(svg.find("<g class=\"action approve\">") != std::string::npos);
  CHECK(svg.find("<line x1=\"456\" y1=\"84\" x2=\"456\" y2=\"284\" stroke=\"#2e7d32\" stroke-width=\"1.5\"/>") !=
        std::string::npos);
  CHECK(svg.find("<line x1=\"840\" y1=\"84\" x2=\"840\" y2=\"284\" stroke=\"#b71c1c\" stroke-width=\"1.5\"/>") !=
        std::string::npos);
  CHECK(svg.find("<text x=\"460\" y=\"102\" font-weight=\"bold\" fill=\"#2e7d32\">approve</text>") != std::string::npos);
  CHECK(svg.find("<text x=\"844\" y=\"102\" font-weight=\"bold\" fill=\"#b71c1c\">abort</text>") != std::string::npos);
  CHECK(svg.find("<path d=\"M451 84 L461 84 L456 91 Z\" fill=\"#2e7d32\"/>") != std::string::npos);
  CHECK(svg.find("Progressing, weight 10%, gitcanary approve\n") != std::string::npos);  // the tooltip
  CHECK(svg.find(">gitcanary approve<") != std::string::npos);
  CHECK(svg.find(">gitcanary promote<") == std::string::npos);  // only what occurs
  // How history recognises them: the operator command named in the message.
  CHECK(OperatorActionOf("canary test/podinfo: approved (weight 20 -> 30)\n\nRequested with `gitcanary approve`.\n") ==
        "approve");
  CHECK(OperatorActionOf("canary t/p: rolled back\n\nit broke prod\n\nRequested with `gitcanary abort`.\n") == "abort");
  CHECK(OperatorActionOf("canary t/p: x\n\nRequested by Ann <ann@example.com> with `gitcanary retry --repo r`.\n") ==
        "retry");
  CHECK(OperatorActionOf("canary t/p: weight 0 -> 10 (request-success-rate 99 >= 95)") == "");
  CHECK(OperatorActionOf("podinfo: image 6.0.1") == "");
}

TEST_CASE("HistoryChart: an app change's line carries its commit subject, escaped and cut") {
  HistoryRow change;
  change.kind = HistoryRow::Kind::kChange;
  change.commit = "abcdef0123456789";
  change.time = kT + 60;
  change.subject = "podinfo: image 6.0.1 <beta> & more";
  HistoryRow short_change = change;
  short_change.time = kT + 180;
  short_change.subject = "podinfo: 6.0.2";
  Timeline t{"test/podinfo",
             {Status(0, Phase::kSucceeded, 0), change, Status(120, Phase::kProgressing, 10), short_change,
              Status(240, Phase::kFailed, 0)}};
  const std::string svg = HistoryChartSvg(t);
  // Frame 270 s: x = 72 + 3.2 dt -> 264 and 648. The label runs up the line,
  // 3 to its left, from 4 above the weight panel's bottom (284): 27
  // characters and "…" (the subject has 34).
  CHECK(svg.find("<text x=\"261\" y=\"280\" class=\"change-label\" fill=\"#555555\" transform=\"rotate(-90 261 280)\">"
                 "podinfo: image 6.0.1 &lt;beta&gt;…</text>") != std::string::npos);
  CHECK(svg.find("<text x=\"645\" y=\"280\" class=\"change-label\" fill=\"#555555\" transform=\"rotate(-90 645 280)\">"
                 "podinfo: 6.0.2</text>") != std::string::npos);
  // Only in the weight panel: metric panels keep the bare line.
  std::size_t labels = 0;
  for (std::size_t at = svg.find("change-label"); at != std::string::npos; at = svg.find("change-label", at + 1)) ++labels;
  CHECK(labels == 2);
}

TEST_CASE("HistoryChart: the title and subtitle cover the rows shown") {
  Timeline t{"test/podinfo",
             {Status(0, Phase::kProgressing, 10), Status(60, Phase::kProgressing, 20), Status(120, Phase::kSucceeded, 0)}};
  t.truncated = true;  // history --limit 3 of a longer history
  CHECK(TimelineRange(t) ==
        "the newest 3 status changes, 2024-05-01T10:00:00Z to 2024-05-01T10:02:00Z (older ones not shown)");
  const std::string svg = HistoryChartSvg(t);
  CHECK(svg.find(">the newest 3 status changes, 2024-05-01T10:00:00Z to 2024-05-01T10:02:00Z (older ones not "
                 "shown)<") != std::string::npos);
  CHECK(svg.find("<title>canary test/podinfo: Succeeded: the newest 3 status changes, 2024-05-01T10:00:00Z to "
                 "2024-05-01T10:02:00Z (older ones not shown)</title>") != std::string::npos);
  t.truncated = false;
  CHECK(TimelineRange(t) == "3 status changes, 2024-05-01T10:00:00Z to 2024-05-01T10:02:00Z");
  // An error row is a state of its own: it counts, it is the outcome, its band is dark red.
  HistoryRow broken;
  broken.kind = HistoryRow::Kind::kError;
  broken.commit = "bad1234000000000";
  broken.time = kT + 180;
  broken.subject = "tune: weight 150";
  broken.error = "s.yaml:8:17: status.canaryWeight: must be between 0 and 100, got 150";
  t.rows.push_back(broken);
  CHECK(TimelineRange(t) == "4 status changes, 2024-05-01T10:00:00Z to 2024-05-01T10:03:00Z");
  CHECK(TimelineOutcome(t) == "status broken at bad1234");
  const std::string with_error = HistoryChartSvg(t);
  CHECK(with_error.find(">test/podinfo: status broken at bad1234<") != std::string::npos);
  CHECK(with_error.find("<rect class=\"phase broken\"") != std::string::npos);
  CHECK(with_error.find("fill=\"#7f1d1d\" fill-opacity=\"0.3\"") != std::string::npos);
  CHECK(with_error.find("status broken: s.yaml:8:17: status.canaryWeight: must be between 0 and 100, got 150\n"
                        "tune: weight 150</title>") != std::string::npos);
  CHECK(with_error.find(">status broken<") != std::string::npos);
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
