#!/usr/bin/env bash
# The soak test of `gitcanary serve` (tests/soak/README.md): 3 replicas, a 1 s
# lease, 20 canaries cycling through healthy and broken releases, a random
# kill -9 every few hundred passes; it asserts flat RSS and fds, bounded cache
# packs, remote growth per decision only, a small lease ref, no decision lost
# or doubled and no webhook called twice for one step.
#
#   bash tests/soak/run.sh [--long] [BUILD_DIR]     (default: the short form, build/)
#
# The short form takes about 2-3 minutes and is a step of scripts/test.sh; the
# long form (10,000 passes, 1,000 decisions) under 15 minutes. Figures, CSV
# and logs go to BUILD_DIR/test-artifacts/soak/FORM/. Everything runs on
# 127.0.0.1. Without python3 (3.8 or later), git, du, /proc or
# BUILD_DIR/gitcanary-serve the step prints "soak: SKIP" and why, and exits 0.
set -uo pipefail
cd "$(dirname "$0")/../.."
form=short
build_dir=build
for arg in "$@"; do
  case "$arg" in
    --long) form=long ;;
    --short) form=short ;;
    -*) echo "usage: bash tests/soak/run.sh [--long] [BUILD_DIR]" >&2; exit 2 ;;
    *) build_dir=$arg ;;
  esac
done

skip() {
  echo "soak: SKIP: $*"
  exit 0
}

command -v python3 >/dev/null || skip "python3 is not installed"
python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 8) else 1)' || skip "python3 is older than 3.8"
command -v git >/dev/null || skip "git is not installed"
command -v du >/dev/null || skip "du is not installed"
[ -r /proc/self/status ] && [ -d /proc/self/fd ] || skip "no /proc to read RSS and open files from"
[ -x "$build_dir/gitcanary-serve" ] ||
  skip "$build_dir/gitcanary-serve is not built (cmake --build $build_dir --target gitcanary-serve)"

# A hard bound on the whole run: the short form is done in about 3 minutes, the
# long one in 15; past this the run is stopped (SIGTERM, which stops every
# replica it started) and counts as failed.
case "$form" in
  short) limit=420 ;;
  long) limit=1080 ;;
esac
# The judgements first, on made-up histories: each must refuse what it is for.
python3 tests/soak/selftest.py 2>&1 | tail -1 | grep -qx OK || { python3 tests/soak/selftest.py; echo "soak: FAIL: the self-test (tests/soak/selftest.py)" >&2; exit 1; }
out=$build_dir/test-artifacts/soak/$form
echo "soak: $form form, artifacts in $out" >&2
timeout --signal=TERM --kill-after=30 "$limit" \
  python3 tests/soak/soak.py --binary "$build_dir/gitcanary-serve" --out "$out" --form "$form" &
child=$!
trap 'kill -TERM "$child" 2>/dev/null; wait "$child"; exit 130' INT TERM
wait "$child"
status=$?
if [ "$status" -eq 124 ]; then
  echo "soak: FAIL: the $form form did not finish within $limit s" >&2
  exit 1
fi
exit "$status"
