// Tests for the alert policy. Expected values are read off Flagger's source
// (commit 15bd6ad): severity filtering and fields from pkg/controller/
// events.go, bodies from pkg/notifier/*.go as Go's json.Marshal writes the
// structs there (field order, omitempty, HTML-safe escaping of < > &).
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "policies/alert.h"

namespace gitcanary::policies {
namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;
using nlohmann::json;

AlertProvider Provider(const std::string& type) {
  AlertProvider p;
  p.name = "on-call";
  p.ns = "flagger";
  p.type = type;
  p.address = "https://hooks.example.com/services/T/B/X";
  return p;
}

AlertEvent Event(Severity severity, Fields fields) {
  AlertEvent e;
  e.canary_name = "podinfo";
  e.ns = "test";
  e.phase = "Progressing";
  e.message = "New revision detected, progressing canary analysis.";
  e.severity = severity;
  e.fields = std::move(fields);
  return e;
}

std::string Payload(const AlertProvider& p, const AlertEvent& e) {
  Result<std::string> body = AlertPayload(p, e);
  REQUIRE_MESSAGE(body.ok(), body.status().message());
  return *body;
}

TEST_CASE("AlertWanted filters severities as Flagger's alert()") {
  struct Case {
    Severity configured, event;
    bool wanted;
  };
  const std::vector<Case> cases = {
      {Severity::kInfo, Severity::kInfo, true},   {Severity::kInfo, Severity::kWarn, true},
      {Severity::kInfo, Severity::kError, true},  {Severity::kWarn, Severity::kInfo, false},
      {Severity::kWarn, Severity::kWarn, true},   {Severity::kWarn, Severity::kError, true},
      {Severity::kError, Severity::kInfo, false}, {Severity::kError, Severity::kWarn, false},
      {Severity::kError, Severity::kError, true},
  };
  for (const Case& c : cases) {
    CAPTURE(SeverityName(c.configured));
    CAPTURE(SeverityName(c.event));
    CHECK(AlertWanted(c.configured, c.event) == c.wanted);
  }
}

TEST_CASE("ParseSeverity takes the CRD's enum with empty as info") {
  CHECK(*ParseSeverity("") == Severity::kInfo);
  CHECK(*ParseSeverity("info") == Severity::kInfo);
  CHECK(*ParseSeverity("warn") == Severity::kWarn);
  CHECK(*ParseSeverity("error") == Severity::kError);
  for (const char* bad : {"warning", "Error", " info", "critical"}) {
    CAPTURE(bad);
    Result<Severity> r = ParseSeverity(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kInvalidInput);
    CHECK(r.status().message().find(std::string("\"") + bad + "\"") != std::string::npos);
  }
  CHECK(SeverityName(Severity::kWarn) == "warn");
  CHECK(SeverityName(Severity::kError) == "error");
}

TEST_CASE("AlertFields builds alertMetadata's facts in Flagger's order") {
  AlertFacts f;
  f.cluster_name = "prod-eu";
  f.target_kind = "Deployment";
  f.target_name = "podinfo";
  f.ns = "test";
  f.threshold = 5;
  f.progress_deadline_seconds = 60;
  f.step_weight = 10;
  f.max_weight = 50;
  CHECK(AlertFields(f, true) == Fields{{"Cluster", "prod-eu"},
                                       {"Target", "Deployment/podinfo.test"},
                                       {"Failed checks threshold", "5"},
                                       {"Progress deadline", "60s"},
                                       {"Traffic routing", "Weight step: 10 max: 50"}});
  // Without metadata only the cluster name is attached; without it, nothing.
  CHECK(AlertFields(f, false) == Fields{{"Cluster", "prod-eu"}});
  f.cluster_name.clear();
  CHECK(AlertFields(f, false).empty());
}

TEST_CASE("AlertFields applies Flagger's defaults and strategy rules") {
  AlertFacts f;
  f.target_kind = "DaemonSet";
  f.target_name = "agent";
  f.ns = "infra";
  // threshold 0 reads as 1, no progressDeadlineSeconds as 600; no weights: no routing field.
  CHECK(AlertFields(f, true) == Fields{{"Target", "DaemonSet/agent.infra"},
                                       {"Failed checks threshold", "1"},
                                       {"Progress deadline", "600s"}});
  struct Case {
    int iterations;
    bool has_match;
    int step_weight;
    std::vector<int> step_weights;
    int max_weight;
    std::string routing;
  };
  const std::vector<Case> cases = {
      {10, true, 0, {}, 0, "A/B Testing"},
      {10, false, 0, {}, 0, "Blue/Green"},
      {10, false, 20, {}, 60, "Blue/Green"},            // iterations decide before weights
      {0, true, 5, {}, 0, "Weight step: 5 max: 0"},     // match without iterations is canary
      {0, false, 0, {1, 2, 10, 80}, 0, "Weight steps: 1,2,10,80 max: 0"},  // maxWeight as written
      {0, false, 0, {5, 50}, 90, "Weight steps: 5,50 max: 90"},
      {0, false, 15, {5, 50}, 45, "Weight step: 15 max: 45"},  // stepWeight wins
  };
  for (const Case& c : cases) {
    CAPTURE(c.routing);
    f.iterations = c.iterations;
    f.has_match = c.has_match;
    f.step_weight = c.step_weight;
    f.step_weights = c.step_weights;
    f.max_weight = c.max_weight;
    const Fields got = AlertFields(f, true);
    REQUIRE(got.size() == 4);
    CHECK(got[3] == std::pair<std::string, std::string>{"Traffic routing", c.routing});
  }
}

TEST_CASE("slack payload is SlackPayload byte for byte") {
  AlertProvider p = Provider("slack");
  p.channel = "on-call-alerts";
  p.username = "canary-bot";
  AlertEvent e = Event(Severity::kError, {{"Cluster", "prod"}});
  e.message = "Failed checks threshold reached 5";
  CHECK(Payload(p, e) ==
        R"({"channel":"on-call-alerts","username":"canary-bot","icon_url":"","icon_emoji":":rocket:",)"
        R"("attachments":[{"color":"danger","author_name":"podinfo.test",)"
        R"("text":"Failed checks threshold reached 5","mrkdwn_in":["text"],)"
        R"("fields":[{"title":"Cluster","value":"prod","short":false}]}]})");
}

TEST_CASE("slack payload defaults channel and username and colors only errors red") {
  const AlertProvider p = Provider("slack");
  for (Severity s : {Severity::kInfo, Severity::kWarn, Severity::kError}) {
    CAPTURE(SeverityName(s));
    const json body = json::parse(Payload(p, Event(s, {})));
    CHECK(body["channel"] == "general");
    CHECK(body["username"] == "flagger");
    CHECK_FALSE(body.contains("text"));  // omitempty
    REQUIRE(body["attachments"].size() == 1);
    const json& a = body["attachments"][0];
    CHECK(a["color"] == (s == Severity::kError ? "danger" : "good"));
    CHECK(a["fields"] == json::array());  // an empty list, not null
    CHECK(a["text"] == "New revision detected, progressing canary analysis.");
  }
}

TEST_CASE("alert bodies escape strings as Go does") {
  AlertEvent e = Event(Severity::kInfo, {{"Target", "Deployment/a&b.test"}});
  e.message = "weight <50> \"ok\"\n";
  const std::string body = Payload(Provider("slack"), e);
  CHECK(body.find(R"("text":"weight \u003c50\u003e \"ok\"\n")") != std::string::npos);
  CHECK(body.find(R"("value":"Deployment/a\u0026b.test")") != std::string::npos);
  CHECK(json::parse(body)["attachments"][0]["text"] == e.message);
}

TEST_CASE("discord posts Slack's body and rocket Slack's body with its own colors") {
  const AlertEvent info = Event(Severity::kInfo, {{"Target", "Deployment/podinfo.test"}});
  CHECK(Payload(Provider("discord"), info) == Payload(Provider("slack"), info));
  const json rocket = json::parse(Payload(Provider("rocket"), info));
  CHECK(rocket["attachments"][0]["color"] == "#0076D7");
  CHECK(rocket["icon_emoji"] == ":rocket:");
  CHECK(rocket["attachments"][0]["fields"][0]["title"] == "Target");
  const json rocket_error = json::parse(Payload(Provider("rocket"), Event(Severity::kError, {})));
  CHECK(rocket_error["attachments"][0]["color"] == "#FF0000");
  const json rocket_warn = json::parse(Payload(Provider("rocket"), Event(Severity::kWarn, {})));
  CHECK(rocket_warn["attachments"][0]["color"] == "#0076D7");
}

TEST_CASE("msteams payload is the MessageCard Flagger posts") {
  const AlertEvent e = Event(Severity::kInfo, {{"Target", "Deployment/podinfo.test"},
                                               {"Progress deadline", "600s"}});
  CHECK(Payload(Provider("msteams"), e) ==
        R"({"@type":"MessageCard","@context":"http://schema.org/extensions","themeColor":"0076D7",)"
        R"("summary":"podinfo.test","sections":[{"activityTitle":)"
        R"("New revision detected, progressing canary analysis.","activitySubtitle":"podinfo.test",)"
        R"("facts":[{"name":"Target","value":"Deployment/podinfo.test"},)"
        R"({"name":"Progress deadline","value":"600s"}]}]})");
  const json error = json::parse(Payload(Provider("msteams"), Event(Severity::kError, {})));
  CHECK(error["themeColor"] == "FF0000");
  CHECK(error["sections"][0]["facts"] == json::array());
  const json warn = json::parse(Payload(Provider("msteams"), Event(Severity::kWarn, {})));
  CHECK(warn["themeColor"] == "0076D7");
}

TEST_CASE("gchat payload has a header card and one section per field") {
  const AlertEvent e = Event(Severity::kError, {{"Cluster", "prod"}, {"Target", "Deployment/podinfo.test"}});
  const std::string raw = Payload(Provider("gchat"), e);
  CHECK(raw.rfind(R"({"cards":[{"header":{"title":"Flagger","subtitle":"podinfo.test",)"
                  R"("imageUrl":"https://flagger.app/favicon.png"},"sections":[)", 0) == 0);
  CHECK(raw.find(R"(\u003cfont color=#848484\u003e)") != std::string::npos);  // Go escapes <>
  const json body = json::parse(raw);
  const json& sections = body["cards"][0]["sections"];
  REQUIRE(sections.size() == 3);
  CHECK(sections[0]["widgets"][0]["textParagraph"]["text"] ==
        "<font color=#848484><strong>New revision detected, progressing canary analysis."
        "</strong></font>");
  CHECK(sections[2]["widgets"][0]["textParagraph"]["text"] ==
        "Target<br><font color=#848484><strong>Deployment/podinfo.test</strong></font>");
}

TEST_CASE("generic payload is Flagger's event webhook body with the fields") {
  AlertEvent e = Event(Severity::kError, {{"Cluster", "prod"}, {"eventType", "ignored"}});
  e.phase = "Failed";
  e.checksum = "85d557f47b";
  e.timestamp_ms = 1700000000123;
  e.message = "Progress deadline exceeded";
  CHECK(Payload(Provider("generic"), e) ==
        R"({"name":"podinfo","namespace":"test","phase":"Failed","checksum":"85d557f47b",)"
        R"("metadata":{"Cluster":"prod","eventMessage":"Progress deadline exceeded",)"
        R"("eventType":"Warning","timestamp":"1700000000123"}})");
  const json info = json::parse(Payload(Provider("generic"), Event(Severity::kInfo, {})));
  CHECK(info["metadata"]["eventType"] == "Normal");
  const json warn = json::parse(Payload(Provider("generic"), Event(Severity::kWarn, {})));
  CHECK(warn["metadata"]["eventType"] == "Warning");
}

TEST_CASE("unknown provider types are Invalid, matched case-sensitively as Flagger") {
  for (const char* type : {"pagerduty", "Slack", ""}) {
    CAPTURE(type);
    CHECK_FALSE(KnownAlertType(type));
    Result<std::string> r = AlertPayload(Provider(type), Event(Severity::kInfo, {}));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kInvalidInput);
    CHECK(r.status().message().rfind("alert provider flagger/on-call: type \"" + std::string(type) +
                                         "\" is not supported",
                                     0) == 0);
  }
  for (const char* type : {"slack", "msteams", "discord", "rocket", "gchat", "generic"}) {
    CHECK(KnownAlertType(type));
  }
}

TEST_CASE("AlertUrl appends /slack for discord as Flagger's NewDiscord") {
  struct Case {
    std::string type, address, want;
  };
  const std::vector<Case> cases = {
      {"discord", "https://discord.com/api/webhooks/1/abc", "https://discord.com/api/webhooks/1/abc/slack"},
      {"discord", "https://discord.com/api/webhooks/1/abc/slack", "https://discord.com/api/webhooks/1/abc/slack"},
      {"discord", "https://discord.com/api/webhooks/1/abc/", "https://discord.com/api/webhooks/1/abc/slack"},
      {"discord", "https://d.example/x?wait=true", "https://d.example/x/slack?wait=true"},
      {"discord", "https://d.example", "https://d.example/slack"},
      {"discord", "http://d.example/a/./b/../c//d", "http://d.example/a/c/d/slack"},
      {"slack", "https://hooks.slack.com/services/T/B/X", "https://hooks.slack.com/services/T/B/X"},
      {"msteams", "https://example.webhook.office.com/x", "https://example.webhook.office.com/x"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.address);
    AlertProvider p = Provider(c.type);
    p.address = c.address;
    Result<std::string> url = AlertUrl(p);
    REQUIRE_MESSAGE(url.ok(), url.status().message());
    CHECK(*url == c.want);
  }
}

TEST_CASE("AlertUrl rejects missing and non-http addresses without credentials") {
  AlertProvider p = Provider("slack");
  p.address = "";
  Result<std::string> none = AlertUrl(p);
  REQUIRE_FALSE(none.ok());
  CHECK(none.status().message().rfind("alert provider flagger/on-call: no address", 0) == 0);
  p.address = "ftp://admin:hunter2@files.example.com/hook";
  Result<std::string> ftp = AlertUrl(p);
  REQUIRE_FALSE(ftp.ok());
  CHECK(ftp.status().code() == Code::kInvalidInput);
  CHECK(ftp.status().message().rfind("alert provider flagger/on-call: webhook URL must be http(s)", 0) == 0);
  CHECK(ftp.status().message().find("hunter2") == std::string::npos);
  CHECK(ftp.status().message().find("files.example.com") != std::string::npos);
}

}  // namespace
}  // namespace gitcanary::policies
