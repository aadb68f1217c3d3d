// HistoryChart: a canary's timeline, as `gitcanary history` reads it from git,
// and the SVG picture of it. Pure: the timeline comes in, SVG text goes out,
// byte for byte the same for the same timeline (no clock, no locale, no I/O).
//
// The picture, top to bottom:
//   - a title with the canary id and its outcome, a subtitle with the time span,
//     and a legend (weight line, failed checks, the phases that occur, app
//     changes);
//   - the weight panel: the canary weight as a step line on a 0-100 % axis,
//     a dot per status commit, red when it recorded failed checks;
//   - one small panel per metric, each on its own scale (min..max of its values
//     and its latest threshold, drawn as a dashed red line), a point per status
//     commit that recorded the metric, and the line broken where a metric had
//     no data (a red x on the panel's bottom edge);
//   - in every panel, bands coloured by phase (grey before the analysis, blue
//     Progressing, amber while waiting for a gate, purple Promoting/Finalising,
//     green Succeeded, red Failed) and dashed lines at commits that changed the
//     app; the time axis (UTC) under the last panel.
// The last state is drawn for an extra eighth of the span (60 s for a
// one-row timeline) so the outcome band is visible. Every point carries a
// <title> (a hover tooltip) with its time, phase, weight and commit subject.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/phase.h"

namespace gitcanary::policies {

struct HistoryMetric {
  std::string name;
  std::optional<double> value;  // nullopt: the query had no data or failed
  std::optional<double> min, max;  // the threshold range, when the commit line gives it
};

struct HistoryRow {
  enum class Kind { kStatus, kChange };
  Kind kind = Kind::kStatus;  // kChange: a commit that changed the app, not the status
  std::string commit;         // full id
  long long time = 0;         // commit time, unix seconds
  Phase phase = Phase::kInitializing;  // the fields below are meaningful for kStatus only
  long long weight = 0;
  long long failed_checks = 0;
  long long iterations = 0;
  std::vector<HistoryMetric> metrics;  // in the order recorded
  std::string subject;                 // the commit's line about this canary
};

struct Timeline {
  std::string id;                // "namespace/name"
  std::vector<HistoryRow> rows;  // oldest first
};

// A metric value in its shortest form up to two decimals: 99.82, 212, 0.5.
std::string FormatMetricValue(double v);

// "2024-05-01T10:00:00Z" for unix seconds.
std::string FormatUtcSeconds(long long unix_seconds);

// The outcome in words: "Succeeded", "Failed", "Progressing at 20%", or
// "no status" for a timeline without status rows.
std::string TimelineOutcome(const Timeline& timeline);

// The chart as a self-contained SVG 1.1 document (no scripts, no external
// fonts or images).
std::string HistoryChartSvg(const Timeline& timeline);

}  // namespace gitcanary::policies
