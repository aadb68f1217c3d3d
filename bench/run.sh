#!/usr/bin/env bash
# Builds gitcanary and runs every benchmark; prints medians and ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec python3 bench/bench.py "$@"
