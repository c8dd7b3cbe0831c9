#!/usr/bin/env bash
# Fuzzes one libFuzzer target for a bounded time.
#   tools/fuzz/run_fuzz.sh TARGET [SECONDS]       TARGET: config, vrrp or control; SECONDS default 60
#   tools/fuzz/run_fuzz.sh --build-only           builds every target and exits
# Builds with clang (libFuzzer + ASan + UBSan) into build-fuzz/ (XDPLB_FUZZ_BUILD_DIR overrides it),
# seeds build-fuzz/corpus-TARGET from the target's seeds and keeps what it grows for the next run.
# A crash, a leak, a timeout or a sanitizer report leaves its input as build-fuzz/TARGET-crash-*
# (-leak-*, -timeout-*, -oom-*) and makes the script exit non-zero. Extra libFuzzer flags may
# follow after "--", e.g. -- -jobs=2 -workers=2. Set XDPLB_FUZZ_QUIET=1 to keep only the summary.
# Needs: clang, libclang-rt-14-dev (tools/setup.sh installs both).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${XDPLB_FUZZ_BUILD_DIR:-$root/build-fuzz}"
targets=(config vrrp control)

usage() {
  echo "usage: $0 TARGET [SECONDS] [-- LIBFUZZER_FLAGS...] | $0 --build-only   (TARGET: ${targets[*]})" >&2
  exit 2
}

build_fuzzers() {
  local launcher=()
  if command -v ccache >/dev/null; then
    launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
  fi
  CC=clang CXX=clang++ cmake -S "$root" -B "$build" -DXDPLB_BUILD_FUZZERS=ON -DXDPLB_BUILD_TESTS=OFF \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" >/dev/null
  # At most two compilers: the machine is shared and small.
  cmake --build "$build" --target fuzz_config fuzz_vrrp fuzz_control fuzz_vrrp_seeds -j"$(( $(nproc) < 2 ? $(nproc) : 2 ))" \
    >"$build/build.log" 2>&1 || { tail -40 "$build/build.log" >&2; echo "run_fuzz: build failed (log: $build/build.log)" >&2; exit 1; }
}

[ $# -ge 1 ] || usage
if [ "$1" = "--build-only" ]; then
  build_fuzzers
  exit 0
fi
target="$1"; shift
[[ " ${targets[*]} " == *" $target "* ]] || usage
seconds=60
if [ $# -ge 1 ] && [ "$1" != "--" ]; then seconds="$1"; shift; fi
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -eq 0 ]; then usage; fi
[ $# -eq 0 ] || { [ "$1" = "--" ] || usage; shift; }

[ -n "${XDPLB_FUZZ_SKIP_BUILD:-}" ] || build_fuzzers

corpus="$build/corpus-$target"
mkdir -p "$corpus"
flags=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
       -artifact_prefix="$build/$target-")
case "$target" in
  config)
    cp "$root"/conf/*.conf "$root"/tests/fuzz/seeds/config/* "$corpus"/
    # keepalived's own sample files, when its package is installed (they are not ours to copy).
    if [ -d /usr/share/doc/keepalived/samples ]; then
      for sample in /usr/share/doc/keepalived/samples/keepalived.conf.*; do cp "$sample" "$corpus/"; done
    fi
    flags+=(-max_len=16384 -dict="$root/tests/fuzz/config.dict") ;;
  vrrp)
    "$build/bin/fuzz_vrrp_seeds" "$corpus" >/dev/null
    flags+=(-max_len=4096 -dict="$root/tests/fuzz/vrrp.dict") ;;
  control)
    cp "$root"/tests/fuzz/seeds/control/* "$corpus"/
    flags+=(-max_len=8192 -dict="$root/tests/fuzz/control.dict") ;;
esac

echo "fuzzing $target for ${seconds}s (corpus: $corpus)"
log="$build/$target.log"
start=$(date +%s)
status=0
"$build/bin/fuzz_$target" "${flags[@]}" "$@" "$corpus" >"$log" 2>&1 || status=$?
elapsed=$(( $(date +%s) - start ))
if [ -z "${XDPLB_FUZZ_QUIET:-}" ] || [ "$status" -ne 0 ]; then
  # The whole log on failure (the report and the input's path); otherwise the progress lines.
  if [ "$status" -ne 0 ]; then cat "$log"; else grep -E '^#|^stat::|^Done' "$log" | tail -12; fi
fi
if [ "$status" -ne 0 ]; then
  echo "fuzz_$target FAILED after ${elapsed}s (exit $status); input: $(ls "$build/$target-"* 2>/dev/null | tr '\n' ' ')" >&2
  exit 1
fi
summary=$(grep -E '^#[0-9]+.*DONE|^Done' "$log" | tail -2 | tr '\n' ' ')
echo "fuzz_$target ran clean for ${elapsed}s: $summary"
