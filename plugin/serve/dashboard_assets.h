// The dashboard's page, script and style, built into the binary from the
// files under plugin/serve/dashboard_assets/ (CMake writes them into a generated
// dashboard_assets.cc as string literals), so the page needs nothing from the
// network and nothing on disk.
#pragma once

namespace gitcanary::plugin {

extern const char kDashboardIndexHtml[];  // index.html: the shell both pages share
extern const char kDashboardJs[];         // dashboard.js
extern const char kDashboardCss[];        // dashboard.css

}  // namespace gitcanary::plugin
