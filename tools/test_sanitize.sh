#!/usr/bin/env bash
# The sanitizer run (`tools/test.sh --sanitize`): builds with clang, ASan (with LeakSanitizer) and
# UBSan into build-sanitize/, runs every unit test there (the BPF_PROG_TEST_RUN ones included) and
# one scenario that starts a real xdplbd and talks to it with xdplbctl. Any sanitizer report, from
# a test binary or from a daemon whose output a test never reads, fails the run: every report goes
# to a file under build-sanitize/reports/ and the run fails when one exists.
set -uo pipefail
cd "$(dirname "$0")/.."

./tools/setup.sh || exit 1

build="build-sanitize"
jobs=$(nproc)
start=$(date +%s)
echo "== build (clang, ASan+UBSan) =="
CC=clang CXX=clang++ cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DXDPLB_SANITIZE=ON >/dev/null || exit 1
cmake --build "$build" -j"$jobs" || exit 1
built=$(date +%s)

reports="$PWD/$build/reports"
rm -rf "$reports"
mkdir -p "$reports"
# abort_on_error / halt_on_error: the first report ends the process with a failure, whoever reads
# its exit status; log_path: the report also lands where this script looks for it.
export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1:log_path=$reports/asan"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$reports/ubsan"
# The netns tests take their binaries from here (tools/lab/xdplab/paths.py).
export XDPLB_BUILD_DIR="$PWD/$build"

status=0
echo "== unit tests (sanitized) =="
(cd "$build" && ctest --output-on-failure -j"$jobs") || status=1

echo "== agent scenario (sanitized xdplbd and xdplbctl) =="
/usr/bin/python3 -m pytest -p no:cacheprovider -q -rfE \
  "tests/netns/test_control.py::test_status_list_and_stats" || status=1

if compgen -G "$reports/*" >/dev/null; then
  echo "test_sanitize: sanitizer reports:" >&2
  for report in "$reports"/*; do
    echo "--- $report" >&2
    cat "$report" >&2
  done
  status=1
fi
end=$(date +%s)
echo "sanitizer run: build $((built - start)) s, tests $((end - built)) s, $([ $status -eq 0 ] && echo clean || echo FAILED)"
exit $status
