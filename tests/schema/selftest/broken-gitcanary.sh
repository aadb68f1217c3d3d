#!/bin/sh
# gitcanary with a deliberately invalid render, for tests/schema/selftest.js:
# runs $GITCANARY_REAL and adds an unknown field to every top-level spec it
# prints. The schema check must refuse its output.
set -e
out=$("$GITCANARY_REAL" "$@")
printf '%s\n' "$out" | sed 's/^spec:$/spec:\n  deliberatelyUnknown: true/'
