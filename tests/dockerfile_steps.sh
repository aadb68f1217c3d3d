#!/usr/bin/env bash
# Runs the Dockerfile's steps on this Debian bookworm host, since no Docker
# engine runs here, and checks the image they would make.
#
#   build stage:   RUN lines run as written in a fresh copy of the source
#                  (COPY . .); apt-get lines install what is missing instead
#                  of emptying the host's apt lists.
#   runtime stage: COPY --from=build lines copy into a staging root; the
#                  image is then checked as USER 999 would see it: the
#                  executables run, `serve` finds gitcanary-serve and `diff`
#                  gitcanary-git, plugin.yaml and
#                  the Helm and kustomize plugins are in place, and every
#                  shared library the binaries load comes from the runtime
#                  stage's packages (or the slim base).
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/gitcanary-docker.XXXXXX)
trap 'rm -rf "$work"' EXIT
build_root="$work/build-stage"
run_root="$work/image"
mkdir -p "$build_root" "$run_root"

fail() { echo "dockerfile_steps: $*" >&2; exit 1; }

# Instructions one per line, continuations joined.
instructions=$(sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$src/Dockerfile" | grep -v '^\s*#' | grep -v '^\s*$')

apt_packages() {  # the package names of an apt-get install command
  sed -n 's/.*apt-get install\(.*\)/\1/p' <<<"$1" | sed 's/&&.*//' | tr ' ' '\n' | grep -v '^-' | grep -v '^$' || true
}

install_missing() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

stage=""
workdir="/"
runtime_packages=()
user=""
entrypoint=""
declare -A env_vars
while IFS= read -r line; do
  op=${line%% *}
  args=${line#* }
  case "$op" in
    FROM) if [[ "$args" == *" AS build"* ]]; then stage=build; else stage=runtime; fi; workdir="/" ;;
    WORKDIR) workdir="$args"; mkdir -p "$build_root$workdir" ;;
    COPY)
      if [[ "$args" == "--from=build "* ]]; then
        read -r -a parts <<<"${args#--from=build }"
        dest="$run_root${parts[-1]}"
        unset 'parts[-1]'
        if ((${#parts[@]} > 1)) || [[ "${parts[0]}" != */ && "${dest}" == */ ]]; then mkdir -p "$dest"; else mkdir -p "$(dirname "$dest")"; fi
        for p in "${parts[@]}"; do cp -a "$build_root$p" "$dest"; done
      elif [[ "$args" == ". ." ]]; then
        # The build context: the work tree without build output.
        (cd "$src" && git ls-files -co --exclude-standard -z | xargs -0 cp --parents -a -t "$build_root$workdir")
      else
        fail "unsupported COPY: $args"
      fi ;;
    RUN)
      if [[ "$args" == *"apt-get install"* ]]; then
        mapfile -t pkgs < <(apt_packages "$args")
        install_missing "${pkgs[@]}"
        [ "$stage" = runtime ] && runtime_packages+=("${pkgs[@]}")
      else
        [ "$stage" = build ] || fail "unexpected RUN in the runtime stage: $args"
        (cd "$build_root$workdir" && bash -euo pipefail -c "$args") >"$work/run.log" 2>&1 || { tail -40 "$work/run.log" >&2; fail "RUN failed: $args"; }
      fi ;;
    ENV) env_vars[${args%%=*}]=${args#*=} ;;
    USER) user="$args" ;;
    ENTRYPOINT) entrypoint=$(sed 's/^\["\(.*\)"\]$/\1/' <<<"$args") ;;
    *) fail "unsupported instruction: $op" ;;
  esac
done <<<"$instructions"

[ "$user" = "999:999" ] || fail "the image must run as 999:999, not '$user'"
[ -x "$run_root$entrypoint" ] || fail "entrypoint $entrypoint is not in the image"
chmod -R a+rX "$work"

as_user() {  # runs a command as the image's user, with the image's ENV
  local envs=()
  for k in "${!env_vars[@]}"; do envs+=("$k=${env_vars[$k]//\/usr\/local\/share/$run_root/usr/local/share}"); done
  setpriv --reuid=999 --regid=999 --clear-groups env -i PATH="$run_root/usr/local/bin:/usr/bin:/bin" HOME=/tmp "${envs[@]}" "$@"
}

as_user "$run_root$entrypoint" --version | grep -q '^gitcanary ' || fail "gitcanary --version failed as user 999"
cp -R "$src/examples/hello-world" "$work/app" && chmod -R a+rX "$work/app"
out=$(cd "$work/app" && as_user "$run_root$entrypoint" render .) || fail "render failed as user 999"
grep -q '^kind: Deployment' <<<"$out" || fail "render printed no Deployment"
as_user "$run_root$entrypoint" serve --help >/dev/null || fail "gitcanary serve could not run gitcanary-serve"
as_user "$run_root$entrypoint" diff --help >/dev/null || fail "gitcanary diff could not run gitcanary-git"

plugin="$run_root/home/argocd/cmp-server/config/plugin.yaml"
cmp -s "$plugin" "$src/deploy/argocd/plugin.yaml" || fail "plugin.yaml is not at the cmp-server's config path"
command=$(sed -n 's/^ *command: \[\([a-z-]*\),.*/\1/p' "$plugin" | head -1)
[ -x "$run_root/usr/local/bin/$command" ] || fail "plugin.yaml's command '$command' is not in /usr/local/bin"
[ -f "$run_root/usr/local/share/gitcanary/helm-plugin/plugin.yaml" ] || fail "the Helm plugin is missing"
home=${env_vars[KUSTOMIZE_PLUGIN_HOME]:-}
[ -x "$run_root$home/gitcanary.io/v1alpha1/canaryrender/CanaryRender" ] || fail "the kustomize plugin is not under KUSTOMIZE_PLUGIN_HOME"

# Every shared library comes from the runtime packages or the slim base.
allowed=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
            --no-replaces --no-enhances "${runtime_packages[@]}" apt libc6 2>/dev/null | grep -v '^ ' | sed 's/:.*//' | sort -u)
for bin in gitcanary gitcanary-git gitcanary-serve; do
  ldd "$run_root/usr/local/bin/$bin" | grep -q 'not found' && fail "$bin: a shared library is missing"
  while read -r lib; do
    pkg=$(dpkg -S "$(readlink -f "$lib")" 2>/dev/null | head -1 | cut -d: -f1) || true
    [ -n "$pkg" ] || pkg=$(dpkg -S "$lib" 2>/dev/null | head -1 | cut -d: -f1) || true
    grep -qx "$pkg" <<<"$allowed" || fail "$bin loads $lib from package '$pkg', which the runtime stage does not install"
  done < <(ldd "$run_root/usr/local/bin/$bin" | awk '$3 ~ /^\// {print $3}')
done
echo "dockerfile_steps: ok (runtime packages: ${runtime_packages[*]})"
