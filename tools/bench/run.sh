#!/usr/bin/env bash
# End-to-end benchmarks of issue 8: packet rate and HTTP load through xdplb against the floor and the
# kernel's own paths, in namespace labs that are removed on every exit. Prints tables, writes
# bench-results/{results.json,*.csv,*.png}.
#
#   tools/bench/run.sh [--quick] [--results DIR] [--only NAME]...
#
# XDPLB_BUILD_DIR selects the build tree (default: build/); it is configured and built when the
# programs the benchmarks run are missing or stale.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${XDPLB_BUILD_DIR:-$repo/build}"
export XDPLB_BUILD_DIR="$build"

if [ "$(id -u)" -ne 0 ]; then
  echo "tools/bench/run.sh: run as root (namespaces, XDP programs, nftables)" >&2
  exit 2
fi

# Configure every time: it is quick, and it picks up lab BPF programs added since the last configure.
cmake -S "$repo" -B "$build" >/dev/null
# Only what the benchmarks run: the agent, its control tool, the lab's BPF objects, the C++ benchmarks.
build_log="$(mktemp /tmp/xdplb-bench-build.XXXXXX)"
if ! cmake --build "$build" -j"$(nproc)" --target xdplbd xdplbctl xdp_swap_tx_object xdp_count_drop_object \
  xdp_pass_object maglev_bench check_scale xdp_bench >"$build_log" 2>&1; then
  tail -40 "$build_log" >&2
  echo "tools/bench/run.sh: build failed (full log: $build_log)" >&2
  exit 1
fi
rm -f "$build_log"

# Debian's python3, whatever python3 comes first on PATH.
exec /usr/bin/python3 "$repo/tools/bench/bench.py" "$@"
