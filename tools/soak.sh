#!/usr/bin/env bash
# The soak test of issue 21: builds if needed, then runs tools/soak/soak.py for MINUTES minutes of
# random events (real server flaps, reloads, restarts, signal storms, control-socket abuse) on a VRRP
# pair of xdplbd nodes while traffic flows through the VIPs. Not part of tools/test.sh.
#   tools/soak.sh MINUTES [--seed N] [--no-keepalived] [--no-master-restarts] [--keep] ...
#   tools/soak.sh --help
# Needs root. Build parallelism: XDPLB_JOBS (default 2). Exit status: 0 when every check passed.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "" ]; then
  echo "usage: tools/soak.sh MINUTES [options]   (tools/soak.sh --help for the options)" >&2
  exit 2
fi
if [ "$1" != "--help" ] && [ "$1" != "-h" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "tools/soak.sh: run as root (network namespaces, XDP, bpffs)" >&2
    exit 2
  fi
  ./tools/setup.sh >/dev/null
  build_log=$(mktemp /tmp/xdplb-soak-build.XXXXXX)
  if [ ! -f build/CMakeCache.txt ]; then
    cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$build_log" 2>&1 || { cat "$build_log" >&2; rm -f "$build_log"; exit 1; }
  fi
  # Only what the soak runs; incremental, so a no-op when those are up to date.
  cmake --build build -j"${XDPLB_JOBS:-2}" --target xdplbd xdplbctl xdp_pass_object >"$build_log" 2>&1 || { tail -50 "$build_log" >&2; rm -f "$build_log"; exit 1; }
  rm -f "$build_log"
fi
exec /usr/bin/python3 tools/soak/soak.py "$@"
