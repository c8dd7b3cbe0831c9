#!/usr/bin/python3
"""xdplb end-to-end benchmarks (issue 8): runs every module of benchlib in its own namespace lab,
prints one table per measurement, writes results.json and one CSV per table, and renders PNG plots.

    sudo /usr/bin/python3 tools/bench/bench.py [--quick] [--results DIR] [--only NAME ...]

Figures are only comparable within one run: every table carries its own baseline measured in the same
run. Exit status: 0 when every benchmark ran, 1 when one failed (the others still run and report),
2 on bad arguments or a missing tool.
"""
import argparse
import datetime
import csv
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "lab"))

from benchlib import MODULES  # noqa: E402
from benchlib.core import Context, Table, render_text_table  # noqa: E402
from benchlib import plot  # noqa: E402
from xdplab import REPO, BUILD_DIR  # noqa: E402


def parse_args(argv):
    names = [m.NAME for m in MODULES]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer and shorter runs (about 2 minutes)")
    parser.add_argument("--results", type=Path, default=REPO / "bench-results",
                        help="directory for results.json, CSV files and PNG plots (default: %(default)s)")
    parser.add_argument("--only", action="append", choices=names, metavar="NAME",
                        help=f"run only this benchmark (repeatable): {', '.join(names)}")
    parser.add_argument("--cases", default="",
                        help="packet_rate only: comma-separated cases to run, e.g. a,c,c0 (default: all; "
                             "ratios need a)")
    parser.add_argument("--keep-work", action="store_true", help="keep configs and process logs even on success")
    return parser.parse_args(argv)


def machine():
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    mem_kib = next((int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                    if line.startswith("MemTotal:")), 0)
    return {"cpus": os.cpu_count(), "cpu_model": model, "kernel": platform.release(),
            "memory_gib": round(mem_kib / 1048576, 1), "nic": "veth (namespaces)",
            "load_average_at_start": Path("/proc/loadavg").read_text().split()[:3],
            "commit": commit + ("+dirty" if dirty else ""), "build_dir": str(BUILD_DIR),
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}


def missing_tools(modules):
    needed = sorted({tool for m in modules for tool in getattr(m, "REQUIRES", [])} | {"gnuplot"})
    return [t for t in needed if shutil.which(t) is None]


def write_csv(table, path):
    keys = [k for k, _ in table.columns]
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(keys)
        for row in table.rows:
            writer.writerow(["" if row.get(k) is None else row.get(k) for k in keys])


def main(argv):
    args = parse_args(argv)
    # Ctrl-C must unwind through every lab's cleanup even when a shell started us with SIGINT ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    if os.geteuid() != 0:
        print("bench.py: needs root (namespaces, XDP, nftables)", file=sys.stderr)
        return 2
    modules = [m for m in MODULES if not args.only or m.NAME in args.only]
    missing = missing_tools(modules)
    if missing:
        print(f"bench.py: missing tools: {' '.join(missing)} (tools/setup.sh installs them)", file=sys.stderr)
        return 2
    cpus = os.cpu_count() or 1
    # The generator owns CPU 0 (trafgen binds its worker there); this process and the agents stay on
    # the other core so their polling never competes with the measured path.
    control_cpu = 1 if cpus > 1 else 0
    os.sched_setaffinity(0, {control_cpu})
    args.results.mkdir(parents=True, exist_ok=True)
    work_dir = Path(tempfile.mkdtemp(prefix="xdplb-bench-"))
    work_dir.chmod(0o755)  # nginx workers of the labs read their files from here
    ctx = Context(quick=args.quick, results_dir=args.results, work_dir=work_dir, generator_cpu=0,
                  control_cpu=control_cpu,
                  cases=[c for c in args.cases.split(",") if c])
    info = machine()
    command = "tools/bench/run.sh" + (" --quick" if args.quick else "")
    print(f"xdplb benchmarks ({'quick' if args.quick else 'full'}) on {info['cpus']} x {info['cpu_model']}, "
          f"kernel {info['kernel']}, {info['nic']}, commit {info['commit']}, "
          f"load average {' '.join(info['load_average_at_start'])}", flush=True)
    report = {"machine": info, "command": command, "mode": "quick" if args.quick else "full", "benchmarks": {}}
    failed = []
    started = time.monotonic()
    for module in modules:
        print(f"\n== {module.TITLE}", flush=True)
        t0 = time.monotonic()
        try:
            tables = module.measure(ctx)
        except KeyboardInterrupt:
            print("interrupted: labs are being removed", file=sys.stderr)
            raise
        except Exception as e:  # noqa: BLE001 - one failed benchmark must not hide the others
            traceback.print_exc()
            failed.append(module.NAME)
            report["benchmarks"][module.NAME] = {"title": module.TITLE, "error": f"{type(e).__name__}: {e}"}
            continue
        entry = {"title": module.TITLE, "seconds": round(time.monotonic() - t0, 1), "tables": []}
        for table in tables:
            write_csv(table, args.results / f"{table.name}.csv")
            pngs = [str(plot.render(p, table, args.results)) for p in table.plots]
            entry["tables"].append({"name": table.name, "title": table.title, "columns": table.columns,
                                    "rows": table.rows, "notes": table.notes, "plots": pngs})
        report["benchmarks"][module.NAME] = entry
    report["seconds"] = round(time.monotonic() - started, 1)
    (args.results / "results.json").write_text(json.dumps(report, indent=2, default=str) + "\n")

    print()
    for name, entry in report["benchmarks"].items():
        if "error" in entry:
            print(f"{entry['title']}: FAILED: {entry['error']}\n")
            continue
        for t in entry["tables"]:
            print(render_text_table(Table(t["name"], t["title"], t["columns"], t["rows"], t["notes"])) + "\n")
    print(f"results: {args.results}/results.json, *.csv, *.png ({report['seconds']} s)")
    if failed or args.keep_work:
        print(f"work directory (configs, process logs): {work_dir}")
    else:
        shutil.rmtree(work_dir, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(130)
