#include "render/output.h"

#include <algorithm>

#include "core/parallel.h"
#include "render/json_emit.h"
#include "render/yaml_emit.h"

namespace gitcanary::render {

std::vector<std::string> ToYamlPieces(const std::vector<Manifest>& objects) {
  // Documents are independent. Pieces of 32 documents (about 16 KiB) are
  // handed out to the cores one at a time, so the cores stay even however
  // the sizes of the documents vary along the stream. A second thread pays
  // from about as many objects as the loader's files (render/loader.cc).
  constexpr std::size_t kPerPiece = 32;
  constexpr std::size_t kParallelFromObjects = 512;
  const std::size_t n = objects.size();
  std::vector<std::string> pieces((n + kPerPiece - 1) / kPerPiece);
  ParallelFor(
      pieces.size(),
      [&](std::size_t k) {
        std::string& out = pieces[k];
        for (std::size_t i = k * kPerPiece; i < std::min(n, (k + 1) * kPerPiece); ++i) {
          if (i > 0) out.append("---\n");
          yaml::EmitYaml(objects[i].doc, &out);
        }
      },
      kParallelFromObjects / kPerPiece);
  return pieces;
}

std::string ToYamlStream(const std::vector<Manifest>& objects) {
  std::vector<std::string> pieces = ToYamlPieces(objects);
  if (pieces.size() == 1) return std::move(pieces.front());
  std::size_t size = 0;
  for (const std::string& piece : pieces) size += piece.size();
  std::string out;
  out.reserve(size);
  for (const std::string& piece : pieces) out += piece;
  return out;
}

std::string ToJsonList(const std::vector<Manifest>& objects) {
  std::string out = "{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"List\",\n  \"items\": [";
  for (std::size_t i = 0; i < objects.size(); ++i) {
    out += i == 0 ? "\n    " : ",\n    ";
    yaml::EmitJson(objects[i].doc, &out, 2);
  }
  out += objects.empty() ? "]\n}\n" : "\n  ]\n}\n";
  return out;
}

}  // namespace gitcanary::render
