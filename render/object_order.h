// The output order of rendered objects, and duplicate detection.
//
// Objects are ordered by kind in install order (Namespace, ... ConfigMap, ...,
// Service, Deployment, HorizontalPodAutoscaler, ..., Ingress; the same order
// Helm installs in), then kinds Helm does not know (Gateway, Canary, other
// custom resources) by kind name; within a kind by effective namespace, then
// name, then apiVersion. The order depends only on the objects, never on file
// names or the order on disk, so renders are byte-identical.
// Two objects with the same API group, kind, namespace and name are duplicates.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "render/manifest.h"

namespace gitcanary::render {

Status CheckDuplicates(const std::vector<Manifest>& manifests, const std::string& app_namespace);

void SortForOutput(std::vector<Manifest>& manifests, const std::string& app_namespace);

// CheckDuplicates, then SortForOutput, for the cost of the sort alone: objects
// that could be duplicates sort next to each other. On a duplicate it returns
// CheckDuplicates' error and leaves `manifests` as they were.
Status CheckDuplicatesAndSort(std::vector<Manifest>& manifests, const std::string& app_namespace);

}  // namespace gitcanary::render
