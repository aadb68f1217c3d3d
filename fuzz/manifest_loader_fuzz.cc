// Fuzzes the manifest loader: YAML/JSON bytes -> yaml::Node documents ->
// Manifests, and the emitters on whatever parses.
//
// Invariants checked beyond "no crash, no leak, no UB, no hang":
//   - the fast parser, when it accepts, agrees with the yaml-cpp event parser
//     (kinds, styles, values and marks), as yaml_fast_parser.h promises;
//   - errors are one line starting with the file name;
//   - EmitYaml output parses back to the same tree, and emitting that tree
//     again gives the same bytes;
//   - EmitCompactJson output is valid JSON.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "fuzz/fuzz_check.h"
#include "render/json_emit.h"
#include "render/loader.h"
#include "render/yaml_emit.h"
#include "render/yaml_event_parser.h"
#include "render/yaml_fast_parser.h"
#include "render/yaml_parse.h"

namespace {

using gitcanary::yaml::Node;

const std::string kFile = "fuzz.yaml";

std::string Where(const gitcanary::yaml::Mark& m) {
  return std::to_string(m.line) + ":" + std::to_string(m.column);
}

// Empty when `a` and `b` are the same tree, marks and styles included;
// otherwise where they first differ.
std::string Difference(const Node& a, const Node& b, const std::string& path) {
  if (a.kind != b.kind) return path + ": kind differs";
  if (a.mark.line != b.mark.line || a.mark.column != b.mark.column)
    return path + ": mark " + Where(a.mark) + " vs " + Where(b.mark);
  if (a.kind == gitcanary::yaml::Kind::kScalar) {
    if (a.style != b.style) return path + ": style differs";
    if (a.value != b.value) return path + ": value \"" + a.value + "\" vs \"" + b.value + "\"";
  }
  if (a.items.size() != b.items.size()) return path + ": item count differs";
  for (std::size_t i = 0; i < a.items.size(); ++i) {
    std::string d = Difference(a.items[i], b.items[i], path + "[" + std::to_string(i) + "]");
    if (!d.empty()) return d;
  }
  if (a.fields.size() != b.fields.size()) return path + ": field count differs";
  for (std::size_t i = 0; i < a.fields.size(); ++i) {
    const auto& fa = a.fields[i];
    const auto& fb = b.fields[i];
    if (fa.key != fb.key) return path + ": key \"" + fa.key + "\" vs \"" + fb.key + "\"";
    if (fa.key_mark.line != fb.key_mark.line || fa.key_mark.column != fb.key_mark.column)
      return path + "." + fa.key + ": key mark " + Where(fa.key_mark) + " vs " + Where(fb.key_mark);
    std::string d = Difference(fa.value, fb.value, path + "." + fa.key);
    if (!d.empty()) return d;
  }
  return "";
}

void CheckErrorShape(const gitcanary::Status& s) {
  FUZZ_CHECK(!s.message().empty(), "empty error message");
  FUZZ_CHECK(s.message().find('\n') == std::string::npos, s.message());
  FUZZ_CHECK(s.message().rfind(kFile, 0) == 0, s.message());
}

void CheckFastAgreesWithEvent(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::vector<Node> fast;
  if (!gitcanary::yaml::FastParseYaml(text, &fast)) return;
  auto event = gitcanary::yaml::EventParseYaml(text, kFile, {});
  FUZZ_CHECK(event.ok(), "fast parser accepted what the event parser rejects: " + event.status().message());
  FUZZ_CHECK(event->size() == fast.size(), "document count differs: fast " + std::to_string(fast.size()) +
                                               ", event " + std::to_string(event->size()));
  for (std::size_t i = 0; i < fast.size(); ++i) {
    std::string d = Difference(fast[i], (*event)[i], "doc" + std::to_string(i));
    FUZZ_CHECK(d.empty(), "fast vs event parser: " + d);
  }
}

void CheckEmitRoundTrip(const Node& doc) {
  std::string out;
  gitcanary::yaml::EmitYaml(doc, &out);
  auto again = gitcanary::yaml::ParseYamlStream(out, "emitted.yaml");
  FUZZ_CHECK(again.ok(), "emitted YAML does not parse: " + again.status().message() + "\n" + out);
  FUZZ_CHECK(again->size() == 1, "emitted YAML has " + std::to_string(again->size()) + " documents\n" + out);
  FUZZ_CHECK((*again)[0] == doc, "emitted YAML parses to a different tree\n" + out);
  std::string out2;
  gitcanary::yaml::EmitYaml((*again)[0], &out2);
  FUZZ_CHECK(out2 == out, "emitting is not stable\n" + out + "---\n" + out2);

  std::string json;
  gitcanary::yaml::EmitCompactJson(doc, &json);
  FUZZ_CHECK(nlohmann::json::accept(json), "EmitCompactJson wrote invalid JSON: " + json);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  auto manifests = gitcanary::render::ParseManifests(text, kFile);
  if (!manifests.ok()) CheckErrorShape(manifests.status());

  auto docs = gitcanary::yaml::ParseYamlStream(text, kFile);
  if (!docs.ok()) {
    CheckErrorShape(docs.status());
    FUZZ_CHECK(!manifests.ok(), "ParseManifests accepted what ParseYamlStream rejects");
    return 0;
  }
  CheckFastAgreesWithEvent(text);
  for (const Node& doc : *docs) CheckEmitRoundTrip(doc);
  return 0;
}
