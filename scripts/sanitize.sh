#!/usr/bin/env bash
# Builds every target with AddressSanitizer and UndefinedBehaviorSanitizer
# (CMake option GITCANARY_SANITIZE) into build-asan/ (or
# $GITCANARY_SANITIZE_BUILD_DIR) and runs the whole ctest suite that
# scripts/test.sh runs, with the same case-count check. Any finding fails it:
# in the test binary itself, and in the gitcanary / gitcanary-serve children
# the integration tests start, which inherit the options from the environment.
# Reports go to files under the build directory (log_path), so that a finding
# in a child that a test expects to fail anyway is not mistaken for a pass, and
# so that tests checking a child's stderr see it unchanged; they are printed at
# the end. Needs the build dependencies (scripts/setup.sh installs them).
# The speed tests allow for the sanitizers' slowdown (tests/slowdown.h).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${GITCANARY_SANITIZE_BUILD_DIR:-build-asan}
# Real processes the integration tests run: Prometheus, and hey for load.
bash scripts/install_test_tools.sh

mkdir -p "$build"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGITCANARY_SANITIZE=ON >/dev/null
if ! cmake --build "$build" -j "$(nproc)" >"$build/build.log" 2>&1; then
  tail -n 60 "$build/build.log" >&2
  echo "sanitize: build failed (full log: $build/build.log)" >&2
  exit 1
fi

cd "$build"
reports=$PWD/sanitizer-reports
rm -rf "$reports"
mkdir -p "$reports"
# Uninstrumented children (git, prometheus, hey) ignore these variables.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:log_path=$reports/asan"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$reports/ubsan"
if [ -f ../scripts/lsan.supp ]; then
  export LSAN_OPTIONS="suppressions=$(cd .. && pwd)/scripts/lsan.supp:print_suppressions=0"
fi

bash ../scripts/check_test_names.sh .

status=0
ctest --output-on-failure --timeout 300 -j "$(nproc)" || status=$?
if [ -n "$(ls -A "$reports")" ]; then
  for f in "$reports"/*; do
    echo "=== sanitizer report $f" >&2
    cat "$f" >&2
  done
  echo "sanitize: sanitizer findings (above, and in $reports)" >&2
  status=1
fi
exit "$status"
