#!/usr/bin/env bash
# Checks that every doctest case in BUILD_DIR/gitcanary_tests and
# BUILD_DIR/gitcanary_heap_tests is exactly one ctest test (besides the tests
# labelled "script"). ctest splits a name on ';', and the halves become filters that
# match nothing, so such a case would "pass" without running.
#
#   bash scripts/check_test_names.sh BUILD_DIR
set -euo pipefail
cd "$1"
names=$(for binary in ./gitcanary_tests ./gitcanary_heap_tests; do
          [ -x "$binary" ] && "$binary" --list-test-cases --no-version
        done | grep -v '^\[doctest\]\|^=*$')
if split=$(grep ';' <<<"$names"); then
  echo "test: a test name must not contain ';':" >&2
  echo "$split" >&2
  exit 1
fi
cases=$(grep -c . <<<"$names")
# Tests that are scripts rather than doctest cases carry the label "script"
# (the dashboard's browser test).
all=$(ctest -N | sed -n 's/^Total Tests: //p')
scripts=$(ctest -N -L '^script$' | sed -n 's/^Total Tests: //p')
tests=$((all - scripts))
if [ "$cases" != "$tests" ]; then
  echo "test: $cases doctest cases but $tests ctest tests" >&2
  exit 1
fi
