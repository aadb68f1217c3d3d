// The dashboard's HTTP side (plugin/serve/dashboard_site.h) on 127.0.0.1: security
// headers on every response, 405 for anything but GET and HEAD, JSON with its
// content type and no markup, no userinfo from the repository URL, commit
// links through the template, the since=HEAD poll, the event stream, and the
// overview rebuilt when a new head is published.
#include "plugin/serve/dashboard_site.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "tests/process_harness.h"
#include "tests/slowdown.h"

namespace gitcanary::plugin {

namespace {

using testing::ServerThread;

const std::string kHead1(40, '1'), kHead2(40, '2');
constexpr const char* kScriptName = "<script>alert(1)</script>";

CatalogEntry Entry(const std::string& id, Phase phase, int weight) {
  CatalogEntry e;
  e.id = id;
  e.app_dir = "apps/x";
  render::CanaryStatus s;
  s.phase = phase;
  s.canary_weight = weight;
  e.status = s;
  e.state.phase = phase;
  e.state.canary_weight = weight;
  return e;
}

Catalog TwoCanaries(int podinfo_weight) {
  Catalog c;
  c.canaries.push_back(Entry(std::string("test/") + kScriptName, Phase::kInitialized, 0));
  c.canaries.push_back(Entry("test/podinfo", Phase::kProgressing, podinfo_weight));
  return c;
}

DashboardOptions Options() {
  DashboardOptions o;
  o.repo = "https://deploy:s3cret-token@git.example.com/org/repo.git";
  o.branch = "main";
  o.commit_url = "https://git.example.com/org/repo/commit/{sha}";
  return o;
}

Result<CanaryHistory> OneRow(const CatalogEntry& e, const std::string& head) {
  CanaryHistory h;
  h.timeline.id = e.id;
  policies::HistoryRow row;
  row.commit = head;
  row.time = 1714557600;
  row.phase = e.state.phase;
  row.weight = e.state.canary_weight;
  row.subject = "canary " + e.id + ": a decision";
  h.timeline.rows.push_back(row);
  h.evidence[head] = {"webhook gate: approved"};
  return h;
}

}  // namespace

TEST_CASE("dashboard site: headers, read-only, JSON without markup or userinfo") {
  DashboardSite site(Options(), OneRow);
  site.Publish(TwoCanaries(10), kHead1);
  ServerThread server([&](httplib::Server& s) { site.Mount(s); });
  httplib::Client client("127.0.0.1", server.port());

  for (const std::string path : {"/", "/canary/test/podinfo", "/assets/dashboard.js", "/assets/dashboard.css",
                                 "/api/overview", "/api/canary/test/podinfo", "/api/chart/test/podinfo.svg"}) {
    CAPTURE(path);
    auto res = client.Get(path.c_str());
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->get_header_value("Content-Security-Policy") ==
          "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
          "frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
    CHECK(res->get_header_value("X-Content-Type-Options") == "nosniff");
    CHECK(res->body.find("s3cret") == std::string::npos);
    CHECK(res->body.find("deploy:") == std::string::npos);
    if (path.rfind("/api/chart", 0) == 0) CHECK(res->get_header_value("Content-Type") == "image/svg+xml");
    else if (path.rfind("/api/", 0) == 0) CHECK(res->get_header_value("Content-Type") == "application/json; charset=utf-8");
  }
  CHECK(client.Get("/")->get_header_value("Content-Type") == "text/html; charset=utf-8");
  CHECK(client.Get("/assets/dashboard.js")->get_header_value("Content-Type") == "text/javascript; charset=utf-8");

  SUBCASE("anything but GET and HEAD is 405") {
    for (const std::string path : {"/", "/api/overview", "/api/canary/test/podinfo", "/events"}) {
      CAPTURE(path);
      auto post = client.Post(path.c_str(), "x", "text/plain");
      REQUIRE(post);
      CHECK(post->status == 405);
      CHECK(post->get_header_value("Allow") == "GET, HEAD");
      CHECK(post->get_header_value("Content-Security-Policy").find("default-src 'none'") == 0);
      auto put = client.Put(path.c_str(), "x", "text/plain");
      REQUIRE(put);
      CHECK(put->status == 405);
      auto del = client.Delete(path.c_str());
      REQUIRE(del);
      CHECK(del->status == 405);
    }
    CHECK(client.Head("/api/overview")->status == 200);
  }

  SUBCASE("a canary named <script>alert(1)</script> travels as text") {
    auto res = client.Get("/api/canary/test/%3Cscript%3Ealert(1)%3C%2Fscript%3E");
    REQUIRE(res);
    REQUIRE(res->status == 200);
    CHECK(res->body.find('<') == std::string::npos);
    const nlohmann::json j = nlohmann::json::parse(res->body);
    CHECK(j["canary"]["name"] == kScriptName);
    CHECK(j["canary"]["id"] == std::string("test/") + kScriptName);
    auto overview = client.Get("/api/overview");
    CHECK(overview->body.find("<script>") == std::string::npos);
    CHECK(nlohmann::json::parse(overview->body)["canaries"][0]["name"] == kScriptName);
  }

  SUBCASE("the canary page: decisions with evidence and commit links") {
    const nlohmann::json j = nlohmann::json::parse(client.Get("/api/canary/test/podinfo")->body);
    REQUIRE(j["decisions"].size() == 1);
    CHECK(j["decisions"][0]["url"] == "https://git.example.com/org/repo/commit/" + kHead1);
    CHECK(j["decisions"][0]["evidence"][0] == "webhook gate: approved");
    CHECK(j["repo"] == "https://git.example.com/org/repo.git");
    CHECK(client.Get("/api/canary/test/nothing")->status == 404);
    CHECK(client.Get("/api/chart/test/nothing.svg")->status == 404);
  }

  SUBCASE("polling: 204 while the head is the same, the new overview once it moved") {
    CHECK(client.Get(("/api/overview?since=" + kHead1).c_str())->status == 204);
    site.Publish(TwoCanaries(30), kHead2);
    auto moved = client.Get(("/api/overview?since=" + kHead1).c_str());
    REQUIRE(moved->status == 200);
    const nlohmann::json j = nlohmann::json::parse(moved->body);
    CHECK(j["head"] == kHead2);
    CHECK(j["canaries"][1]["weight"] == 30);
    CHECK(j["canaries"][0]["name"] == kScriptName);  // the unchanged row, reused
    const nlohmann::json page = nlohmann::json::parse(client.Get("/api/canary/test/podinfo")->body);
    CHECK(page["canary"]["weight"] == 30);  // pages are per head
  }

  SUBCASE("the event stream names the head at once") {
    std::string got;
    auto res = client.Get("/events", [&](const char* data, std::size_t n) {
      got.append(data, n);
      return got.find("\n\n") == std::string::npos;
    });
    CHECK(got == "event: head\ndata: " + kHead1 + "\n\n");
  }
  site.Stop();
}

TEST_CASE("dashboard site: serve's own decisions show before the next pass reads them") {
  DashboardSite site(Options(), OneRow);
  site.Publish(TwoCanaries(10), kHead1);
  render::CanaryStatus decided;
  decided.phase = Phase::kProgressing;
  decided.canary_weight = 20;
  site.Publish(TwoCanaries(10), kHead2, {{"test/podinfo", decided}});
  const nlohmann::json j = nlohmann::json::parse(site.OverviewJson());
  CHECK(j["head"] == kHead2);
  CHECK(j["canaries"][1]["weight"] == 20);
  site.Publish(TwoCanaries(99), kHead2);  // the same head again: nothing to do
  CHECK(nlohmann::json::parse(site.OverviewJson())["canaries"][1]["weight"] == 20);
}

}  // namespace gitcanary::plugin

namespace gitcanary::plugin {

// A loose bound of bench/dashboard_bench.py's figures (< 5 ms CPU per new
// commit, < 500 KB for a first load), at ten times the CPU for slow or
// sanitized builds: 1000 canaries, one of them changed per commit.
TEST_CASE("dashboard site: a new commit over 1000 canaries costs little CPU and the page stays small") {
  Catalog catalog;
  for (int i = 0; i < 1000; ++i) {
    char id[64];
    std::snprintf(id, sizeof id, "team-%02d/app-%04d", i % 20, i);
    CatalogEntry e = Entry(id, Phase::kSucceeded, 0);
    e.app_dir = std::string("apps/") + id;
    e.revision = "bd089b63e9eea751";
    e.status->last_transition_time = "2024-05-01T10:00:00.000Z";
    catalog.canaries.push_back(std::move(e));
  }
  std::sort(catalog.canaries.begin(), catalog.canaries.end(),
            [](const CatalogEntry& a, const CatalogEntry& b) { return a.id < b.id; });
  DashboardSite site(Options(), OneRow);
  site.Publish(catalog, kHead1);
  CHECK(site.OverviewJson().size() + 64 * 1024 < 500 * 1024);  // the script, style and page are well under 64 KB
  double worst = 0;
  for (int i = 0; i < 10; ++i) {
    render::CanaryStatus decided = *catalog.canaries[i * 97].status;
    decided.phase = Phase::kProgressing;
    decided.canary_weight = 10 + i;
    char head[41];
    std::snprintf(head, sizeof head, "%040d", i + 2);
    const double start = gitcanary::testing::ThreadCpuMs();
    site.Publish(catalog, head, {{catalog.canaries[i * 97].id, decided}});
    worst = std::max(worst, gitcanary::testing::ThreadCpuMs() - start);
  }
  CAPTURE(worst);
  CHECK(worst < 50);
  const nlohmann::json j = nlohmann::json::parse(site.OverviewJson());
  CHECK(j["canaries"].size() == 1000);
  CHECK(j["canaries"][9 * 97]["weight"] == 19);
  CHECK(j["canaries"][0]["weight"] == 0);  // the last commit's override only: 0 was the first commit's
}

}  // namespace gitcanary::plugin
