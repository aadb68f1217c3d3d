// The words of a canary's history: reading metric values back from a status
// commit's line and from its analysis note, and writing the timeline as a
// table or as JSON. No I/O; history_command.h reads git.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "policies/presentation/history_chart.h"

namespace gitcanary::policies {

// The line of a commit message about canary `id` ("canary ID: ..."), else
// the message's first line.
std::string SubjectFor(const std::string& message, const std::string& id);

// The metric values in the evidence of such a line:
//   "canary t/p: weight 10 -> 20 (request-success-rate 99.82 >= 95; latency no data)"
// gives request-success-rate 99.82 and latency without a value. Parts that are
// not a metric verdict ("pre-rollout checks passed", "weight 20 -> 30") are
// ignored.
std::vector<policies::HistoryMetric> MetricsFromSubject(const std::string& line);

// The metric values of canary `id` in an analysis note (the lines
// "  metric NAME: QUERY = VALUE" of its "canary ID" section); a VALUE that is
// not a number (an error text) has no value. nullopt: no section for `id`.
std::optional<std::vector<policies::HistoryMetric>> MetricsFromNote(const std::string& note, const std::string& id);

// The lines of canary `id`'s section in an analysis note, without their
// indent ("transition: ...", "metric NAME: QUERY = VALUE", "webhook NAME:
// ..."); empty when the note has no section for `id`.
std::vector<std::string> NoteSection(const std::string& note, const std::string& id);

// The timeline as an aligned table: TIME PHASE WEIGHT FAILED ITER METRICS COMMIT SUBJECT;
// an error row has PHASE `error` and its error after the subject.
std::string HistoryTable(const policies::Timeline& timeline);

// The timeline as a JSON array of {commit, time, kind, phase, weight,
// failed_checks, iterations, metrics: {name: value|null}, subject, action,
// error}; kind is status, change or error; a `change` or `error` row has null
// phase, weight, failed_checks and iterations; action is the operator command
// that made a status commit (else null), error the broken status's (else null).
std::string HistoryJson(const policies::Timeline& timeline);

}  // namespace gitcanary::policies
