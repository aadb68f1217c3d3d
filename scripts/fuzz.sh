#!/usr/bin/env bash
# Builds the libFuzzer harnesses under fuzz/ with clang (ASan + UBSan) in
# build-fuzz/ and runs each one for SECONDS_PER_HARNESS seconds (default 20)
# on a scratch copy of its committed seed corpus, so the corpus in git never
# grows. Prints executions and exec/s per harness; exits non-zero when any
# harness finds a crash, a leak, undefined behaviour, a timeout or an
# out-of-memory. CI runs `bash scripts/fuzz.sh 15`; run it with 600 or more
# for a longer campaign. Installs clang and libFuzzer (Debian bookworm) if
# missing.
#
#   bash scripts/fuzz.sh [SECONDS_PER_HARNESS]
#   FUZZ_HARNESSES="canary_spec prometheus_reply" bash scripts/fuzz.sh 60
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-20}"
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || ((seconds < 1)); then
  echo "usage: $0 [SECONDS_PER_HARNESS]" >&2
  exit 2
fi
harnesses=(${FUZZ_HARNESSES:-manifest_loader canary_spec prometheus_reply argocd_parameters})
build="${FUZZ_BUILD_DIR:-build-fuzz}"

# clang + libclang-rt-dev (libFuzzer and the sanitizer runtimes) for the
# harnesses; the rest is what the top-level CMakeLists.txt finds at configure.
packages=(clang libclang-rt-dev cmake make pkg-config libgit2-dev libyaml-cpp-dev
          nlohmann-json3-dev libcpp-httplib-dev doctest-dev libssl-dev)
bash scripts/install_packages.sh "${packages[@]}"

# A build directory configured with another compiler cannot be switched to clang.
if [ -f "$build/CMakeCache.txt" ] && ! grep -q '^CMAKE_CXX_COMPILER:[A-Z]*=.*clang++' "$build/CMakeCache.txt"; then
  rm -rf "$build"
fi
mkdir -p "$build"
if ! CXX=clang++ cmake -S . -B "$build" -DGITCANARY_FUZZ=ON >"$build/configure.log" 2>&1; then
  tail -n 30 "$build/configure.log" >&2
  echo "fuzz: configure failed (log: $build/configure.log)" >&2
  exit 1
fi
if ! cmake --build "$build" --target gitcanary_fuzzers -j "$(nproc)" >"$build/build.log" 2>&1; then
  tail -n 60 "$build/build.log" >&2
  echo "fuzz: build failed (log: $build/build.log)" >&2
  exit 1
fi

failed=()
printf '%-20s %12s %10s  %s\n' harness executions exec/s result
for h in "${harnesses[@]}"; do
  bin="$build/fuzz/${h}_fuzz"
  [ -x "$bin" ] || { echo "fuzz: no harness $bin" >&2; exit 1; }
  dict=fuzz/dict/yaml.dict
  case "$h" in prometheus_reply | argocd_parameters) dict=fuzz/dict/json.dict ;; esac
  work="$build/fuzz-work/$h"
  rm -rf "$work"
  mkdir -p "$work/artifacts"
  cp -r "fuzz/corpus/$h" "$work/corpus"
  rc=0
  "$bin" -dict="$dict" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$work/artifacts/" "$work/corpus" >"$work/log" 2>&1 || rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log" | tail -n 1)
  if [ -z "$runs" ]; then
    runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$work/log" | tail -n 1)
  fi
  result=ok
  if ((rc != 0)); then
    result="FAILED (exit $rc; log $work/log)"
    failed+=("$h")
  fi
  printf '%-20s %12s %10s  %s\n' "$h" "${runs:-?}" "${rate:-?}" "$result"
  if ((rc != 0)); then
    # An invariant's detail is on the line after it.
    grep -E -A1 'ERROR:|invariant broken|runtime error|SUMMARY' "$work/log" | head -n 12 >&2 || true
    ls "$work/artifacts" >&2
  fi
done

if ((${#failed[@]})); then
  echo "fuzz: ${failed[*]} found a problem; reproduce with $build/fuzz/<harness>_fuzz ARTIFACT" >&2
  exit 1
fi
