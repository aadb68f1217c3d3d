#!/usr/bin/env bash
# Installs what the dashboard's browser test (tests/dashboard_browser/) needs:
# Debian's chromium and the playwright-core npm package that drives it, and
# prints the shell lines that point the test at them:
#
#   eval "$(bash scripts/install_playwright.sh [BUILD_DIR])"
#   # -> export GITCANARY_TEST_CHROMIUM=/usr/bin/chromium
#   #    export GITCANARY_TEST_PLAYWRIGHT=BUILD_DIR/tools/playwright/node_modules/playwright-core
#
# playwright-core goes into TOOLS/playwright, where TOOLS is
# $GITCANARY_TOOLS_DIR when set, else BUILD_DIR/tools when a build directory
# is given, else ~/.cache/gitcanary-tools; it never downloads a browser of its
# own (the test gives executablePath /usr/bin/chromium).
#
# - Idempotent: a cached playwright-core of the pinned version is used as it
#   is, without touching the network.
# - chromium missing: installed with apt-get when running as root, else left
#   out.
# - Only the export lines go to stdout; progress and errors go to stderr. What
#   cannot be had is reported in one line on stderr, its export line is left
#   out (the browser test then skips, saying why), and the script exits 0.
set -uo pipefail

version=1.65.2  # playwright-core, pinned so every machine runs the same driver
if [ -n "${GITCANARY_TOOLS_DIR:-}" ]; then
  tools_dir=$GITCANARY_TOOLS_DIR
elif [ $# -ge 1 ] && [ -n "$1" ]; then
  tools_dir=$(realpath -m -- "$1")/tools
else
  tools_dir=${HOME:-/tmp}/.cache/gitcanary-tools
fi
log() { echo "install_playwright: $*" >&2; }

chromium=${GITCANARY_TEST_CHROMIUM:-/usr/bin/chromium}
if ! [ -x "$chromium" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing chromium from Debian"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1 ||
      { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1; }
  fi
fi
if [ -x "$chromium" ] && "$chromium" --version >/dev/null 2>&1; then
  echo "export GITCANARY_TEST_CHROMIUM=$chromium"
else
  log "no chromium at $chromium (apt-get install chromium as root); the browser test will be skipped"
fi

dir=$tools_dir/playwright
pkg=$dir/node_modules/playwright-core
installed() { [ -f "$pkg/package.json" ] && grep -q "\"version\": \"$version\"" "$pkg/package.json"; }
if ! installed; then
  if ! command -v npm >/dev/null; then
    log "no npm; the browser test will be skipped"
    exit 0
  fi
  mkdir -p "$dir"
  log "installing playwright-core@$version into $dir"
  (cd "$dir" && [ -f package.json ] || echo '{"private": true}' > package.json) &&
    (cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 timeout 300 npm install --no-audit --no-fund --silent \
      "playwright-core@$version" >&2) ||
    log "npm install playwright-core@$version failed"
fi
if installed; then
  echo "export GITCANARY_TEST_PLAYWRIGHT=$pkg"
else
  log "playwright-core cannot be had; the browser test will be skipped"
fi
exit 0
