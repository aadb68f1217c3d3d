#include "render/url_credentials.h"

#include <doctest/doctest.h>

namespace gitcanary::render {

TEST_CASE("credentials in URLs are found and shown as ***") {
  struct Row { const char* url; const char* shown; };  // shown "" = no credentials
  const Row rows[] = {
      {"http://flagger-loadtester.test/", ""},
      {"https://hooks.example.com/run?team=a&monkey=1", ""},
      {"https://hooks.example.com/run?token=", ""},
      {"https://bob:hunter2@hooks.example.com/run", "https://***@hooks.example.com/run"},
      {"https://ghp_abc@github.com/x", "https://***@github.com/x"},
      {"https://h.example.com/x?token=abc&team=a", "https://h.example.com/x?token=***&team=a"},
      {"https://h.example.com/x?a=1&ACCESS_TOKEN=z#top", "https://h.example.com/x?a=1&ACCESS_TOKEN=***#top"},
      {"https://s3.example.com/o?X-Amz-Signature=f00&client_secret=b", "https://s3.example.com/o?X-Amz-Signature=***&client_secret=***"},
      {"http://prom:9090/?apikey=k&key=v", "http://prom:9090/?apikey=***&key=***"},
  };
  for (const Row& r : rows) {
    CAPTURE(r.url);
    auto shown = RedactedCredentialUrl(r.url);
    CHECK(shown.value_or("") == r.shown);
  }
}

TEST_CASE("URL credentials are redacted inside any scalar of a document, and nothing else changes") {
  yaml::Node doc = yaml::Node::Mapping();
  doc.Set("url", yaml::Node::String("https://ops:pa55word@hooks.example.com/gate?x=1"));
  doc.Set("cmd", yaml::Node::String("curl -s http://u:p@a.example.com/x && curl 'https://b.example.com/y?token=abc&z=2'"));
  doc.Set("plain", yaml::Node::String("https://example.com/ok"));
  yaml::Node list = yaml::Node::Sequence();
  list.items.push_back(yaml::Node::String("git://tok@git.example.com/repo"));
  doc.Set("list", list);
  RedactUrlCredentials(doc);
  CHECK(doc.Find("url")->value == "https://***@hooks.example.com/gate?x=1");
  CHECK(doc.Find("cmd")->value == "curl -s http://***@a.example.com/x && curl 'https://b.example.com/y?token=***&z=2'");
  CHECK(doc.Find("plain")->value == "https://example.com/ok");
  CHECK(doc.Find("list")->items[0].value == "git://***@git.example.com/repo");
}

}  // namespace gitcanary::render
