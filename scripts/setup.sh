#!/usr/bin/env bash
# Installs the build dependencies from Debian packages (only those missing),
# then configures and builds gitcanary into build/. Safe to run repeatedly.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(cmake g++ make pkg-config libgit2-dev libyaml-cpp-dev nlohmann-json3-dev
          libcpp-httplib-dev doctest-dev libssl-dev git python3)
packages+=("$@")  # callers may ask for more (the test script adds its tools)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
if ! cmake --build build -j "$(nproc)" >build/build.log 2>&1; then
  tail -n 60 build/build.log >&2
  echo "setup: build failed (full log: build/build.log)" >&2
  exit 1
fi
