#!/usr/bin/env bash
# The xdplb demo: sets up everything it needs, builds, runs the namespace lab story, cleans up.
set -euo pipefail
cd "$(dirname "$0")/.."
./tools/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
exec /usr/bin/python3 tools/demo/demo.py
