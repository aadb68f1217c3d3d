// Tests for the webhook policy: Flagger's exact JSON body (including Go's
// string escaping), the phase sent per hook type, which statuses pass and
// which are retried, URL validation and splitting, credential redaction and
// the one-line failure reasons.
#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "policies/webhook.h"

namespace gitcanary::policies {
namespace {

TEST_CASE("WebhookPayload is Flagger's CanaryWebhookPayload as Go marshals it") {
  // The example from Flagger's docs/gitbook/usage/webhooks.md, compacted.
  CHECK(WebhookPayload("podinfo", "test", "Progressing", "85d557f47b",
                       {{"token", "16688eb5e9f289f1991c"}, {"test", "all"}}) ==
        R"({"name":"podinfo","namespace":"test","phase":"Progressing","checksum":"85d557f47b",)"
        R"("metadata":{"test":"all","token":"16688eb5e9f289f1991c"}})");
  // omitempty: no metadata key at all when there is none; checksum always there.
  CHECK(WebhookPayload("a", "b", "Failed", "", {}) ==
        R"({"name":"a","namespace":"b","phase":"Failed","checksum":""})");
  // Keys in bytewise order, as Go sorts map keys.
  CHECK(WebhookPayload("a", "b", "Waiting", "c", {{"b", "2"}, {"\xc3\xa9", "4"}, {"Z", "1"}, {"a", "3"}}) ==
        "{\"name\":\"a\",\"namespace\":\"b\",\"phase\":\"Waiting\",\"checksum\":\"c\","
        "\"metadata\":{\"Z\":\"1\",\"a\":\"3\",\"b\":\"2\",\"\xc3\xa9\":\"4\"}}");
  // Values are escaped like keys.
  CHECK(WebhookPayload("a", "b", "Progressing", "c", {{"cmd", "hey -z 1m \"http://x/?a=1&b=2\""}}) ==
        R"({"name":"a","namespace":"b","phase":"Progressing","checksum":"c",)"
        R"("metadata":{"cmd":"hey -z 1m \"http://x/?a=1\u0026b=2\""}})");
}

TEST_CASE("GoJsonString escapes as Go's encoding/json") {
  struct Case {
    std::string in;
    std::string want;
  };
  const std::vector<Case> cases = {
      {"", R"("")"},
      {"plain text", R"("plain text")"},
      {"a\"b\\c/d", R"("a\"b\\c/d")"},
      {"\b\f\n\r\t", R"("\b\f\n\r\t")"},
      {std::string("\x00\x01\x1f", 3), R"("\u0000\u0001\u001f")"},
      {"<a>&", R"("\u003ca\u003e\u0026")"},
      {"\x7f", "\"\x7f\""},                                        // DEL is not escaped
      {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xa4", "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xa4\""},
      {"\xef\xbf\xbd", "\"\xef\xbf\xbd\""},                        // a real U+FFFD stays raw
      {"\xe2\x80\xa8\xe2\x80\xa9", R"("\u2028\u2029")"},
      {"\xff", R"("\ufffd")"},                                     // invalid byte
      {"a\xe2\x82", R"("a\ufffd\ufffd")"},                         // truncated sequence, per byte
      {"\xc0\xaf", R"("\ufffd\ufffd")"},                           // overlong
      {"\xed\xa0\x80", R"("\ufffd\ufffd\ufffd")"},                 // surrogate
      {"\xf4\x90\x80\x80", R"("\ufffd\ufffd\ufffd\ufffd")"},       // above U+10FFFF
  };
  for (const Case& c : cases) {
    CAPTURE(c.in);
    CHECK(GoJsonString(c.in) == c.want);
  }
}

TEST_CASE("PhaseForHook sends what Flagger's scheduler sends") {
  struct Case {
    std::string hook, canary_phase, want;
  };
  const std::vector<Case> cases = {
      {"confirm-rollout", "Initialized", "Initialized"},
      {"confirm-rollout", "Waiting", "Waiting"},
      {"confirm-rollout", "Succeeded", "Succeeded"},
      {"pre-rollout", "Initialized", "Progressing"},
      {"rollout", "Progressing", "Progressing"},
      {"", "Progressing", "Progressing"},  // an untyped webhook is a rollout hook
      {"confirm-traffic-increase", "Progressing", "Progressing"},
      {"confirm-promotion", "WaitingPromotion", "Progressing"},
      {"post-rollout", "Succeeded", "Succeeded"},
      {"post-rollout", "Finalising", "Succeeded"},
      {"post-rollout", "Failed", "Failed"},
      {"rollback", "Progressing", "Progressing"},
      {"rollback", "Waiting", "Waiting"},
      {"rollback", "WaitingPromotion", "WaitingPromotion"},
      {"rollback", "Initialized", "Initialized"},  // gitcanary honours rollback in every phase
      {"event", "Promoting", "Promoting"},
      {"event", "Initializing", "Initializing"},
      {"load-test", "Progressing", ""},
      {"Rollout", "Progressing", ""},  // types are case-sensitive, as Flagger's enum
  };
  for (const Case& c : cases) {
    CAPTURE(c.hook);
    CAPTURE(c.canary_phase);
    CHECK(PhaseForHook(c.hook, c.canary_phase) == c.want);
  }
}

TEST_CASE("WebhookSucceeded: 200..202 only, as Flagger's `StatusCode > 202` fails") {
  for (int status : {200, 201, 202}) {
    CAPTURE(status);
    CHECK(WebhookSucceeded(status));
  }
  for (int status : {-1, 0, 100, 199, 203, 204, 206, 299, 301, 302, 304, 400, 401, 404, 429, 500, 503}) {
    CAPTURE(status);
    CHECK_FALSE(WebhookSucceeded(status));
  }
}

TEST_CASE("WebhookRetryable: 429 and 5xx except 501, as go-retryablehttp") {
  for (int status : {429, 500, 502, 503, 504, 599}) {
    CAPTURE(status);
    CHECK(WebhookRetryable(status));
  }
  for (int status : {200, 202, 204, 301, 400, 404, 501}) {
    CAPTURE(status);
    CHECK_FALSE(WebhookRetryable(status));
  }
}

TEST_CASE("ValidateWebhookUrl accepts http(s) URLs with a host") {
  for (const char* url :
       {"http://example.com", "https://example.com/x?y=1", "HTTP://Example.com", "Https://h/",
        "http://flagger-loadtester.test/", "http://10.0.0.1:8080/gate/approve", "http://[::1]:9090/",
        "http://h:65535", "http://user:pass@host/x", "http://token@host", "http://h/a@b#frag"}) {
    CAPTURE(url);
    CHECK(ValidateWebhookUrl(url).ok());
  }
}

TEST_CASE("ValidateWebhookUrl rejects everything else, naming the URL") {
  struct Case {
    std::string url, message;
  };
  const std::string prefix = "webhook URL must be http(s), got ";
  const std::vector<Case> cases = {
      {"ftp://example.com/x", R"("ftp://example.com/x")"},
      {"", R"("")"},
      {"http://", R"("http://": no host)"},
      {"http:///path", R"("http:///path": no host)"},
      {"https://u:p@/x", R"("https:///x": no host)"},
      {"example.com/x", R"("example.com/x")"},
      {"https//example.com", R"("https//example.com")"},
      {"file:///etc/passwd", R"("file:///etc/passwd")"},
      {"http://host:0", R"("http://host:0": bad port)"},
      {"http://host:99999", R"("http://host:99999": bad port)"},
      {"http://host:8o", R"("http://host:8o": bad port)"},
      {"http://host:", R"("http://host:": bad port)"},
      {"http://[::1", R"("http://[::1": unclosed '[' in host)"},
      {"http://[::1]x/", R"("http://[::1]x/": unexpected text after ']')"},
      {"http://ho st/", R"("http://ho st/": contains whitespace or a control character)"},
      {"http://h/a b", R"("http://h/a b": contains whitespace or a control character)"},
      {"http://h/\n", R"("http://h/\x0a": contains whitespace or a control character)"},
      {"http://u:%zz@h/", R"("http://h/": bad %-escape in user info)"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.url);
    Status status = ValidateWebhookUrl(c.url);
    REQUIRE_FALSE(status.ok());
    CHECK(status.code() == Code::kInvalidInput);
    CHECK(status.message() == prefix + c.message);
  }
}

TEST_CASE("ValidateWebhookUrl never echoes credentials") {
  for (const char* url : {"ftp://admin:s3cret@host/x", "http://admin:s3cret@host:bad/", "http://u:s3cret/x@h",
                          "admin:s3cret@host/x", "http://admin:s3cret@/"}) {
    CAPTURE(url);
    Status status = ValidateWebhookUrl(url);
    REQUIRE_FALSE(status.ok());
    CHECK(status.message().find("s3cret") == std::string::npos);
  }
}

TEST_CASE("ParseWebhookUrl splits what the HTTP client needs") {
  Result<WebhookUrl> url = ParseWebhookUrl("HTTPS://u%40x:p%3As@Host:8443/a/b%20c?d=e&f#frag");
  REQUIRE(url.ok());
  CHECK(url->scheme == "https");
  CHECK(url->host_port == "Host:8443");
  CHECK(url->has_userinfo);
  CHECK(url->user == "u@x");
  CHECK(url->password == "p:s");
  CHECK(url->target == "/a/b%20c?d=e&f");

  struct Case {
    std::string url, host_port, target;
  };
  for (const Case& c : std::vector<Case>{{"http://h", "h", "/"},
                                         {"http://h?x=1", "h", "/?x=1"},
                                         {"http://h#f", "h", "/"},
                                         {"http://h:81/p/", "h:81", "/p/"},
                                         {"http://[::1]:80/x", "[::1]:80", "/x"}}) {
    CAPTURE(c.url);
    Result<WebhookUrl> parsed = ParseWebhookUrl(c.url);
    REQUIRE(parsed.ok());
    CHECK(parsed->host_port == c.host_port);
    CHECK(parsed->target == c.target);
    CHECK_FALSE(parsed->has_userinfo);
  }
  Result<WebhookUrl> user_only = ParseWebhookUrl("http://tok@h/");
  REQUIRE(user_only.ok());
  CHECK(user_only->has_userinfo);
  CHECK(user_only->user == "tok");
  CHECK(user_only->password.empty());
}

TEST_CASE("UrlHasCredentials and RedactUrl look at the authority only") {
  CHECK(UrlHasCredentials("http://u:p@h/x"));
  CHECK(UrlHasCredentials("https://token@h"));
  CHECK(UrlHasCredentials("http://a@b@h/"));
  CHECK_FALSE(UrlHasCredentials("http://h/x@y"));
  CHECK_FALSE(UrlHasCredentials("https://h?u=a@b"));
  CHECK_FALSE(UrlHasCredentials("http://h"));
  CHECK_FALSE(UrlHasCredentials(""));

  CHECK(RedactUrl("https://u:p@h/x") == "https://h/x");
  CHECK(RedactUrl("http://a@b@h:1/") == "http://h:1/");
  CHECK(RedactUrl("http://h/x@y") == "http://h/x@y");
  CHECK(RedactUrl("http://h") == "http://h");
  CHECK(RedactUrl("") == "");

  CHECK(RedactUrls("POST http://u:p@h:1/x: could not connect") == "POST http://h:1/x: could not connect");
  CHECK(RedactUrls("a https://tok@github.com and \"http://x:y@z\" or http://q/r@s") ==
        "a https://github.com and \"http://z\" or http://q/r@s");
  CHECK(RedactUrls("no urls here @ all") == "no urls here @ all");
}

TEST_CASE("WebhookFailureReason: one line, bounded, no credentials") {
  using R = Result<WebhookResponse>;
  CHECK(WebhookFailureReason(R(WebhookResponse{500, "boom"})) == "HTTP 500: boom");
  CHECK(WebhookFailureReason(R(WebhookResponse{204, ""})) == "HTTP 204");
  CHECK(WebhookFailureReason(R(WebhookResponse{400, " \n\t "})) == "HTTP 400");
  CHECK(WebhookFailureReason(R(WebhookResponse{400, "line1\n  line2\r\n\tline3\n"})) ==
        "HTTP 400: line1 line2 line3");
  CHECK(WebhookFailureReason(R(WebhookResponse{500, std::string(200, 'x')})) ==
        "HTTP 500: " + std::string(200, 'x'));
  CHECK(WebhookFailureReason(R(WebhookResponse{500, std::string(300, 'x')})) ==
        "HTTP 500: " + std::string(200, 'x') + "...");

  // Cut at a UTF-8 boundary: byte 200 is the second byte of an 'é'.
  std::string accents = "a";
  for (int i = 0; i < 150; ++i) accents += "\xc3\xa9";
  std::string want = "HTTP 503: a";
  for (int i = 0; i < 99; ++i) want += "\xc3\xa9";
  CHECK(WebhookFailureReason(R(WebhookResponse{503, accents})) == want + "...");

  CHECK(WebhookFailureReason(R(WebhookResponse{502, "upstream http://admin:hunter2@internal/x down"})) ==
        "HTTP 502: upstream http://internal/x down");
  CHECK(WebhookFailureReason(
            R(Status::Io("POST http://u:s3cret@127.0.0.1:1/x: could not connect (1 attempt)"))) ==
        "POST http://127.0.0.1:1/x: could not connect (1 attempt)");
  CHECK(WebhookFailureReason(R(Status::Io(""))) == "webhook call failed");
}

TEST_CASE("the default webhook timeout is Flagger's 10s") {
  CHECK(kDefaultWebhookTimeoutMs == 10000);
}

}  // namespace
}  // namespace gitcanary::policies
