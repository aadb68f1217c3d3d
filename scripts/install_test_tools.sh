#!/usr/bin/env bash
# Installs the tools the integration tests use, from Debian packages, when they
# are missing: `prometheus` (the real server the metric tests query), `hey`
# (load generator), `zsh` (the completion test checks its script with
# `zsh -n`), `strace` (the system calls a render makes) and `valgrind` (the
# functions it runs, against plugin/hot_text/). Debian's prometheus postinst
# would start a daemon listening on all interfaces, so services are blocked
# with a policy-rc.d that answers 101 for the duration of the install (any
# existing one is restored afterwards), and any prometheus daemon the install
# started anyway is stopped. Safe to re-run; never prompts (uses `sudo -n` when
# not root).
set -euo pipefail

packages=(prometheus hey zsh strace valgrind)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
((${#missing[@]})) || exit 0

if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install_test_tools: need root or sudo to install ${missing[*]}" >&2; exit 1; }
  exec sudo -n env DEBIAN_FRONTEND=noninteractive bash "$0" "$@"
fi
export DEBIAN_FRONTEND=noninteractive
echo "install_test_tools: installing ${missing[*]}" >&2

# PIDs of the Debian services' daemons: run as user prometheus from the
# packages' executables (the kernel keeps 15 characters of a process name).
daemon_pids() {
  local pid
  for pid in $(pgrep -u prometheus -x prometheus 2>/dev/null
               pgrep -u prometheus -x prometheus-node 2>/dev/null); do
    case "$(readlink "/proc/$pid/exe" 2>/dev/null)" in
      /usr/bin/prometheus | /usr/bin/prometheus-node-exporter) echo "$pid" ;;
    esac
  done
}
# Daemons running before the install are left alone.
before=" $(daemon_pids | tr '\n' ' ') "

policy=/usr/sbin/policy-rc.d
backup=""
if [ -e "$policy" ]; then
  backup=$(mktemp /usr/sbin/policy-rc.d.gitcanary.XXXXXX)
  cp -p "$policy" "$backup"
fi
restore_policy() {
  if [ -n "$backup" ]; then
    mv -f "$backup" "$policy"
  else
    rm -f "$policy"
  fi
}
trap restore_policy EXIT
trap 'exit 130' INT TERM
printf '#!/bin/sh\n# written by gitcanary scripts/install_test_tools.sh\nexit 101\n' >"$policy"
chmod 755 "$policy"

apt-get update -qq
# --no-install-recommends keeps prometheus-node-exporter (a recommend) out.
apt-get install -y -qq --no-install-recommends \
  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
  "${missing[@]}" >/dev/null

# Belt and braces: stop and disable the unit of a package installed just now,
# and end any daemon process that was not running before the install.
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
  if [[ " ${missing[*]} " == *" prometheus "* ]]; then
    systemctl disable --now prometheus.service >/dev/null 2>&1 || true
  fi
fi
for pid in $(daemon_pids); do
  case "$before" in
    *" $pid "*) ;;
    *) echo "install_test_tools: stopping daemon $pid started by the install" >&2
       kill "$pid" 2>/dev/null || true ;;
  esac
done

for tool in prometheus hey; do
  command -v "$tool" >/dev/null || { echo "install_test_tools: $tool missing after install" >&2; exit 1; }
done
