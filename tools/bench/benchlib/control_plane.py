"""Control plane (issue 8): a real xdplbd serving 1,000 VIPs x 10 backends -- time to program them,
reload time of that configuration with one change and with none, a metrics scrape, agent RSS, kernel memory of the
maps -- plus the C++ benchmarks' control figures in the same run: Maglev build time against the
number of backends, and the health checkers' CPU at 1,000 servers checked every second."""
import json
import os
import re
import subprocess
import time

from xdplab import Lab, ProcessLauncher, bin_path, run, wait_until

from .core import Table

NAME = "control_plane"
TITLE = "Control plane: programming, reload, memory, Maglev, checkers"
REQUIRES = ["ip", "bpftool"]

BACKENDS = 10
METRICS_LISTEN = "127.0.0.1:9469"  # inside the bench's own namespace


def vip_address(i):
    return f"198.19.{i // 250}.{i % 250 + 1}"


def config_text(vips, changed_weight=1, shared_pool=False):
    """Every VIP over the same 10 real servers. With shared_pool the servers listen on port 80 for all
    VIPs (one pool: one ring shape, built once); otherwise on a port of the VIP's own (10000 + i), so
    every VIP has a pool, and a ring, of its own: the worst case."""
    blocks = ["global_defs {\n    router_id BENCH\n}\n"]
    for i in range(vips):
        port = 80 if shared_pool else 10000 + i
        servers = "".join(f"    real_server 198.18.1.{b + 1} {port} {{\n        weight "
                          f"{changed_weight if (i == 0 and b == 0) else 1}\n    }}\n" for b in range(BACKENDS))
        blocks.append(f"virtual_server {vip_address(i)} 80 {{\n    lb_algo mh\n    lb_kind DR\n"
                      f"    protocol TCP\n{servers}}}\n")
    return "\n".join(blocks)


def rss_mib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return None


def maps_mib():
    """Kernel memory of the agent's maps (bpftool's memlock figures), rings included."""
    maps = json.loads(run(["bpftool", "-j", "map", "show"]).stdout)
    return sum(m.get("bytes_memlock", 0) for m in maps if m.get("name", "").startswith("xdplb_")) / 2**20


def measure_agent(ctx, vips):
    work = ctx.work_dir / "control_plane"
    work.mkdir(parents=True, exist_ok=True)
    procs = ProcessLauncher(work / "logs")
    rows = []
    with Lab(prefix="xc") as lab:
        try:
            lb, peer = lab.netns("lb"), lab.netns("peer")
            lab.veth(lb, "eth0", peer, "eth0")
            lb.addr("eth0", "198.18.0.2/16")
            for b in range(BACKENDS):  # the real servers' MACs, as the kernel would have resolved them
                lb.ip("neigh", "add", f"198.18.1.{b + 1}", "lladdr", f"02:00:00:00:01:{b + 1:02x}", "dev", "eth0",
                      "nud", "permanent")
            # One pool shared by every VIP first (its ring is built once), then a pool per VIP.
            for shared in (True, False):
                name = "shared" if shared else "own"
                config = work / f"xdplb-{name}.conf"
                config.write_text(config_text(vips, shared_pool=shared))
                instance = f"{lab.tag}-{name}"
                agent, started, detail = _start_agent(procs, lb, config, instance, work)
                pools = "one pool shared by every VIP" if shared else "a pool of its own per VIP"
                rows.append({"what": f"start: load, attach, program {vips} VIPs x {BACKENDS} backends, {pools}",
                             "value": started * 1000, "unit": "ms", "detail": detail})
                if shared:
                    agent.stop()
                    continue
                rows.append({"what": "agent RSS after start", "value": rss_mib(agent.pid), "unit": "MiB",
                             "detail": ""})
                rows += measure_scrapes(lb, vips)
                rows.append({"what": "kernel memory of the maps (memlock)", "value": maps_mib(), "unit": "MiB",
                             "detail": f"{vips} rings of 65537 slots, 1M-entry conntrack"})
                ctl = [bin_path("xdplbctl"), "--instance", instance, "--json", "reload"]
                for label, weight in (("reload, one real server's weight changed", 5),
                                      ("reload, nothing changed", 5)):
                    config.write_text(config_text(vips, changed_weight=weight))
                    t0 = time.monotonic()
                    reply = json.loads(subprocess.run(ctl, capture_output=True, text=True, check=True).stdout)
                    rows.append({"what": label, "value": (time.monotonic() - t0) * 1000, "unit": "ms",
                                 "detail": f"{len(reply['changes'])} change(s) reported"})
                rows.append({"what": "agent RSS after the reloads", "value": rss_mib(agent.pid), "unit": "MiB",
                             "detail": ""})
        finally:
            procs.stop_all()
    return rows


def measure_scrapes(lb, vips, scrapes=20):
    """GET /metrics as Prometheus would, one scrape after the other: the median and worst time to the
    last byte (curl's own timer, so curl's start-up is not counted) and the size of the answer."""
    times = []
    size = 0
    for _ in range(scrapes):
        out = lb.run("curl", "-s", "-o", "/dev/null", "-w", "%{time_total} %{size_download}",
                     f"http://{METRICS_LISTEN}/metrics").stdout.split()
        times.append(float(out[0]) * 1000)
        size = int(out[1])
    times.sort()
    detail = f"{scrapes} scrapes, worst {times[-1]:.1f} ms, {size / 1024:.0f} KiB of text"
    return [{"what": f"metrics scrape, {vips} VIPs x {BACKENDS} backends (median)", "value": times[len(times) // 2],
             "unit": "ms", "detail": detail}]


def _start_agent(procs, lb, config, instance, work):
    """Starts xdplbd on `config` and waits until it has programmed every VIP: (process, seconds, detail)."""
    # bench.py keeps itself on the control CPU; the agent gets every CPU, as it would in service (its
    # first sync builds the rings on all of them).
    every_cpu = f"0-{os.cpu_count() - 1}"
    agent = procs.start(instance, ["taskset", "-c", every_cpu, bin_path("xdplbd"), "-f", config, "--instance",
                                   instance, "--interface", "eth0", "-n", "-l", "-p", work / f"{instance}.pid",
                                   "--metrics-listen", METRICS_LISTEN],
                        ns=lb, share_bpffs=True)
    t0 = time.monotonic()
    wait_until(lambda: "started in" in agent.log(), 120, what="the agent programming every VIP")
    started = time.monotonic() - t0
    m = re.search(r"data plane synced \(start\): (\d+) map writes, (\d+) rings swapped in (\d+) us", agent.log())
    detail = (f"first sync {int(m.group(3)) / 1000:.0f} ms, {m.group(1)} map writes, {m.group(2)} rings" if m else "")
    return agent, started, detail


def measure_cpp(ctx):
    rows = []
    out = run([bin_path("maglev_bench"), "--runs", "3" if ctx.quick else "9"], timeout=300).stdout
    for line in out.splitlines():
        m = re.match(r"\s*equal weights\s+(\d+)\s+65537\s+([\d.]+)", line)
        if m:
            rows.append({"what": f"Maglev build, {m.group(1)} backends, 65537 slots", "value": float(m.group(2)),
                         "unit": "ms", "detail": "median (maglev_bench)"})
    seconds = "5" if ctx.quick else "20"
    out = run([bin_path("check_scale"), "1000", seconds], timeout=120).stdout
    cpu = re.search(r"=\s*([\d.]+)% of one core", out)
    late = re.search(r"p50 ([\d.]+) ms, p99 ([\d.]+) ms", out)
    if cpu:
        rows.append({"what": "checkers: 1,000 TCP_CHECKs every second", "value": float(cpu.group(1)),
                     "unit": "% of a core", "detail": f"p99 lateness {late.group(2)} ms" if late else ""})
    return rows


def measure(ctx):
    vips = 200 if ctx.quick else 1000
    ctx.log(f"control_plane: xdplbd with {vips} VIPs x {BACKENDS} backends, then maglev_bench and check_scale")
    table = Table(
        name="control_plane", title=TITLE,
        columns=[("what", "measure"), ("value", "value"), ("unit", "unit"), ("detail", "detail")],
        rows=measure_agent(ctx, vips) + measure_cpp(ctx),
        notes=["The agent runs in a namespace with --interface and no health checkers (every real server up); "
               "the real servers' MACs are static neighbour entries, so every ring is built.",
               "Targets of issue 4: Maglev < 10 ms for 1,000 backends, 1,000 VIPs programmed < 1 s, maps < 200 MB "
               "for 100 VIPs x 100 backends and 1M flows (BENCHMARKS.md, data plane section). "
               "Checkers: < 10% of a core, p99 lateness < 50 ms."])
    return [table]
