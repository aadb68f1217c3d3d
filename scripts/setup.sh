#!/usr/bin/env bash
# Installs the build dependencies from Debian packages (only those missing),
# then configures and builds gitcanary into build/. Safe to run repeatedly.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(cmake g++ make pkg-config libgit2-dev libyaml-cpp-dev nlohmann-json3-dev
          libcpp-httplib-dev doctest-dev libssl-dev git python3)
bash scripts/install_packages.sh "${packages[@]}" "$@"  # callers may ask for more

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
if ! cmake --build build -j "$(nproc)" >build/build.log 2>&1; then
  tail -n 60 build/build.log >&2
  echo "setup: build failed (full log: build/build.log)" >&2
  exit 1
fi
