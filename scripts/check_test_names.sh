#!/usr/bin/env bash
# Checks that every doctest case in BUILD_DIR/gitcanary_tests is exactly one
# ctest test. ctest splits a name on ';', and the halves become filters that
# match nothing, so such a case would "pass" without running.
#
#   bash scripts/check_test_names.sh BUILD_DIR
set -euo pipefail
cd "$1"
names=$(./gitcanary_tests --list-test-cases --no-version | grep -v '^\[doctest\]\|^=*$')
if split=$(grep ';' <<<"$names"); then
  echo "test: a test name must not contain ';':" >&2
  echo "$split" >&2
  exit 1
fi
cases=$(grep -c . <<<"$names")
tests=$(ctest -N | sed -n 's/^Total Tests: //p')
if [ "$cases" != "$tests" ]; then
  echo "test: $cases doctest cases but $tests ctest tests" >&2
  exit 1
fi
