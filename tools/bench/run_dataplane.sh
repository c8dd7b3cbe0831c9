#!/usr/bin/env bash
# Builds the data-plane benchmarks in a build directory of their own and runs them:
# maglev_bench (ring build table), xdp_bench (ns/packet via BPF_PROG_TEST_RUN) and dataplane_bench
# (map programming time, kernel memory of the maps). Needs root (BPF). Prints the tables on stdout.
#
#   tools/bench/run_dataplane.sh [--build-dir DIR] [--quick] [-- extra xdp_bench arguments]
#
# --quick runs fewer and smaller rounds (a smoke run; the figures in BENCHMARKS.md come without it).
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
build_dir="$repo/build-bench"
quick=0
xdp_args=()
while (($#)); do
  case "$1" in
    --build-dir) build_dir=$(realpath -m "${2:?--build-dir needs a directory}"); shift 2 ;;
    --quick) quick=1; shift ;;
    --) shift; xdp_args=("$@"); break ;;
    -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run_dataplane.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
if ((EUID != 0)); then
  echo "run_dataplane.sh: BPF_PROG_TEST_RUN and map creation need root" >&2
  exit 1
fi

echo "== build ($build_dir)"
cmake -S "$repo" -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DXDPLB_BUILD_TESTS=OFF >/dev/null
cmake --build "$build_dir" -j"$(nproc)" --target maglev_bench xdp_bench dataplane_bench >/dev/null
bin="$build_dir/bin"

echo "== machine"
echo "nproc: $(nproc); kernel: $(uname -r); CPU: $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)"
echo "memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo); BPF JIT: $(cat /proc/sys/net/core/bpf_jit_enable)"
echo "commit: $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo

if ((quick)); then
  "$bin/maglev_bench" --runs 3
  echo
  "$bin/xdp_bench" --rounds 3 --repeat 200000 --new-flows 20000 --cycled-flows 50000 "${xdp_args[@]}"
  echo
  "$bin/dataplane_bench" --maglev-runs 3 --rounds 1 --swaps 20
else
  "$bin/maglev_bench"
  echo
  "$bin/xdp_bench" "${xdp_args[@]}"
  echo
  "$bin/dataplane_bench"
fi

# Every data plane unpins itself; say so if one did not (a crash, or SIGKILL).
leftover=$(find /sys/fs/bpf/xdplb -maxdepth 1 -name 'xdpbench-*' 2>/dev/null || true)
if [[ -n "$leftover" ]]; then
  echo "run_dataplane.sh: pin directories left behind: $leftover" >&2
  exit 1
fi
