#include "policies/presentation/history_chart.h"

#include <algorithm>
#include <cstdio>

#include "render/xml_escape.h"

namespace gitcanary::policies {

namespace {

// Layout, in SVG user units (pixels).
constexpr int kWidth = 960;
constexpr int kLeft = 72;              // plot area starts here (y labels to its left)
constexpr int kRight = kWidth - 24;    // and ends here
constexpr int kWeightTop = 84;
constexpr int kWeightHeight = 200;
constexpr int kMetricGap = 44;         // above each metric panel, for its title
constexpr int kMetricHeight = 90;
constexpr int kMaxTicks = 8;
constexpr const char* kGrid = "#e3e3e3";
constexpr const char* kInk = "#333333";
constexpr const char* kWeightColour = "#1b3a6b";
constexpr const char* kFailedColour = "#d93b3b";
constexpr const char* kMetricColours[] = {"#c2571a", "#0f8a8a", "#7a4fb0", "#a0822a", "#b0306b", "#4d7a2a"};

using Rows = std::vector<HistoryRow>;

std::string Num(double v) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  std::string s = buf;
  if (s.size() > 2 && s.compare(s.size() - 2, 2, ".0") == 0) s.resize(s.size() - 2);
  return s == "-0" ? "0" : s;
}

const char* PhaseColour(Phase p) {
  switch (p) {
    case Phase::kWaiting:
    case Phase::kWaitingPromotion: return "#f0a30a";
    case Phase::kProgressing: return "#3b7dd8";
    case Phase::kPromoting: return "#8e5cc7";
    case Phase::kFinalising: return "#4f6fb0";
    case Phase::kSucceeded: return "#2e9e44";
    case Phase::kFailed: return "#d93b3b";
    default: return "#9e9e9e";
  }
}

struct Civil {
  long long year;
  int month, day, hour, minute, second;
};

Civil ToCivil(long long t) {
  long long days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
  const long long secs = t - days * 86400;
  const long long z = days + 719468;
  const long long era = (z >= 0 ? z : z - 146096) / 146097;
  const long long doe = z - era * 146097;
  const long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const long long mp = (5 * doy + 2) / 153;
  const int day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return {yoe + era * 400 + (month <= 2 ? 1 : 0), month, day, static_cast<int>(secs / 3600),
          static_cast<int>(secs / 60 % 60), static_cast<int>(secs % 60)};
}

// The time frame: x of a time, the ticks and their labels.
struct Frame {
  long long t0 = 0;
  double end = 1;  // the last row's time plus the tail where the last state is drawn

  double X(double t) const { return kLeft + (t - static_cast<double>(t0)) * (kRight - kLeft) / (end - t0); }
};

Frame FrameOf(const Rows& rows) {
  Frame f;
  if (rows.empty()) return f;
  f.t0 = rows.front().time;
  const long long span = rows.back().time - f.t0;
  f.end = static_cast<double>(rows.back().time) + (span > 0 ? span / 8.0 : 60.0);
  return f;
}

long long TickStep(const Frame& f) {
  static constexpr long long kSteps[] = {1,    2,    5,     10,    15,    30,    60,     120,    300,    600,    900,
                                         1800, 3600, 7200,  10800, 21600, 43200, 86400,  172800, 604800, 2592000};
  for (long long step : kSteps)
    if ((f.end - f.t0) / step <= kMaxTicks) return step;
  return static_cast<long long>((f.end - f.t0) / kMaxTicks) + 1;
}

std::vector<long long> Ticks(const Frame& f, long long step) {
  std::vector<long long> out;
  long long t = f.t0 >= 0 ? (f.t0 + step - 1) / step * step : f.t0 / step * step;
  for (; t <= f.end; t += step) out.push_back(t);
  return out;
}

std::string TickLabel(long long t, long long step, bool one_day) {
  const Civil c = ToCivil(t);
  char buf[32];
  if (step < 60) std::snprintf(buf, sizeof buf, "%02d:%02d:%02d", c.hour, c.minute, c.second);
  else if (one_day) std::snprintf(buf, sizeof buf, "%02d:%02d", c.hour, c.minute);
  else if (step < 86400) std::snprintf(buf, sizeof buf, "%02d-%02d %02d:%02d", c.month, c.day, c.hour, c.minute);
  else std::snprintf(buf, sizeof buf, "%02d-%02d", c.month, c.day);
  return buf;
}

std::string Line(double x1, double y1, double x2, double y2, const std::string& attrs) {
  return "<line x1=\"" + Num(x1) + "\" y1=\"" + Num(y1) + "\" x2=\"" + Num(x2) + "\" y2=\"" + Num(y2) + "\" " +
         attrs + "/>\n";
}

std::string Text(double x, double y, const std::string& text, const std::string& attrs = "") {
  return "<text x=\"" + Num(x) + "\" y=\"" + Num(y) + "\"" + (attrs.empty() ? "" : " " + attrs) + ">" +
         render::EscapeXml(text) + "</text>\n";
}

std::string RowTooltip(const HistoryRow& r) {
  std::string head = FormatUtcSeconds(r.time) + " " + r.commit.substr(0, 7);
  if (r.kind == HistoryRow::Kind::kStatus)
    head += ": " + std::string(PhaseName(r.phase)) + ", weight " + std::to_string(r.weight) + "%" +
            (r.failed_checks > 0 ? ", failed checks " + std::to_string(r.failed_checks) : "");
  return "<title>" + render::EscapeXml(head + "\n" + r.subject) + "</title>";
}

// Background of one panel: phase bands, time grid and app-change lines.
std::string PanelBackground(const Rows& rows, const Frame& f, const std::vector<long long>& ticks, double top,
                            double height) {
  std::string out = "<g class=\"phases\">\n";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].kind != HistoryRow::Kind::kStatus) continue;
    std::size_t next = i + 1;
    while (next < rows.size() && rows[next].kind != HistoryRow::Kind::kStatus) ++next;
    const double x1 = f.X(rows[i].time), x2 = next < rows.size() ? f.X(rows[next].time) : kRight;
    if (x2 <= x1) continue;
    out += "<rect class=\"phase " + std::string(PhaseName(rows[i].phase)) + "\" x=\"" + Num(x1) + "\" y=\"" +
           Num(top) + "\" width=\"" + Num(x2 - x1) + "\" height=\"" + Num(height) + "\" fill=\"" +
           PhaseColour(rows[i].phase) + "\" fill-opacity=\"0.18\"/>\n";
  }
  out += "</g>\n";
  for (long long t : ticks) out += Line(f.X(t), top, f.X(t), top + height, "stroke=\"" + std::string(kGrid) + "\"");
  for (const HistoryRow& r : rows) {
    if (r.kind != HistoryRow::Kind::kChange) continue;
    out += "<g class=\"change\">" + RowTooltip(r) + "\n" +
           Line(f.X(r.time), top, f.X(r.time), top + height, "stroke=\"#555555\" stroke-dasharray=\"4 3\"") + "</g>\n";
  }
  return out;
}

std::string Border(double top, double height) {
  return "<rect x=\"" + Num(kLeft) + "\" y=\"" + Num(top) + "\" width=\"" + Num(kRight - kLeft) + "\" height=\"" +
         Num(height) + "\" fill=\"none\" stroke=\"#999999\"/>\n";
}

std::string Dot(double x, double y, const char* colour, const HistoryRow& r) {
  return "<circle cx=\"" + Num(x) + "\" cy=\"" + Num(y) + "\" r=\"3\" fill=\"" + colour + "\">" + RowTooltip(r) +
         "</circle>\n";
}

std::string WeightPanel(const Rows& rows, const Frame& f, const std::vector<long long>& ticks) {
  const auto y = [](long long w) { return kWeightTop + kWeightHeight * (100.0 - w) / 100.0; };
  std::string out = "<g id=\"weight-panel\">\n" + PanelBackground(rows, f, ticks, kWeightTop, kWeightHeight);
  for (int w = 0; w <= 100; w += 25) {
    if (w > 0 && w < 100) out += Line(kLeft, y(w), kRight, y(w), "stroke=\"" + std::string(kGrid) + "\"");
    out += Text(kLeft - 6, y(w) + 4, std::to_string(w) + "%", "text-anchor=\"end\"");
  }
  out += Border(kWeightTop, kWeightHeight);
  out += Text(20, kWeightTop + kWeightHeight / 2.0, "canary weight",
              "text-anchor=\"middle\" transform=\"rotate(-90 20 " + Num(kWeightTop + kWeightHeight / 2.0) + ")\"");
  std::vector<std::pair<double, double>> points;
  auto add = [&points](double px, double py) {
    if (points.empty() || points.back() != std::make_pair(px, py)) points.emplace_back(px, py);
  };
  std::string dots;
  for (const HistoryRow& r : rows) {
    if (r.kind != HistoryRow::Kind::kStatus) continue;
    if (!points.empty()) add(f.X(r.time), points.back().second);
    add(f.X(r.time), y(r.weight));
    dots += Dot(f.X(r.time), y(r.weight), r.failed_checks > 0 ? kFailedColour : kWeightColour, r);
  }
  if (!points.empty()) add(kRight, points.back().second);
  std::string pts;
  for (const auto& [px, py] : points) {
    if (!pts.empty()) pts += ' ';
    pts += Num(px);
    pts += ',';
    pts += Num(py);
  }
  out += "<polyline id=\"weight-line\" points=\"" + pts + "\" fill=\"none\" stroke=\"" + kWeightColour +
         "\" stroke-width=\"2.5\" stroke-linejoin=\"round\"/>\n" + dots + "</g>\n";
  return out;
}

std::vector<std::string> MetricNames(const Rows& rows) {
  std::vector<std::string> names;
  for (const HistoryRow& r : rows)
    for (const HistoryMetric& m : r.metrics)
      if (std::find(names.begin(), names.end(), m.name) == names.end()) names.push_back(m.name);
  return names;
}

const HistoryMetric* MetricOf(const HistoryRow& r, const std::string& name) {
  for (const HistoryMetric& m : r.metrics)
    if (m.name == name) return &m;
  return nullptr;
}

// A metric's scale: min..max of its values and latest thresholds (nudged
// apart when equal), and those thresholds.
struct Scale {
  double lo = 0, hi = 0;
  std::optional<double> min, max;
};

Scale ScaleOf(const Rows& rows, const std::string& name) {
  Scale s;
  bool any = false;
  auto include = [&](double v) {
    s.lo = any ? std::min(s.lo, v) : v;
    s.hi = any ? std::max(s.hi, v) : v;
    any = true;
  };
  for (const HistoryRow& r : rows)
    if (const HistoryMetric* m = MetricOf(r, name); m != nullptr) {
      if (m->value) include(*m->value);
      if (m->min) s.min = m->min;
      if (m->max) s.max = m->max;
    }
  if (s.min) include(*s.min);
  if (s.max) include(*s.max);
  if (s.hi == s.lo) s.lo -= 1, s.hi += 1;
  return s;
}

std::string Threshold(double y, double top, const std::string& label) {
  return Line(kLeft, y, kRight, y, "class=\"threshold\" stroke=\"" + std::string(kFailedColour) +
                                      "\" stroke-dasharray=\"6 3\"") +
         Text(kRight - 4, y - top < 14 ? y + 12 : y - 4, label, "text-anchor=\"end\" fill=\"" + std::string(kFailedColour) + "\"");
}

std::string MetricPanel(const Rows& rows, const Frame& f, const std::vector<long long>& ticks, std::size_t index,
                        const std::string& name, double top) {
  const Scale s = ScaleOf(rows, name);
  const double lo = s.lo, hi = s.hi;
  const auto y = [&](double v) { return top + kMetricHeight * (hi - v) / (hi - lo); };
  const char* colour = kMetricColours[index % (sizeof kMetricColours / sizeof kMetricColours[0])];
  std::string out = "<g id=\"metric-" + std::to_string(index) + "\" class=\"metric\">\n";
  out += Text(kLeft, top - 8, name, "font-weight=\"bold\" fill=\"" + std::string(colour) + "\"");
  out += PanelBackground(rows, f, ticks, top, kMetricHeight);
  for (double v : {hi, (lo + hi) / 2, lo}) out += Text(kLeft - 6, y(v) + 4, FormatMetricValue(v), "text-anchor=\"end\"");
  out += Line(kLeft, y((lo + hi) / 2), kRight, y((lo + hi) / 2), "stroke=\"" + std::string(kGrid) + "\"");
  out += Border(top, kMetricHeight);
  if (s.min) out += Threshold(y(*s.min), top, "min " + FormatMetricValue(*s.min));
  if (s.max) out += Threshold(y(*s.max), top, "max " + FormatMetricValue(*s.max));
  std::vector<std::string> segments(1);
  std::string marks;
  for (const HistoryRow& r : rows) {
    const HistoryMetric* m = MetricOf(r, name);
    if (m == nullptr) continue;
    if (!m->value) {  // no data: break the line and mark the bottom edge
      if (!segments.back().empty()) segments.emplace_back();
      marks += "<g class=\"no-data\">" + RowTooltip(r) + "\n" +
               Text(f.X(r.time), top + kMetricHeight - 3, "×", "text-anchor=\"middle\" fill=\"#d93b3b\"") + "</g>\n";
      continue;
    }
    segments.back() += (segments.back().empty() ? "" : " ") + Num(f.X(r.time)) + "," + Num(y(*m->value));
    marks += Dot(f.X(r.time), y(*m->value), colour, r);
  }
  for (const std::string& s : segments)
    if (s.find(' ') != std::string::npos)  // a lone point is only its dot
      out += "<polyline class=\"metric-line\" points=\"" + s + "\" fill=\"none\" stroke=\"" + colour +
             "\" stroke-width=\"2\" stroke-linejoin=\"round\"/>\n";
  return out + marks + "</g>\n";
}

std::string Legend(const Rows& rows) {
  std::vector<std::pair<std::string, std::string>> items;  // (swatch svg at x=0, label)
  items.push_back({"<line x1=\"0\" y1=\"0\" x2=\"18\" y2=\"0\" stroke=\"" + std::string(kWeightColour) +
                       "\" stroke-width=\"2.5\"/>",
                   "canary weight"});
  if (std::any_of(rows.begin(), rows.end(), [](const HistoryRow& r) {
        return r.kind == HistoryRow::Kind::kStatus && r.failed_checks > 0;
      }))
    items.push_back({"<circle cx=\"9\" cy=\"0\" r=\"3\" fill=\"" + std::string(kFailedColour) + "\"/>", "failed checks"});
  for (int p = static_cast<int>(Phase::kInitializing); p <= static_cast<int>(Phase::kFailed); ++p) {
    const Phase phase = static_cast<Phase>(p);
    const bool present = std::any_of(rows.begin(), rows.end(), [phase](const HistoryRow& r) {
      return r.kind == HistoryRow::Kind::kStatus && r.phase == phase;
    });
    if (present)
      items.push_back({"<rect x=\"0\" y=\"-6\" width=\"18\" height=\"12\" fill=\"" + std::string(PhaseColour(phase)) +
                           "\" fill-opacity=\"0.35\"/>",
                       std::string(PhaseName(phase))});
  }
  if (std::any_of(rows.begin(), rows.end(), [](const HistoryRow& r) { return r.kind == HistoryRow::Kind::kChange; }))
    items.push_back({"<line x1=\"9\" y1=\"-7\" x2=\"9\" y2=\"7\" stroke=\"#555555\" stroke-dasharray=\"4 3\"/>",
                     "app change"});
  std::string out = "<g id=\"legend\">\n";
  int x = kLeft;
  for (const auto& [swatch, label] : items) {
    out += "<g transform=\"translate(" + std::to_string(x) + " 62)\">" + swatch + Text(24, 4, label) + "</g>\n";
    x += 40 + 6 * static_cast<int>(label.size());
  }
  return out + "</g>\n";
}

}  // namespace

std::string FormatMetricValue(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  std::string s = buf;
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  return s == "-0" ? "0" : s;
}

std::string FormatUtcSeconds(long long unix_seconds) {
  const Civil c = ToCivil(unix_seconds);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04lld-%02d-%02dT%02d:%02d:%02dZ", c.year, c.month, c.day, c.hour, c.minute,
                c.second);
  return buf;
}

std::string TimelineOutcome(const Timeline& timeline) {
  for (auto it = timeline.rows.rbegin(); it != timeline.rows.rend(); ++it) {
    if (it->kind != HistoryRow::Kind::kStatus) continue;
    if (it->phase == Phase::kSucceeded || it->phase == Phase::kFailed) return std::string(PhaseName(it->phase));
    return std::string(PhaseName(it->phase)) + " at " + std::to_string(it->weight) + "%";
  }
  return "no status";
}

std::string HistoryChartSvg(const Timeline& timeline) {
  const Rows& rows = timeline.rows;
  const Frame frame = FrameOf(rows);
  const long long step = TickStep(frame);
  const std::vector<long long> ticks = Ticks(frame, step);
  const std::vector<std::string> metrics = MetricNames(rows);
  const int bottom = kWeightTop + kWeightHeight + static_cast<int>(metrics.size()) * (kMetricGap + kMetricHeight);
  const int height = bottom + 52;
  const std::size_t changes = std::count_if(rows.begin(), rows.end(), [](const HistoryRow& r) {
    return r.kind == HistoryRow::Kind::kStatus;
  });
  const std::string title = timeline.id + ": " + TimelineOutcome(timeline);

  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"" + std::to_string(kWidth) +
         "\" height=\"" + std::to_string(height) + "\" viewBox=\"0 0 " + std::to_string(kWidth) + " " +
         std::to_string(height) + "\" font-family=\"sans-serif\" font-size=\"11\" fill=\"" + kInk + "\">\n";
  out += "<title>" + render::EscapeXml("canary " + title) + "</title>\n";
  out += "<rect width=\"" + std::to_string(kWidth) + "\" height=\"" + std::to_string(height) + "\" fill=\"#ffffff\"/>\n";
  out += Text(kLeft, 26, title, "id=\"title\" font-size=\"16\" font-weight=\"bold\"");
  std::string sub = std::to_string(changes) + (changes == 1 ? " status change" : " status changes");
  if (!rows.empty())
    sub += ", " + FormatUtcSeconds(rows.front().time) + " to " + FormatUtcSeconds(rows.back().time);
  out += Text(kLeft, 44, sub, "fill=\"#555555\"");
  out += Legend(rows);
  out += WeightPanel(rows, frame, ticks);
  int top = kWeightTop + kWeightHeight + kMetricGap;
  for (std::size_t i = 0; i < metrics.size(); ++i, top += kMetricGap + kMetricHeight)
    out += MetricPanel(rows, frame, ticks, i, metrics[i], top);

  const auto day = [](long long t) { return t >= 0 ? t / 86400 : (t - 86399) / 86400; };
  const bool one_day = rows.empty() || day(frame.t0) == day(static_cast<long long>(frame.end));
  out += "<g id=\"time-axis\">\n";
  for (long long t : ticks) out += Text(frame.X(t), bottom + 16, TickLabel(t, step, one_day), "text-anchor=\"middle\"");
  std::string axis = "time (UTC)";
  if (one_day && !rows.empty()) axis += ", " + FormatUtcSeconds(frame.t0).substr(0, 10);
  out += Text((kLeft + kRight) / 2.0, bottom + 38, axis, "text-anchor=\"middle\"");
  return out + "</g>\n</svg>\n";
}

}  // namespace gitcanary::policies
