#!/usr/bin/env bash
# Fuzzes the configuration parser (tests/fuzz/config_fuzz.cpp) for a bounded time.
#   tools/fuzz/run_config_fuzz.sh [SECONDS]     default 60
# Builds with clang (libFuzzer + ASan + UBSan) into build-config-fuzz/, seeds from conf/*.conf, and
# keeps the grown corpus in build-config-fuzz/corpus for the next run. A crash leaves its input in
# build-config-fuzz/ (crash-*, leak-*, timeout-*) and makes the script exit non-zero.
# Needs: clang, libclang-rt-14-dev. Not part of CI: run it by hand or in a nightly job.
set -euo pipefail

seconds="${1:-60}"
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -eq 0 ]; then
  echo "usage: $0 [SECONDS]   (a positive whole number of seconds, default 60)" >&2
  exit 2
fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="$root/build-config-fuzz"

CC=clang CXX=clang++ cmake -S "$root" -B "$build" -DXDPLB_BUILD_FUZZERS=ON -DXDPLB_BUILD_TESTS=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target fuzz_config -j"$(nproc)"

corpus="$build/corpus"
mkdir -p "$corpus"
cp "$root"/conf/*.conf "$corpus"/

echo "fuzzing the config parser for ${seconds}s (corpus: $corpus)"
start=$(date +%s)
"$build/bin/fuzz_config" \
  -max_total_time="$seconds" \
  -max_len=16384 \
  -timeout=10 \
  -rss_limit_mb=2048 \
  -dict="$root/tests/fuzz/config.dict" \
  -artifact_prefix="$build/" \
  -print_final_stats=1 \
  "$corpus"
echo "fuzz_config ran clean for $(( $(date +%s) - start ))s"
