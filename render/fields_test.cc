// Go-style duration parsing used for every interval and timeout in a Canary.
#include <doctest/doctest.h>

#include <string>

#include "render/fields.h"
#include "render/loader.h"

using gitcanary::render::ParseDurationMillis;

TEST_CASE("durations parse as Go's time.ParseDuration does, in milliseconds") {
  struct Row { const char* text; long long millis; };
  const Row good[] = {{"0", 0},          {"30s", 30000},      {"1m", 60000},     {"1m30s", 90000},
                      {"1.5m", 90000},   {"500ms", 500},      {"2h", 7200000},   {"1h0m0s", 3600000},
                      {"1500us", 1},     {"2000000ns", 2},    {"10.s", 10000}};
  for (const Row& row : good) {
    CAPTURE(row.text);
    REQUIRE(ParseDurationMillis(row.text).has_value());
    CHECK(*ParseDurationMillis(row.text) == row.millis);
  }
  for (const char* bad : {"", "1", "m", "5x", "1 minute", "1.2.3s", "-1s", ".s", "1m 30s"}) {
    CAPTURE(bad);
    CHECK_FALSE(ParseDurationMillis(bad).has_value());
  }
  // Numbers past what a double holds: too large is invalid, as in Go; too
  // small to tell from zero is zero. Neither may throw.
  CHECK_FALSE(ParseDurationMillis(std::string(400, '9') + "s").has_value());
  CHECK_FALSE(ParseDurationMillis("1" + std::string(400, '0') + ".5ms").has_value());
  REQUIRE(ParseDurationMillis("0." + std::string(400, '0') + "1s").has_value());
  CHECK(*ParseDurationMillis("0." + std::string(400, '0') + "1s") == 0);
  REQUIRE(ParseDurationMillis("1m0." + std::string(400, '0') + "1s").has_value());
  CHECK(*ParseDurationMillis("1m0." + std::string(400, '0') + "1s") == 60000);
}

// Found by fuzz/manifest_loader_fuzz: a document that is a multi-line string
// put its line breaks into the message, so `render` printed an error of
// several lines. Messages escape control characters and stay one line.
TEST_CASE("an error that quotes a multi-line value is still one line") {
  auto r = gitcanary::render::ParseManifests("|\n  line one\n  line\ttwo\n", "app.yaml");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message() ==
        "app.yaml:1:1: expected a Kubernetes object (a mapping), got string \"line one\\nline\\ttwo\\n\"");
  gitcanary::render::Fields f("x.yaml");
  gitcanary::yaml::Node at = gitcanary::yaml::Node::String("a\rb\x01");
  at.mark = {2, 3};
  CHECK(f.Error(at, "spec.name", "got " + gitcanary::render::Shown(at)).message() ==
        "x.yaml:2:3: spec.name: got string \"a\\rb\\x01\"");
}
