// The egress guard of client-level tests: their servers listen on loopback,
// which serve's default policy denies, so the tests allow 127.0.0.0/8 and ::1
// as an operator would with --allow-egress.
#pragma once

#include <memory>

#include "plugin/clients/egress_guard.h"

namespace gitcanary::testing {

inline std::shared_ptr<const plugin::EgressGuard> LoopbackEgress() {
  auto policy = policies::EgressPolicy::Make({"127.0.0.0/8", "::1"}, {}, "");
  return std::make_shared<const plugin::EgressGuard>(*policy);
}

}  // namespace gitcanary::testing
