// Strict input: a flagger.app object is checked field by field against
// Flagger's CRD (flagger_fields.h), as the API server would check it.
//
// One walk over the document with a static table: an unknown field at any
// depth, a value of the wrong type, a value outside an enum, and two
// properties of a `oneOf` object are errors, e.g.
//   canary.yaml:12:9: spec.analysis.metrics[0].thresholdRnage: unknown field (did you mean thresholdRange?)
// Keys of metadata labels and annotations are free, as in Kubernetes. A
// Canary's fields that the Istio router copies into a VirtualService or a
// DestinationRule (flagger_fields.h kIstioCopies) are also checked against
// Istio's schema when the provider is istio (the default): there
// `retries.attempts` must be an integer and a timeout a duration. The kind
// must be one of the flagger.app kinds, and the apiVersion one Flagger serves.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "render/flagger_fields.h"
#include "render/manifest.h"

namespace gitcanary::render {

// Checks a manifest of the flagger.app group: Canary (v1beta1 or v1alpha3),
// MetricTemplate or AlertProvider; any other kind is an error. A Canary's
// fields that the Istio router copies are checked against Istio's schema when
// its provider (spec.provider, else `default_provider`, else istio) is istio.
Status CheckFlaggerObject(const Manifest& m, std::string_view default_provider = "");

// In flagger mode: a value gitcanary accepts beyond Flagger's CRD (the
// `generic` AlertProvider type) is an error, since Flagger would refuse it.
Status RefusedByFlagger(const Manifest& m);

// Checks `doc` against `table` from its root; exposed for tests.
Status CheckFields(const yaml::Node& doc, const FieldTable& table, const std::string& file);

// The closest of `candidates` to `word` when it is close enough to be a
// likely typo (a few edits, or a different case), else "".
std::string_view DidYouMean(std::string_view word, const std::vector<std::string_view>& candidates);

}  // namespace gitcanary::render
