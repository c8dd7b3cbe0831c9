#!/usr/bin/python3
"""`xdplbd -t` against `keepalived -t` on one large generated file, in the same run (issue 14).

Generates keepalived.conf with N virtual_servers x 10 real_servers, each real server with a
TCP_CHECK (about 66,000 lines for N = 1,000), then runs both config tests alternately, R rounds, and
prints for each the median wall time and the peak resident memory (the child's ru_maxrss), and the
ratios xdplbd / keepalived. Targets: a time ratio of at most 1.0 and a memory ratio of at most 2.0.
No namespace is needed: the file names no interface.

    tools/bench/config_test_speed.py [--vips 1000] [--rounds 7] [--xdplbd PATH]
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def generate(path, vips, backends=10):
    with open(path, "w") as out:
        out.write("global_defs {\n    router_id BENCH\n}\n\n")
        for i in range(vips):
            out.write(f"virtual_server 198.19.{i // 250}.{i % 250 + 1} 80 {{\n    delay_loop 6\n    lb_algo rr\n"
                      f"    lb_kind DR\n    protocol TCP\n    persistence_timeout 50\n\n")
            for b in range(backends):
                out.write(f"    real_server 198.18.{b // 250}.{b % 250 + 1} 80 {{\n        weight 1\n"
                          f"        TCP_CHECK {{\n            connect_timeout 3\n            retry 3\n"
                          f"            delay_before_retry 3\n        }}\n    }}\n")
            out.write("}\n\n")


def run_once(command):
    """Wall seconds and peak RSS (KiB) of one run; the exit status must be 0."""
    start = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.monotonic() - start
    stderr = process.stderr.read().decode(errors="replace")
    process.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(command)} failed ({os.waitstatus_to_exitcode(status)}):\n{stderr[-2000:]}")
    return elapsed, usage.ru_maxrss


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vips", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=7)
    default_xdplbd = Path(os.environ.get("XDPLB_BUILD_DIR", Path(__file__).resolve().parents[2] / "build")) / "bin/xdplbd"
    parser.add_argument("--xdplbd", default=str(default_xdplbd))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="xdplb-config-bench-") as scratch:
        conf = os.path.join(scratch, "keepalived.conf")
        generate(conf, args.vips)
        lines = sum(1 for _ in open(conf))
        commands = {
            # -l -D: keepalived logs to the console, as xdplbd -t does; -n: no daemon.
            "keepalived": ["keepalived", "-t", "-n", "-l", "-f", conf],
            "xdplbd": [args.xdplbd, "-t", "-f", conf],
        }
        results = {name: [] for name in commands}
        for _ in range(args.rounds):
            for name, command in commands.items():
                results[name].append(run_once(command))
        print(f"config test of {args.vips} virtual_servers x 10 real_servers ({lines} lines), {args.rounds} rounds")
        summary = {}
        for name, runs in results.items():
            wall = statistics.median(r[0] for r in runs) * 1000
            rss = max(r[1] for r in runs) / 1024
            summary[name] = (wall, rss)
            print(f"  {name:<11} median {wall:7.1f} ms   peak RSS {rss:6.1f} MiB")
        (xw, xr), (kw, kr) = summary["xdplbd"], summary["keepalived"]
        print(f"  ratio xdplbd/keepalived: time {xw / kw:.2f} (target <= 1.00), memory {xr / kr:.2f} (target <= 2.00)")


if __name__ == "__main__":
    main()
