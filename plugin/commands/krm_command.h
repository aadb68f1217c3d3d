// `gitcanary krm`: a KRM function (kustomize exec transformer, kpt).
//
// Reads a `ResourceList` (config.kubernetes.io/v1) on stdin, renders its
// `items` like an app directory, and writes a ResourceList with the rendered
// items on stdout. Options come from `functionConfig`: either a gitcanary
// `CanaryRender` (`spec.mode`, `spec.namespace`) or a ConfigMap (`data.mode`,
// `data.namespace`). The caller's bookkeeping annotations (`config.kubernetes.io/*`,
// `internal.config.kubernetes.io/*`) stay on every item that came in with
// them; generated items carry none (render/carried_annotations.h). On error
// the output is a ResourceList whose `results` hold the error with severity
// "error", the input items unchanged, and the exit code is non-zero.
#pragma once

#include <string>
#include <vector>

namespace gitcanary::plugin {

extern const char kKrmHelp[];

int RunKrm(const std::vector<std::string>& args);

}  // namespace gitcanary::plugin
