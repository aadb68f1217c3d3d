// Unit tests for the dashboard's page model: URLs shown without userinfo,
// the commit-URL template, escaping, the operator commands per phase (README
// "Operators act through git"), and the overview and canary JSON.
#include "plugin/serve/dashboard_model.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

namespace gitcanary::plugin {

namespace {

using policies::HookType;

constexpr const char* kScriptName = "<script>alert(1)</script>";

CatalogEntry Entry(const std::string& id, Phase phase, int weight, std::vector<HookType> hooks = {}) {
  CatalogEntry e;
  e.id = id;
  e.app_dir = "apps/podinfo";
  e.spec.threshold = 5;
  e.spec.max_weight = 50;
  for (HookType t : hooks) e.spec.webhooks.push_back({"gate", t, "http://127.0.0.1:1/gate", 0, 0, false, false, {}});
  render::CanaryStatus s;
  s.phase = phase;
  s.canary_weight = weight;
  s.failed_checks = 1;
  s.last_transition_time = "2024-05-01T10:00:00Z";
  e.status = s;
  e.state.phase = phase;
  e.state.canary_weight = weight;
  e.state.failed_checks = 1;
  e.revision = "bd089b63e9eea751";
  return e;
}

DashboardOptions Options() {
  DashboardOptions o;
  o.repo = "https://deploy:s3cret-token@git.example.com/org/repo.git";
  o.branch = "main";
  o.commit_url = "https://git.example.com/org/repo/commit/{sha}";
  return o;
}

const std::string kSha = "0123456789abcdef0123456789abcdef01234567";

}  // namespace

TEST_CASE("dashboard: repository URLs are shown without userinfo") {
  struct Case {
    std::string url, shown;
  };
  for (const Case& c : std::vector<Case>{
           {"https://user:pass@git.example.com/org/repo", "https://git.example.com/org/repo"},
           {"https://ghp_token@github.com/org/repo.git", "https://github.com/org/repo.git"},
           {"http://a:b@127.0.0.1:8080/r", "http://127.0.0.1:8080/r"},
           {"ssh://git@host:22/org/repo", "ssh://host:22/org/repo"},
           {"https://git.example.com/org/repo", "https://git.example.com/org/repo"},
           {"https://git.example.com/org/r@x", "https://git.example.com/org/r@x"},  // '@' in the path only
           {"git@github.com:org/repo.git", "git@github.com:org/repo.git"},          // scp-like: a user, no secret
           {"/srv/git/repo.git", "/srv/git/repo.git"},
       }) {
    CAPTURE(c.url);
    CHECK(StripUserinfo(c.url) == c.shown);
  }
}

TEST_CASE("dashboard: the commit-URL template") {
  CHECK(CommitUrl("https://git.example.com/org/repo/commit/{sha}", kSha) ==
        "https://git.example.com/org/repo/commit/" + kSha);
  CHECK(CommitUrl("https://h/{sha}?from={sha}", "abc123") == "https://h/abc123?from=abc123");
  CHECK(CommitUrl("", kSha).empty());                          // unset: no link
  CHECK(CommitUrl("https://h/{sha}", "abc\"><x").empty());     // only commit ids go in
  CHECK(CheckCommitUrlTemplate("").ok());
  CHECK(CheckCommitUrlTemplate("https://git.example.com/org/repo/commit/{sha}").ok());
  CHECK(CheckCommitUrlTemplate("http://127.0.0.1/c/{sha}").ok());
  CHECK(CheckCommitUrlTemplate("javascript:alert(1)//{sha}").code() == Code::kUsage);
  CHECK(CheckCommitUrlTemplate("https://git.example.com/org/repo/commit/").code() == Code::kUsage);
}

TEST_CASE("dashboard: HTML escaping") {
  CHECK(HtmlEscape(kScriptName) == "&lt;script&gt;alert(1)&lt;/script&gt;");
  CHECK(HtmlEscape("a & \"b\" 'c'") == "a &amp; &quot;b&quot; &#39;c&#39;");
}

TEST_CASE("dashboard: the operator commands for each phase") {
  struct Case {
    Phase phase;
    std::vector<HookType> hooks;
    std::vector<std::string> verbs;  // before history and status, which always apply
  };
  for (const Case& c : std::vector<Case>{
           {Phase::kWaiting, {HookType::kConfirmRollout}, {"approve", "abort"}},
           {Phase::kWaiting, {}, {"abort"}},
           {Phase::kProgressing, {HookType::kConfirmTrafficIncrease}, {"approve", "promote", "abort"}},
           {Phase::kProgressing, {HookType::kConfirmRollout}, {"promote", "abort"}},  // not this gate's hook
           {Phase::kWaitingPromotion, {HookType::kConfirmPromotion}, {"approve", "promote", "abort"}},
           {Phase::kFailed, {}, {"retry"}},
           {Phase::kSucceeded, {HookType::kConfirmRollout}, {}},
           {Phase::kInitialized, {}, {}},
           {Phase::kPromoting, {}, {}},
       }) {
    CAPTURE(PhaseName(c.phase));
    std::vector<std::string> commands = OperatorCommands(Entry("test/podinfo", c.phase, 10, c.hooks), Options());
    std::vector<std::string> expected;
    const std::string where = " --repo https://git.example.com/org/repo.git --branch main";
    for (const std::string& v : c.verbs) expected.push_back("gitcanary " + v + " test/podinfo" + where);
    expected.push_back("gitcanary history test/podinfo" + where);
    expected.push_back("gitcanary status" + where);
    CHECK(commands == expected);
  }
}

TEST_CASE("dashboard: the overview carries every canary and halted app, with no markup and no secret") {
  Catalog catalog;
  catalog.canaries.push_back(Entry(std::string("test/") + kScriptName, Phase::kProgressing, 20));
  catalog.canaries.push_back(Entry("test/podinfo", Phase::kSucceeded, 0));
  catalog.canaries.back().error = Status::Invalid("spec.analysis.threshold & co: <b>bad</b>");
  catalog.errors.push_back("apps/broken: apps/broken/app.yaml:3:1: kind: <unknown>");
  const std::string text = OverviewJson(catalog, kSha, Options());
  CHECK(text.find('<') == std::string::npos);
  CHECK(text.find('>') == std::string::npos);
  CHECK(text.find('&') == std::string::npos);
  CHECK(text.find("s3cret") == std::string::npos);
  CHECK(text.find("deploy") == std::string::npos);
  const nlohmann::json j = nlohmann::json::parse(text);
  CHECK(j["head"] == kSha);
  CHECK(j["head_url"] == "https://git.example.com/org/repo/commit/" + kSha);
  CHECK(j["repo"] == "https://git.example.com/org/repo.git");
  REQUIRE(j["canaries"].size() == 2);
  const nlohmann::json& first = j["canaries"][0];
  CHECK(first["name"] == kScriptName);
  CHECK(first["namespace"] == "test");
  CHECK(first["phase"] == "Progressing");
  CHECK(first["weight"] == 20);
  CHECK(first["max_weight"] == 50);
  CHECK(first["failed_checks"] == 1);
  CHECK(first["threshold"] == 5);
  CHECK(first["provider"] == "istio");  // spec.provider unset
  CHECK(first["last_transition"] == "2024-05-01T10:00:00Z");
  CHECK(first["app"] == "apps/podinfo");
  CHECK(first["error"] == "");
  CHECK(j["canaries"][1]["phase"] == "Halted");
  CHECK(j["canaries"][1]["error"] == "spec.analysis.threshold & co: <b>bad</b>");
  REQUIRE(j["halted_apps"].size() == 1);
  CHECK(j["halted_apps"][0]["app"] == "apps/broken");
  CHECK(j["halted_apps"][0]["error"] == "apps/broken/app.yaml:3:1: kind: <unknown>");
}

TEST_CASE("dashboard: the canary page lists decisions newest first with evidence and commit links") {
  policies::Timeline t;
  t.id = "test/podinfo";
  policies::HistoryRow init;
  init.commit = std::string(40, 'a');
  init.time = 1714557600;  // 2024-05-01T10:00:00Z
  init.phase = Phase::kInitialized;
  init.subject = "canary test/podinfo: Initializing -> Initialized";
  policies::HistoryRow change;
  change.kind = policies::HistoryRow::Kind::kChange;
  change.commit = std::string(40, 'b');
  change.time = 1714557660;
  change.subject = "podinfo: image </title><script>alert(1)</script>";
  policies::HistoryRow step;
  step.commit = std::string(40, 'c');
  step.time = 1714557720;
  step.phase = Phase::kProgressing;
  step.weight = 10;
  step.metrics.push_back({"request-success-rate", 99.5, 99.0, std::nullopt});
  step.subject = "canary test/podinfo: weight 0 -> 10";
  t.rows = {init, change, step};
  std::map<std::string, std::vector<std::string>> evidence{
      {std::string(40, 'c'), {"webhook load-test: http://127.0.0.1:9/ -> 200 ok", "metric request-success-rate: q = 99.5"}}};
  DashboardOptions options = Options();
  const std::string text =
      CanaryPageJson(Entry("test/podinfo", Phase::kProgressing, 10), t, evidence, "", kSha, options);
  CHECK(text.find('<') == std::string::npos);
  const nlohmann::json j = nlohmann::json::parse(text);
  REQUIRE(j["decisions"].size() == 3);
  CHECK(j["decisions"][0]["commit"] == std::string(40, 'c'));
  CHECK(j["decisions"][0]["url"] == "https://git.example.com/org/repo/commit/" + std::string(40, 'c'));
  CHECK(j["decisions"][0]["short"] == "ccccccc");
  CHECK(j["decisions"][0]["weight"] == 10);
  CHECK(j["decisions"][0]["time"] == "2024-05-01T10:02:00Z");
  CHECK(j["decisions"][0]["metrics"][0]["value"] == 99.5);
  CHECK(j["decisions"][0]["metrics"][0]["min"] == 99.0);
  CHECK(j["decisions"][0]["metrics"][0]["max"].is_null());
  CHECK(j["decisions"][0]["evidence"][0] == "webhook load-test: http://127.0.0.1:9/ -> 200 ok");
  CHECK(j["decisions"][1]["kind"] == "change");
  CHECK(j["decisions"][1]["phase"].is_null());
  CHECK(j["decisions"][1]["subject"] == "podinfo: image </title><script>alert(1)</script>");
  CHECK(j["decisions"][2]["phase"] == "Initialized");
  CHECK(j["decisions"][2]["evidence"].empty());
  CHECK(j["commands"].size() == 4);  // promote, abort, history, status
  options.commit_url.clear();
  const nlohmann::json unlinked =
      nlohmann::json::parse(CanaryPageJson(Entry("test/podinfo", Phase::kProgressing, 10), t, evidence, "", kSha, options));
  CHECK(unlinked["decisions"][0]["url"] == "");
  CHECK(unlinked["head_url"] == "");
}

}  // namespace gitcanary::plugin
