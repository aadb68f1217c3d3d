// Diff report: the output formats of `gitcanary diff`, built from the changes
// of every app (DiffObjects, StatusSummary, lint findings, render errors).
// Apps are written in the order given; every formatter is pure and
// byte-deterministic.
//
// Markdown (for PR comments): a title, a summary table
// (| app | added | removed | changed | renamed | notes |), then one
// `<details><summary>APP: +a -r ~c</summary>` section per app with its status
// lines, render errors, findings, and per resource a heading, its field changes
// and (added/removed/changed) a ```diff block of its YAML. Output is split into
// chunks of at most max_chunk bytes (values below kMinMarkdownChunk are raised
// to it), at app sections when possible; a section bigger than a chunk is split
// inside, closing and reopening the fence and the <details> ("(continued)").
// Every chunk is standalone Markdown. Lines longer than a quarter of a chunk are
// cut with "…".
//
// Unified (for patch-like tooling): per app, `# `-prefixed comment lines
//   # app: APP
//   # status: canary test/podinfo: weight 10 -> 20, phase Progressing
//   # render error: head: file:1:2: message
//   # warning: file:3: message (rule)     (a finding; "# error:" for an error one)
//   # renamed: OLDKEY -> NEWKEY
// then per resource `--- a/APP/KEY` / `+++ b/APP/KEY` (/dev/null for the
// absent side; a rename goes from a/APP/OLDKEY to b/APP/NEWKEY) and the hunks.
// Apps with nothing to report are left out. "" when nothing is reported.
//
// JSON (2-space indent, keys in this order; "?" marks optional keys):
//   {"base","head","apps":[{"app","added","removed","changed","renamed",
//     "status":[str],"errors":[str],
//     "findings":[{"severity","file","line","rule","message"}],
//     "resources":[{"change":"added|removed|changed|renamed","apiVersion",
//       "kind","namespace","name","renamedFrom"?:{"apiVersion","kind",
//       "namespace","name"},"fields":[{"path","before"?,"after"?}]}]}]}
// "namespace" is "" when the object has none; before/after are left out when
// that side of the field is absent.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/finding.h"
#include "render/object_diff.h"

namespace gitcanary::render {

inline constexpr std::size_t kMinMarkdownChunk = 2048;

struct AppDiff {
  std::string app;                         // path in the repo
  std::vector<ResourceChange> changes;     // DiffObjects
  std::vector<std::string> status_lines;   // StatusSummary
  std::vector<Finding> findings;           // lint of the head revision
  std::vector<std::string> errors;         // per-revision render errors, "head: file:line:col: msg"
};

struct DiffReport {
  std::string base, head;  // revisions as given
  std::vector<AppDiff> apps;
};

std::vector<std::string> FormatMarkdown(const DiffReport& report, std::size_t max_chunk = 65536);
std::string FormatUnified(const DiffReport& report);
std::string FormatJson(const DiffReport& report);

// Any resource change or status line in any app (errors and findings do not count).
bool HasChanges(const DiffReport& report);

}  // namespace gitcanary::render
