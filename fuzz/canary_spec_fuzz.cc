// Fuzzes the Canary and status parsers: a YAML stream is loaded into
// Manifests; every Canary is normalised (render/canary_spec.h) and its status
// annotation parsed, every CanaryStatus document parsed, and every mapping
// document (and its `status`) is also fed to ParseStatusBody directly so the
// fuzzer reaches the status parser without a valid envelope
// (render/canary_status.h).
//
// Invariants beyond "no crash, no leak, no UB, no hang":
//   - a normalised Canary normalises to itself (rendering is idempotent);
//   - a parsed status survives StatusToNode -> EmitYaml -> parse ->
//     ParseStatusBody unchanged (what `serve` writes, it can read back).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "render/canary_spec.h"
#include "render/canary_status.h"
#include "render/loader.h"
#include "render/yaml_emit.h"
#include "render/yaml_parse.h"

namespace {

using gitcanary::render::CanaryStatus;
using gitcanary::render::Manifest;
using gitcanary::yaml::Node;

void CheckStatusRoundTrip(const CanaryStatus& status) {
  Node body = gitcanary::render::StatusToNode(status);
  std::string text;
  gitcanary::yaml::EmitYaml(body, &text);
  auto docs = gitcanary::yaml::ParseYamlStream(text, "written.yaml");
  FUZZ_CHECK(docs.ok() && docs->size() == 1, "written status does not parse back\n" + text);
  auto back = gitcanary::render::ParseStatusBody((*docs)[0], "written.yaml", "status");
  FUZZ_CHECK(back.ok(), "written status is rejected: " + back.status().message() + "\n" + text);
  FUZZ_CHECK(gitcanary::render::StatusToNode(*back) == body, "status changes on a round trip\n" + text);
}

void CheckStatusBody(const Node& body) {
  auto st = gitcanary::render::ParseStatusBody(body, "fuzz.yaml", "status");
  if (st.ok()) CheckStatusRoundTrip(*st);
}

void CheckCanary(const Manifest& input) {
  Manifest m = input;
  auto info = gitcanary::render::NormaliseCanary(m);
  if (info.ok()) {
    Manifest again = m;
    auto info2 = gitcanary::render::NormaliseCanary(again);
    FUZZ_CHECK(info2.ok(), "a normalised Canary is rejected: " + info2.status().message());
    FUZZ_CHECK(again.doc == m.doc, "normalising a normalised Canary changes it");
    FUZZ_CHECK(info2->target == info->target && info2->port == info->port &&
                   info2->gateways == info->gateways && info2->hosts == info->hosts &&
                   info2->target_port == info->target_port,
               "CanaryInfo differs after normalising twice");
  }
  auto st = gitcanary::render::ParseStatusAnnotation(input);
  if (st.ok() && st->has_value()) CheckStatusRoundTrip((*st)->status);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto docs = gitcanary::yaml::ParseYamlStream(text, "fuzz.yaml");
  if (!docs.ok()) return 0;
  for (const Node& doc : *docs) {
    if (!doc.IsMapping()) continue;
    CheckStatusBody(doc);
    if (const Node* status = doc.Find("status")) CheckStatusBody(*status);
  }
  auto manifests = gitcanary::render::ManifestsFromDocuments(std::move(*docs), "fuzz.yaml");
  if (!manifests.ok()) return 0;
  for (const Manifest& m : *manifests) {
    if (gitcanary::render::IsCanary(m)) CheckCanary(m);
    if (gitcanary::render::IsStatusDocument(m)) {
      auto rec = gitcanary::render::ParseStatusDocument(m);
      if (rec.ok()) CheckStatusRoundTrip(rec->status);
    }
  }
  return 0;
}
