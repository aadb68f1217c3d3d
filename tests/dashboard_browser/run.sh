#!/usr/bin/env bash
# The dashboard in a real browser (ctest: dashboard_browser_e2e).
#
#   bash tests/dashboard_browser/run.sh BUILD_DIR
#
# Builds a GitOps repository in a temporary bare repo with two canaries
# (test/podinfo, and one named <script>alert(1)</script>), starts
# `gitcanary serve` on 127.0.0.1 over it, waits for serve's first status
# commits, then runs browser_test.mjs: Debian's chromium driven by
# playwright-core (scripts/install_playwright.sh). The script pushes the
# release's status commits itself (push_weight below), so the page's live
# update is timed from a push. Screenshots go to BUILD_DIR/test-artifacts/dashboard/.
# Exit 77 (ctest: skipped) with a line saying why when chromium, node or
# playwright-core cannot be had.
set -euo pipefail
build=$(realpath "$1")
src=$(cd "$(dirname "$0")/../.." && pwd)
skip() { echo "skipped: $*"; exit 77; }

command -v node >/dev/null || skip "no node to run playwright-core"
exports=$(bash "$src/scripts/install_playwright.sh" "$build")
unset GITCANARY_TEST_CHROMIUM GITCANARY_TEST_PLAYWRIGHT  # only what the script vouches for
eval "$exports"
[ -n "${GITCANARY_TEST_CHROMIUM:-}" ] || skip "no chromium (apt-get install chromium)"
[ -n "${GITCANARY_TEST_PLAYWRIGHT:-}" ] || skip "playwright-core cannot be installed from npm"

tmp=$(mktemp -d)
serve_pid=
cleanup() {
  if [ -n "$serve_pid" ]; then kill "$serve_pid" 2>/dev/null || true; wait "$serve_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

git init -q --bare -b main "$tmp/remote.git"
git clone -q "$tmp/remote.git" "$tmp/work" 2>/dev/null
git -C "$tmp/work" config user.name Person
git -C "$tmp/work" config user.email person@example.com

# app DIR CANARY_NAME DEPLOYMENT TAG: a Deployment and its Canary (analysis
# every hour, so serve only initializes them during the test).
app() {
  mkdir -p "$tmp/work/apps/$1"
  cat > "$tmp/work/apps/$1/app.yaml" <<YAML
apiVersion: apps/v1
kind: Deployment
metadata:
  name: $3
  namespace: test
spec:
  selector:
    matchLabels:
      app: $3
  template:
    metadata:
      labels:
        app: $3
    spec:
      containers:
        - name: app
          image: ghcr.io/example/$3:$4
---
apiVersion: flagger.app/v1beta1
kind: Canary
metadata:
  name: $2
  namespace: test
spec:
  targetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: $3
  service:
    port: 9898
  analysis:
    interval: 1h
    threshold: 2
    maxWeight: 50
    stepWeight: 10
YAML
}
app podinfo podinfo podinfo 1.0.0
app xss "'<script>alert(1)</script>'" xss 1.0.0
git -C "$tmp/work" add -A
git -C "$tmp/work" commit -qm "two apps"
git -C "$tmp/work" push -q origin HEAD:main

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$build/gitcanary" serve --repo "$tmp/remote.git" --cache-dir "$tmp/cache" --listen "127.0.0.1:$port" \
  --poll 300ms --readiness none --commit-url 'https://git.example.com/org/repo/commit/{sha}' \
  2> "$tmp/serve.log" &
serve_pid=$!

# serve's first pass initializes both canaries (one commit).
for _ in $(seq 1 100); do
  if curl -sf "http://127.0.0.1:$port/api/overview" 2>/dev/null | grep -q '"phase":"Initialized".*"phase":"Initialized"'; then
    break
  fi
  sleep 0.1
done
curl -sf "http://127.0.0.1:$port/api/overview" | grep -q '"phase":"Initialized".*"phase":"Initialized"' ||
  { cat "$tmp/serve.log"; echo "serve did not initialize the canaries"; exit 1; }

# The release as status commits: a new image tag, then the weight the test asks for.
git -C "$tmp/work" pull -q --rebase origin main
sed -i 's/podinfo:1.0.0/podinfo:1.1.0/' "$tmp/work/apps/podinfo/app.yaml"
git -C "$tmp/work" commit -qam "podinfo: image 1.1.0"
git -C "$tmp/work" push -q origin HEAD:main

cat > "$tmp/push_weight.sh" <<SH
#!/usr/bin/env bash
# push_weight.sh WEIGHT: a status commit moving test/podinfo to Progressing at WEIGHT.
set -euo pipefail
cd "$tmp/work"
git pull -q --rebase origin main
f=apps/podinfo/podinfo.gitcanary-status.yaml
old=\$(sed -n 's/^  canaryWeight: //p' \$f)
sed -i -e "s/^  phase: .*/  phase: Progressing/" -e "s/^  canaryWeight: .*/  canaryWeight: \$1/" \$f
git commit -qam "canary test/podinfo: weight \$old -> \$1 (scripted by the browser test)"
git push -q origin HEAD:main
SH
chmod +x "$tmp/push_weight.sh"
"$tmp/push_weight.sh" 10

mkdir -p "$build/test-artifacts/dashboard"
DASH_URL="http://127.0.0.1:$port" PUSH_WEIGHT="$tmp/push_weight.sh" ARTIFACTS="$build/test-artifacts/dashboard" \
  node "$src/tests/dashboard_browser/browser_test.mjs" || { echo "--- serve log"; tail -20 "$tmp/serve.log"; exit 1; }
