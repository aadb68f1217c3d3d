// What the routing tests share: a Canary normalised as render normalises it,
// and one expected YAML document, both from inline text. Test-only (doctest).
#pragma once

#include <doctest/doctest.h>

#include <string>

#include "render/canary_spec.h"
#include "render/loader.h"
#include "render/yaml_parse.h"

namespace gitcanary::render::testing {

// The one Canary of `text`, normalised (the test fails when it does not parse or normalise).
inline Manifest NormalisedCanary(const std::string& text, const std::string& file) {
  auto parsed = ParseManifests(text, file);
  REQUIRE_MESSAGE(parsed.ok(), parsed.status().message());
  REQUIRE(parsed->size() == 1);
  Manifest m = (*parsed)[0];
  auto info = NormaliseCanary(m);
  REQUIRE_MESSAGE(info.ok(), info.status().message());
  return m;
}

// The one YAML document of `text`.
inline yaml::Node OneDocument(const std::string& text, const std::string& file) {
  auto docs = yaml::ParseYamlStream(text, file);
  REQUIRE_MESSAGE(docs.ok(), docs.status().message());
  REQUIRE(docs->size() == 1);
  return (*docs)[0];
}

}  // namespace gitcanary::render::testing
