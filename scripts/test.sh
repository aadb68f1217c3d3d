#!/usr/bin/env bash
# Sets everything up and runs the whole test suite: unit tests, golden tests of
# the examples, and integration tests against real processes.
set -euo pipefail
cd "$(dirname "$0")/.."
# kubectl is the reference client for some tests; it is used when present.
bash scripts/setup.sh
cd build
ctest --output-on-failure --timeout 300 -j "$(nproc)"
