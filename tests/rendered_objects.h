// Reads a rendered YAML stream back for tests that compare two renders made by
// different entry points (render, generate, post-render, krm, kustomize): the
// objects keyed by "apiVersion kind namespace/name", so order and formatting
// do not matter but every field does.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "render/yaml_tree.h"

namespace gitcanary::testing {

using ObjectsByKey = std::map<std::string, yaml::Node>;

// Fails the test when `text` is not a stream of Kubernetes objects or holds an
// object twice.
ObjectsByKey ParseObjects(const std::string& text);

// Removes metadata.annotations[key] from every object (and an annotations map
// left empty); returns how many objects had it with `value`.
int RemoveAnnotation(ObjectsByKey& objects, std::string_view key, std::string_view value);

}  // namespace gitcanary::testing
