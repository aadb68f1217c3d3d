// The YAML stream of a render, whole and in pieces.
#include "render/output.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "render/loader.h"
#include "render/yaml_emit.h"

namespace gitcanary::render {
namespace {

// `n` ConfigMaps whose sizes vary along the stream, as a render's do.
std::vector<Manifest> ConfigMaps(int n) {
  std::string text;
  for (int i = 0; i < n; ++i)
    text += std::string(i > 0 ? "---\n" : "") + "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-" +
            std::to_string(i) + "\ndata:\n  k: " + std::string(static_cast<std::size_t>(1 + (i * 37) % 300), 'x') + "\n";
  auto parsed = ParseManifests(text, "cms.yaml");
  REQUIRE(parsed.ok());
  return std::move(*parsed);
}

// The stream written document by document, the way it is defined: each
// document emitted, "---" between two.
std::string OneByOne(const std::vector<Manifest>& objects) {
  std::string out;
  for (std::size_t i = 0; i < objects.size(); ++i) {
    if (i > 0) out += "---\n";
    yaml::EmitYaml(objects[i].doc, &out);
  }
  return out;
}

TEST_CASE("output: the pieces of a YAML stream add up to the stream, 32 documents each") {
  for (int n : {0, 1, 31, 32, 33, 600, 1000}) {  // from 512 documents the pieces are emitted on every core
    CAPTURE(n);
    const std::vector<Manifest> objects = ConfigMaps(n);
    REQUIRE(objects.size() == static_cast<std::size_t>(n));
    const std::vector<std::string> pieces = ToYamlPieces(objects);
    CHECK(pieces.size() == static_cast<std::size_t>((n + 31) / 32));
    std::string joined;
    for (std::size_t k = 0; k < pieces.size(); ++k) {
      if (k > 0) CHECK(pieces[k].rfind("---\napiVersion: v1\n", 0) == 0);
      joined += pieces[k];
    }
    const std::string whole = OneByOne(objects);
    CHECK(joined == whole);
    CHECK(ToYamlStream(objects) == whole);
  }
}

}  // namespace
}  // namespace gitcanary::render
