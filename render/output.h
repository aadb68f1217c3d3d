// Output formats of a render: a YAML stream ("---" between documents) or one
// JSON `List` object like `kubectl get -o json` prints. Both are built fully in
// memory so the caller writes stdout once, after the whole render succeeded.
#pragma once

#include <string>
#include <vector>

#include "render/manifest.h"

namespace gitcanary::render {

std::string ToYamlStream(const std::vector<Manifest>& objects);
// The same stream in pieces of a few dozen documents, emitted on every core
// when there are many: their concatenation is ToYamlStream's text. A large
// render writes them as they are (plugin's WriteStdout), without copying
// megabytes into one string.
std::vector<std::string> ToYamlPieces(const std::vector<Manifest>& objects);
std::string ToJsonList(const std::vector<Manifest>& objects);

}  // namespace gitcanary::render
