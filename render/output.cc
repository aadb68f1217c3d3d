#include "render/output.h"

#include <thread>

#include "render/json_emit.h"
#include "render/yaml_emit.h"

namespace gitcanary::render {

std::string ToYamlStream(const std::vector<Manifest>& objects) {
  // Emit in two halves on two cores; documents are independent. The first
  // half is written where the whole stream ends up, with room for the second
  // (pages only count once they are written to). A second thread pays from
  // about as many objects as the loader's files (render/loader.cc).
  constexpr std::size_t kRoomPerObject = 600;
  constexpr std::size_t kParallelFromObjects = 512;
  const std::size_t n = objects.size();
  const std::size_t half = n < kParallelFromObjects ? n : n / 2;
  std::string first, second;
  first.reserve(n * kRoomPerObject);
  second.reserve((n - half) * kRoomPerObject);
  auto emit = [&objects](std::size_t from, std::size_t to, std::string* out) {
    for (std::size_t i = from; i < to; ++i) {
      if (i > 0) out->append("---\n");
      yaml::EmitYaml(objects[i].doc, out);
    }
  };
  std::thread helper;
  if (half < n) helper = std::thread(emit, half, n, &second);
  emit(0, half, &first);
  if (helper.joinable()) helper.join();
  first += second;
  return first;
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
