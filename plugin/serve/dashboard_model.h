// DashboardModel: what the dashboard's pages show, as JSON built from the
// catalog of the branch head and a canary's timeline. Pure: no I/O, no clock;
// plugin/serve/dashboard_site.h serves it.
//
// The page builds its DOM from this JSON with textContent only, so text from
// git (names, reasons, commit subjects, note lines) is never markup. The JSON
// itself is written with '<', '>' and '&' as \u escapes, so even a client that
// sniffed it as HTML would find no tag in it. Repository URLs are shown
// without userinfo (no user, password or token), and no Secret value is ever
// part of the catalog or of a note.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "plugin/serve/canary_catalog.h"
#include "policies/presentation/history_chart.h"

namespace gitcanary::plugin {

struct DashboardOptions {
  std::string repo;        // as given to --repo; shown without userinfo
  std::string branch;
  std::string commit_url;  // "https://host/org/repo/commit/{sha}"; "" = commits not linked
  bool standalone = false; // `gitcanary dashboard` (no decisions) rather than serve
};

// `url` without its userinfo: "https://user:tok@host/r" -> "https://host/r".
// Paths and scp-like "user@host:path" (no secret in them) are kept.
std::string StripUserinfo(const std::string& url);

// The --commit-url template checked: "" or an http(s) URL holding "{sha}".
Status CheckCommitUrlTemplate(const std::string& tmpl);

// The template with every "{sha}" replaced by `sha`; "" when the template is
// empty or `sha` is not a hex commit id.
std::string CommitUrl(const std::string& tmpl, const std::string& sha);

// `text` with & < > " ' as HTML character references.
std::string HtmlEscape(std::string_view text);

// The operator commands that apply to a canary in its phase, as text to copy
// (README "Operators act through git"): approve at a gate its confirm-*
// webhook guards, abort while Waiting/Progressing/WaitingPromotion, promote
// while Progressing/WaitingPromotion, retry when Failed; status and history
// always.
std::vector<std::string> OperatorCommands(const CatalogEntry& e, const DashboardOptions& options);

// The overview: {head, branch, repo, standalone, canaries: [...], halted_apps: [...]}.
std::string OverviewJson(const Catalog& catalog, const std::string& head, const DashboardOptions& options);

// One canary's row of the overview, as JSON text (cached per entry by the site).
std::string CanaryRowJson(const CatalogEntry& e);

// The overview from rows already made by CanaryRowJson, in catalog order.
std::string OverviewJsonFromRows(const Catalog& catalog, const std::vector<const std::string*>& rows,
                                 const std::string& head, const DashboardOptions& options);

// A canary's page: its row, the operator commands, and the decisions newest
// first, each with its metrics against thresholds, the evidence lines of its
// analysis note (keyed by commit) and its commit link. `history_error` is
// shown instead of decisions when the timeline could not be read.
std::string CanaryPageJson(const CatalogEntry& e, const policies::Timeline& timeline,
                           const std::map<std::string, std::vector<std::string>>& evidence,
                           const std::string& history_error, const std::string& head, const DashboardOptions& options);

}  // namespace gitcanary::plugin
