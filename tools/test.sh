#!/usr/bin/env bash
# Builds xdplb and runs every test: unit tests (ctest) and namespace scenarios (pytest).
# Does its own setup (packages, bpffs). Exit status is non-zero when anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."

./tools/setup.sh || exit 1

jobs=$(nproc)
echo "== build (gcc) =="
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || exit 1
cmake --build build -j"$jobs" || exit 1

echo "== build (clang, warnings are errors) =="
CC=clang CXX=clang++ cmake -S . -B build-clang -DCMAKE_BUILD_TYPE=Debug >/dev/null || exit 1
cmake --build build-clang -j"$jobs" || exit 1

status=0
echo "== unit tests =="
(cd build && ctest --output-on-failure -j"$jobs") || status=1

echo "== namespace tests =="
/usr/bin/python3 -m pytest -p no:cacheprovider -q -rfE tests/netns || status=1

leftovers=$(ip netns list | grep -E '^xl[0-9a-f]{6}-' || true)
if [ -n "$leftovers" ]; then
  echo "test.sh: namespaces left behind: $leftovers" >&2
  status=1
fi
pins=$(ls /sys/fs/bpf/xdplb 2>/dev/null | grep -E '^(xl[0-9a-f]{6}-|unit-|xdpbench-)' || true)
if [ -n "$pins" ]; then
  echo "test.sh: BPF pins left behind under /sys/fs/bpf/xdplb: $pins" >&2
  status=1
fi
exit $status
