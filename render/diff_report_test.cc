// Tests for the diff report formats: exact Markdown, unified and JSON text for
// a small report (worked out by hand), chunking limits and standalone validity,
// secret redaction in every format, HasChanges, determinism and speed.
#include <doctest/doctest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "render/diff_report.h"
#include "render/status_summary.h"
#include "render/loader.h"
#include "tests/slowdown.h"

namespace gitcanary::render {
namespace {

std::vector<Manifest> Parse(const std::string& text) {
  auto parsed = ParseManifests(text, "app.yaml");
  REQUIRE_MESSAGE(parsed.ok(), parsed.status().message());
  return std::move(*parsed);
}

std::string Cm(const std::string& name, const std::string& value) {
  return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\ndata:\n  key: " + value + "\n";
}

// One app, one changed ConfigMap, a status line, a render error and a finding.
DiffReport Small() {
  AppDiff app;
  app.app = "apps/web";
  app.changes = DiffObjects(Parse(Cm("cfg", "one")), Parse(Cm("cfg", "two")), {});
  app.status_lines = {"canary web: weight 0 -> 10, phase Progressing"};
  app.errors = {"base: a.yaml:1:2: bad"};
  app.findings = {Finding{Severity::kWarning, "a.yaml", 3, "no-metrics", "no metrics"}};
  return DiffReport{"main", "pr", {std::move(app)}};
}

const char* kSmallHunk = "@@ -3,4 +3,4 @@\n metadata:\n   name: cfg\n data:\n-  key: one\n+  key: two\n";

TEST_CASE("diff report: markdown of a small report") {
  const std::string expected = std::string() +
      "## gitcanary diff `main` -> `pr`\n\n"
      "| app | added | removed | changed | renamed | notes |\n|---|---:|---:|---:|---:|---|\n"
      "| `apps/web` | 0 | 0 | 1 | 0 | canary status changed, **1 render error**, 1 finding |\n\n"
      "<details><summary>apps/web: +0 -0 ~1 (1 render error)</summary>\n\n"
      "**Canary status**\n\n- canary web: weight 0 -\\> 10, phase Progressing\n\n"
      "**Render errors**\n\n- `base: a.yaml:1:2: bad`\n\n"
      "**Findings**\n\n- **warning** a.yaml:3: no metrics (no-metrics)\n\n"
      "**changed** `v1/ConfigMap/cfg`\n\n- `data.key`: `one` -> `two`\n\n"
      "```diff\n" + kSmallHunk + "```\n\n\n</details>\n\n";
  CHECK(FormatMarkdown(Small()) == std::vector<std::string>{expected});
}

TEST_CASE("diff report: unified output of a small report and of added, removed and renamed resources") {
  CHECK(FormatUnified(Small()) == std::string() +
                                      "# app: apps/web\n"
                                      "# status: canary web: weight 0 -> 10, phase Progressing\n"
                                      "# render error: base: a.yaml:1:2: bad\n"
                                      "# warning: a.yaml:3: no metrics (no-metrics)\n"
                                      "--- a/apps/web/v1/ConfigMap/cfg\n+++ b/apps/web/v1/ConfigMap/cfg\n" + kSmallHunk);
  AppDiff app;
  app.app = "x";
  app.changes = DiffObjects(Parse(Cm("old", "1") + "---\n" + Cm("gone", "2")), Parse(Cm("new", "1") + "---\n" + Cm("add", "3")), {});
  DiffReport r{"a", "b", {app, AppDiff{"quiet", {}, {}, {}, {}}}};
  CHECK(FormatUnified(r) ==
        "# app: x\n"
        "--- /dev/null\n+++ b/x/v1/ConfigMap/add\n@@ -0,0 +1,6 @@\n+apiVersion: v1\n+kind: ConfigMap\n+metadata:\n"
        "+  name: add\n+data:\n+  key: 3\n"
        "--- a/x/v1/ConfigMap/gone\n+++ /dev/null\n@@ -1,6 +0,0 @@\n-apiVersion: v1\n-kind: ConfigMap\n-metadata:\n"
        "-  name: gone\n-data:\n-  key: 2\n"
        "# renamed: v1/ConfigMap/old -> v1/ConfigMap/new\n"
        "--- a/x/v1/ConfigMap/old\n+++ b/x/v1/ConfigMap/new\n@@ -1,6 +1,6 @@\n apiVersion: v1\n kind: ConfigMap\n"
        " metadata:\n-  name: old\n+  name: new\n data:\n   key: 1\n");
}

TEST_CASE("diff report: json schema of a small report") {
  const std::string text = FormatJson(Small());
  CHECK(text.rfind("{\n  \"base\": \"main\",\n  \"head\": \"pr\",\n  \"apps\": [\n    {\n      \"app\": \"apps/web\",\n", 0) == 0);
  const auto j = nlohmann::json::parse(text);
  const auto& app = j["apps"][0];
  CHECK(app["added"] == 0);
  CHECK(app["changed"] == 1);
  CHECK(app["renamed"] == 0);
  CHECK(app["status"][0] == "canary web: weight 0 -> 10, phase Progressing");
  CHECK(app["errors"][0] == "base: a.yaml:1:2: bad");
  CHECK(app["findings"][0] == nlohmann::json{{"severity", "warning"}, {"file", "a.yaml"}, {"line", 3},
                                              {"rule", "no-metrics"}, {"message", "no metrics"}});
  const auto& res = app["resources"][0];
  CHECK(res["change"] == "changed");
  CHECK(res["apiVersion"] == "v1");
  CHECK(res["kind"] == "ConfigMap");
  CHECK(res["namespace"] == "");
  CHECK(res["name"] == "cfg");
  CHECK(!res.contains("renamedFrom"));
  CHECK(res["fields"] == nlohmann::json::parse(R"([{"path":"data.key","before":"one","after":"two"}])"));

  AppDiff renamed{"x", DiffObjects(Parse(Cm("old", "1")), Parse(Cm("new", "1") + "---\n" + Cm("add", "2")), {}), {}, {}, {}};
  const auto k = nlohmann::json::parse(FormatJson(DiffReport{"a", "b", {renamed}}));
  CHECK(k["apps"][0]["added"] == 1);
  CHECK(k["apps"][0]["renamed"] == 1);
  CHECK(k["apps"][0]["resources"][0]["fields"].empty());
  CHECK(k["apps"][0]["resources"][1]["renamedFrom"]["name"] == "old");
}

// Checks that a chunk is standalone Markdown: fences closed, <details> balanced.
void CheckStandalone(const std::string& chunk) {
  std::istringstream in(chunk);
  std::string line;
  std::size_t fence = 0;
  int details = 0;
  while (std::getline(in, line)) {
    const std::size_t run = line.find_first_not_of('`') == std::string::npos ? line.size() : line.find_first_not_of('`');
    if (fence == 0 && run >= 3) {
      fence = run;
      continue;
    }
    if (fence > 0) {
      if (run >= fence && run == line.size()) fence = 0;
      continue;
    }
    if (line.rfind("<details>", 0) == 0) ++details;
    if (line.rfind("</details>", 0) == 0) --details;
    CHECK(details >= 0);
  }
  CHECK(fence == 0);
  CHECK(details == 0);
}

AppDiff BigApp(const std::string& name, int keys) {
  std::string data;
  for (int i = 0; i < keys; ++i) data += "  key" + std::to_string(i) + ": value-" + std::to_string(i) + "\n";
  AppDiff app;
  app.app = name;
  app.changes = DiffObjects({}, Parse("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n" + data), {});
  return app;
}

TEST_CASE("diff report: markdown chunks split at app sections when they fit") {
  DiffReport r{"a", "b", {}};
  for (int i = 0; i < 6; ++i) r.apps.push_back(BigApp("app" + std::to_string(i), 20));
  const auto chunks = FormatMarkdown(r, 2048);
  CHECK(chunks.size() > 1);
  std::string all;
  for (const std::string& c : chunks) {
    CHECK(c.size() <= 2048);
    CheckStandalone(c);
    all += c;
  }
  CHECK(all.find("(continued)") == std::string::npos);
  CHECK(all == FormatMarkdown(r, 1 << 20).at(0));
}

TEST_CASE("diff report: a section bigger than a chunk is split inside and reopened") {
  DiffReport r{"a", "b", {BigApp("huge", 400)}};
  const auto chunks = FormatMarkdown(r, 100);  // raised to kMinMarkdownChunk
  REQUIRE(chunks.size() > 3);
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    CHECK(chunks[i].size() <= kMinMarkdownChunk);
    CheckStandalone(chunks[i]);
    if (i >= 2) CHECK(chunks[i].rfind("<details><summary>huge: +1 -0 ~0 (continued)</summary>\n\n```diff\n+", 0) == 0);
  }
  std::string all;
  for (const std::string& c : chunks) all += c;
  for (int i = 0; i < 400; ++i) CHECK(all.find("+  key" + std::to_string(i) + ": value-" + std::to_string(i) + "\n") != std::string::npos);
}

TEST_CASE("diff report: a long summary table repeats its header in every chunk") {
  DiffReport r{"a", "b", {}};
  for (int i = 0; i < 200; ++i) r.apps.push_back(AppDiff{"apps/team/service-" + std::to_string(i), {}, {}, {}, {}});
  const auto chunks = FormatMarkdown(r, 2048);
  REQUIRE(chunks.size() > 2);
  const std::string header = "| app | added | removed | changed | renamed | notes |\n|---|---:|---:|---:|---:|---|\n";
  CHECK(chunks[0].rfind("## gitcanary diff `a` -> `b`\n\n" + header, 0) == 0);
  CHECK(chunks[1].rfind("(summary continued)\n\n" + header + "| `apps/team/service-", 0) == 0);
  std::size_t rows = 0;
  for (const std::string& c : chunks) {
    CHECK(c.size() <= 2048);
    CheckStandalone(c);
    for (std::size_t p = c.find("\n| `apps/"); p != std::string::npos; p = c.find("\n| `apps/", p + 1)) ++rows;
  }
  CHECK(rows == 200);
}

TEST_CASE("diff report: long lines are cut and awkward names escaped") {
  AppDiff app = BigApp("a|b<c>", 1);
  std::string long_value(5000, 'x');
  app.changes = DiffObjects(Parse(Cm("c", "short")), Parse(Cm("c", long_value)), {});
  const auto chunks = FormatMarkdown(DiffReport{"a", "b", {app}}, 2048);
  std::string all;
  for (const std::string& c : chunks) {
    CHECK(c.size() <= 2048);
    CheckStandalone(c);
    all += c;
  }
  CHECK(all.find("| `a\\|b<c>` |") != std::string::npos);
  CHECK(all.find("<summary>a|b&lt;c&gt;: +0 -0 ~1</summary>") != std::string::npos);
  CHECK(all.find(std::string(600, 'x')) == std::string::npos);
  CHECK(all.find("\xE2\x80\xA6") != std::string::npos);
}

TEST_CASE("diff report: secret values appear in no format") {
  auto secret = [](const std::string& name, const std::string& value) {
    return "apiVersion: v1\nkind: Secret\nmetadata:\n  name: " + name + "\ndata:\n  password: " + value +
           "\nstringData:\n  token: tok-" + value + "\n";
  };
  auto base = Parse(secret("changed", "c2VjcmV0QQ") + "---\n" + secret("removed", "c2VjcmV0Qg") + "---\n" +
                    secret("rename-a", "c2VjcmV0Qw"));
  auto head = Parse(secret("changed", "c2VjcmV0RA") + "---\n" + secret("added", "c2VjcmV0RQ") + "---\n" +
                    secret("rename-b", "c2VjcmV0Qw"));
  AppDiff app{"app", DiffObjects(base, head, {}), {}, {}, {}};
  REQUIRE(app.changes.size() == 4);
  DiffReport r{"a", "b", {app}};
  std::vector<std::string> outputs = FormatMarkdown(r);
  for (const std::string& c : FormatMarkdown(r, 64)) outputs.push_back(c);
  outputs.push_back(FormatUnified(r));
  outputs.push_back(FormatJson(r));
  for (const std::string& out : outputs) {
    for (const char* value : {"c2VjcmV0QQ", "c2VjcmV0Qg", "c2VjcmV0Qw", "c2VjcmV0RA", "c2VjcmV0RQ"})
      CHECK_MESSAGE(out.find(value) == std::string::npos, value);
  }
  CHECK(outputs.back().find("<redacted: new value>") != std::string::npos);
}

TEST_CASE("diff report: HasChanges is false for identical revisions and true for a status line") {
  auto objects = Parse(Cm("a", "1") + "---\n" + Cm("b", "2"));
  AppDiff same{"app", DiffObjects(objects, objects, {}), StatusSummary(objects, objects), {}, {"head: x.yaml:1:1: bad"}};
  DiffReport r{"a", "b", {same}};
  CHECK_FALSE(HasChanges(r));
  CHECK_FALSE(HasChanges(DiffReport{"a", "b", {}}));
  r.apps[0].status_lines.push_back("canary x: weight 0 -> 5, phase Progressing");
  CHECK(HasChanges(r));
  CHECK(HasChanges(Small()));
}

// One app of the size the brief names: 8 objects, every one changed.
std::string AppObjects(int i, int version) {
  const std::string n = "app" + std::to_string(i), v = std::to_string(version);
  std::string out;
  for (const char* suffix : {"", "-primary", "-canary"}) {
    out += "apiVersion: v1\nkind: Service\nmetadata:\n  name: " + n + suffix + "\n  namespace: ns\n  labels:\n"
           "    version: \"" + v + "\"\nspec:\n  ports:\n  - name: http\n    port: 80\n---\n";
  }
  for (const char* suffix : {"-primary", "-canary"}) {
    out += "apiVersion: networking.istio.io/v1beta1\nkind: DestinationRule\nmetadata:\n  name: " + n + suffix +
           "\n  namespace: ns\nspec:\n  host: " + n + suffix + "\n  trafficPolicy:\n    tls:\n      mode: M" + v + "\n---\n";
  }
  out += "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: " + n + "\n  namespace: ns\nspec:\n  replicas: 2\n"
         "  template:\n    metadata:\n      labels:\n        app: " + n + "\n    spec:\n      containers:\n      - name: app\n"
         "        image: ghcr.io/x/app:" + v + "\n        ports:\n        - containerPort: 8080\n---\n";
  out += "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + n + "\n  namespace: ns\ndata:\n  a: \"1\"\n  v: \"" + v + "\"\n---\n";
  out += "apiVersion: networking.istio.io/v1beta1\nkind: VirtualService\nmetadata:\n  name: " + n + "\n  namespace: ns\n"
         "  annotations:\n    gitcanary.io/phase: Progressing\n    gitcanary.io/canary-weight: \"" + v + "\"\nspec:\n"
         "  hosts: [" + n + "]\n  http:\n  - route:\n    - destination: {host: " + n + "-primary}\n      weight: " +
         std::to_string(100 - version) + "\n    - destination: {host: " + n + "-canary}\n      weight: " + v + "\n";
  return out;
}

TEST_CASE("diff report: deterministic and fast for 1000 changed apps") {
  std::vector<std::vector<Manifest>> base, head;
  for (int i = 0; i < 1000; ++i) {
    base.push_back(Parse(AppObjects(i, 10)));
    head.push_back(Parse(AppObjects(i, 20)));
  }
  auto run = [&] {
    DiffReport r{"main", "pr", {}};
    for (std::size_t i = 0; i < base.size(); ++i)
      r.apps.push_back(AppDiff{"apps/" + std::to_string(i), DiffObjects(base[i], head[i], {}),
                               StatusSummary(base[i], head[i]), {}, {}});
    return std::make_tuple(FormatMarkdown(r), FormatUnified(r), FormatJson(r), r.apps[7].changes.size());
  };
  const double start = gitcanary::testing::ThreadCpuMs();
  const auto first = run();
  const double ms = gitcanary::testing::ThreadCpuMs() - start;
  MESSAGE("1000 apps, diff and all three formats: " << ms << " ms of CPU");
  CHECK(ms < 1000 * gitcanary::testing::kSlowdown);  // about 200 ms; CPU time, so a loaded machine does not count
  CHECK(std::get<3>(first) == 8);
  CHECK(std::get<0>(first).size() > 1);
  CHECK(run() == first);
  std::reverse(base[3].begin(), base[3].end());  // input order does not matter
  CHECK(run() == first);
}

}  // namespace
}  // namespace gitcanary::render
