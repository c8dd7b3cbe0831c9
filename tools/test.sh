#!/usr/bin/env bash
# Builds xdplb and runs every test: unit tests (ctest), the Debian package (built, installed and
# purged), a 30 s smoke of every fuzz target and the namespace scenarios (pytest). Does its own
# setup (packages, bpffs). Exit status is non-zero when anything failed.
#   tools/test.sh              everything above
#   tools/test.sh --sanitize   instead: an ASan+UBSan build, its unit tests and one agent scenario
#                              (tools/test_sanitize.sh)
set -uo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
  "") ;;
  --sanitize) exec ./tools/test_sanitize.sh ;;
  *) echo "usage: $0 [--sanitize]" >&2; exit 2 ;;
esac

./tools/setup.sh || exit 1

jobs=$(nproc)
# The test builds carry line tables only (-g1): backtraces and sanitizer reports keep file:line, and
# the builds take about a quarter less time than with full debug information. (A release package
# made by tools/package.sh without XDPLB_BUILD_DIR builds with full -g for its dbgsym.)
echo "== build (gcc) =="
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG" \
  >/dev/null || exit 1
cmake --build build -j"$jobs" || exit 1

echo "== build (clang, warnings are errors) =="
CC=clang CXX=clang++ cmake -S . -B build-clang -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-g1 >/dev/null || exit 1
cmake --build build-clang -j"$jobs" || exit 1

echo "== build (fuzz targets: clang, libFuzzer, ASan+UBSan) =="
./tools/fuzz/run_fuzz.sh --build-only || exit 1

status=0
echo "== unit tests =="
(cd build && ctest --output-on-failure -j"$jobs") || status=1

# The .deb of the gcc build (no compile: tools/package.sh installs build/), installed on this
# machine's root with apt-get, checked, and purged on every exit path: 15 to 25 s (the ctest tests
# of label `package` above, man pages, completion and cmake --install prefixes, take about 1 s).
echo "== package (tools/package.sh of build/, installed and purged) =="
XDPLB_BUILD_DIR=$PWD/build /usr/bin/python3 -m pytest -p no:cacheprovider -q -rfE tests/package || status=1

# The fuzz smoke runs beside the namespace tests, one target after the other on one core at the
# lowest priority: the scenarios mostly wait on timers, and this saves a minute and a half.
echo "== fuzz smoke (30 s per target, in the background) =="
fuzz_log=$(mktemp)
(
  smoke=0
  for target in config vrrp control; do
    XDPLB_FUZZ_SKIP_BUILD=1 XDPLB_FUZZ_QUIET=1 nice -n 19 ./tools/fuzz/run_fuzz.sh "$target" 30 || smoke=1
  done
  exit $smoke
) >"$fuzz_log" 2>&1 &
fuzz_pid=$!

# The scenarios mostly wait on VRRP and health-check timers: four at a time (pytest-xdist) on the
# 2-core VM, then, alone, the ones marked `serial` that measure a time against a bound or make load.
workers=${XDPLB_NETNS_WORKERS:-4}
echo "== namespace tests ($workers at a time) =="
/usr/bin/python3 -m pytest -p no:cacheprovider -q -rfE -n "$workers" -m "not serial" tests/netns || status=1
echo "== namespace tests that run alone (timing, load) =="
/usr/bin/python3 -m pytest -p no:cacheprovider -q -rfE -m serial tests/netns || status=1

echo "== fuzz smoke results =="
wait "$fuzz_pid" || { status=1; echo "test.sh: a fuzz target failed (inputs under build-fuzz/)" >&2; }
cat "$fuzz_log"
rm -f "$fuzz_log"

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
