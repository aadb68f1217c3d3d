#!/usr/bin/env bash
# The schema step of the test command: every object that render, generate,
# post-render and krm emit for the examples and the fixtures is validated
# against the upstream schemas, unknown fields refused (tests/schema/run.js,
# validate.js), after the step's self-test (selftest.js) has shown that a bad
# object and a broken render are refused.
#
#   bash tests/schema/run.sh [BUILD_DIR]      (default build/; needs BUILD_DIR/gitcanary)
#
# - Node.js (Debian's nodejs and npm when node is missing) and the npm packages
#   pinned in tests/schema/package-lock.json, installed with `npm ci` into
#   ${GITCANARY_TOOLS_DIR:-~/.cache/gitcanary-tools}/schema/node_modules, outside
#   the repository. A cache whose lock file equals ours is used as it is,
#   without touching the network.
# - The CRD schemas come from ../shared/fixtures/schemas. When they are absent,
#   or Node.js or the packages cannot be had, the step prints "schema: SKIP"
#   and why, and exits 0.
# - Helm (GITCANARY_TEST_HELM4, else helm on PATH) builds the chart apps; they
#   are skipped, with a line saying so, when there is none.
set -uo pipefail
cd "$(dirname "$0")/../.."
source_dir=$PWD
build_dir=${1:-build}
here=$source_dir/tests/schema
schemas=$source_dir/../shared/fixtures/schemas
tools_dir=${GITCANARY_TOOLS_DIR:-${HOME:-/tmp}/.cache/gitcanary-tools}
modules=$tools_dir/schema

skip() {
  echo "schema: SKIP: $*"
  exit 0
}

[ -x "$build_dir/gitcanary" ] || { echo "schema: $build_dir/gitcanary is not built" >&2; exit 1; }
[ -d "$schemas" ] || skip "$schemas is absent (the CRD schemas come from ../shared)"

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "schema: installing Debian's nodejs and npm" >&2
  bash scripts/install_packages.sh nodejs npm >&2 || skip "Node.js is not installed and Debian's nodejs could not be installed"
fi
major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null) || skip "node does not run"
[ "$major" -ge 18 ] || skip "Node.js $major is too old (18 or later is needed)"

# The pinned packages, installed when the cache's lock file differs from ours.
if ! cmp -s "$here/package-lock.json" "$modules/package-lock.json" || [ ! -d "$modules/node_modules" ]; then
  mkdir -p "$tools_dir" || skip "cannot create $tools_dir"
  tmp=$(mktemp -d "$tools_dir/.schema.XXXXXX") || skip "cannot create a temp directory in $tools_dir"
  trap 'rm -rf "$tmp"' EXIT
  cp "$here/package.json" "$here/package-lock.json" "$tmp/"
  echo "schema: installing the pinned npm packages into $modules" >&2
  if ! (cd "$tmp" && timeout 300 npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >npm.log 2>&1); then
    skip "npm ci failed: $(grep -m 1 -v -E '^npm error (code|syscall|errno) ' "$tmp/npm.log" | cut -c 1-200)"
  fi
  rm -f "$tmp/npm.log"
  # Swapped in whole, so a concurrent run never sees half an install.
  rm -rf "$modules.old"
  [ -d "$modules" ] && mv "$modules" "$modules.old"
  mv "$tmp" "$modules" && rm -rf "$modules.old"
  trap - EXIT
fi
export NODE_PATH=$modules/node_modules

helm=${GITCANARY_TEST_HELM4:-$(command -v helm || true)}
helm_args=()
[ -n "$helm" ] && helm_args=(--helm "$helm")

start=$SECONDS
node "$here/selftest.js" --gitcanary "$build_dir/gitcanary" --source "$source_dir" --schemas "$schemas" || exit 1
node "$here/run.js" --gitcanary "$build_dir/gitcanary" --source "$source_dir" --schemas "$schemas" "${helm_args[@]}"
status=$?
echo "schema: done in $((SECONDS - start)) s"
exit $status
