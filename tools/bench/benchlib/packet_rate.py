"""Packet rate through the load balancer: 64-byte UDP frames to the VIP from trafgen, counted where
they arrive, for xdplb against the floor of the same veth path and against the kernel's own paths.

Every case gets a lab of its own (namespaces named after a unique tag); all labs are built first, then
the runs go round robin over the cases. A run starts trafgen, waits for the first delivered frame (which
proves the path works), warms up, counts delivered frames over a fixed window and stops trafgen by
process group. Cases (the letters of issue 8):

  a  floor      gen -> lb: xdp_swap_tx (parse, swap MACs, XDP_TX) -> gen: count and drop
  b  xdplb      gen -> lb: xdplb DR, one 5-tuple (conntrack hit) -> XDP_TX -> gen: count and drop
  c  xdplb new  as b, random source address and port per frame (conntrack miss, Maglev; recorded up
                to the flood guard's default rate, auto: 52k new flows/s per CPU for 1M entries on 2
                CPUs, forwarded untracked past it)
  c1 xdplb new  as c with the guard at Katran's constant, 125,000 new flows/s per CPU
  c0 xdplb new  as c with the flood guard off (xdp_conntrack_flood_rate 0): an insert per frame
  n1 xdplb NAT  gen -> lb: xdplb NAT, one 5-tuple (conntrack hit, destination rewrite) -> redirect -> sink
  n2 xdplb NAT new  as n1, random source address and port per frame (conntrack miss, Maglev)
  d1 nft DNAT   gen -> lb stack: conntrack + nat prerouting (numgen inc mod 3) + forward -> sink
  d2 nft new    as d1, random source address and port per frame (a conntrack entry per frame)
  e  forward    gen -> lb stack: route lookup + forward -> sink, no netfilter

For a-c the real servers are emulated by permanent neighbour entries on the LB that carry the
generator's MAC, so DR's rewritten frames bounce back to the generator's veth where they are counted.
For n/d/e the LB forwards out of a second veth to a sink namespace whose veth counts and drops; the
NAT servers are permanent neighbours there with the sink's MAC.
"""
import contextlib
import json
import statistics
import time

from xdplab import Lab, ProcessLauncher, bin_path, bpf_object, run, wait_until

from .core import Plot, Table, summary
from .sink import PacketSink
from .trafgen import GENERATOR_CPU, Trafgen, udp_config

NAME = "packet_rate"
TITLE = "Packet rate through the LB (64-byte UDP, one generator core)"
REQUIRES = ["trafgen", "taskset", "bpftool", "nft", "ip", "ethtool"]

VIP, VIP_PORT = "198.18.0.100", 5001
GEN_ADDR, LB_ADDR = "198.18.0.10", "198.18.0.2"
LB_SINK_ADDR, SINK_ADDR = "198.18.1.1", "198.18.1.2"
DR_SERVERS = ["198.18.0.11", "198.18.0.12", "198.18.0.13"]
NAT_SERVERS = ["198.18.1.11", "198.18.1.12", "198.18.1.13"]
# Sources of the new-flow cases: the benchmarking range's upper half, random in the last two bytes.
NEW_FLOW_SOURCE = "198.19.0.1"

CASES = [
    ("a", "floor: xdp_swap_tx", "gen veth -> lb veth XDP (parse, swap MACs, XDP_TX) -> gen veth XDP count/drop"),
    ("b", "xdplb DR, one flow", "gen veth -> lb veth XDP xdplb (VIP, conntrack hit, DR rewrite, XDP_TX) -> gen veth XDP count/drop"),
    ("c", "xdplb DR, new flow/pkt", "as b with a conntrack miss and Maglev pick per frame; the default flood guard "
     "(auto) records the first conntrack size / CPUs / 10 new flows of each second per CPU and forwards the rest "
     "untracked"),
    ("c1", "xdplb DR, new flow/pkt, guard 125k", "as c with xdp_conntrack_flood_rate 125000 (Katran's constant)"),
    ("c0", "xdplb DR, new flow/pkt, guard off", "as c with xdp_conntrack_flood_rate 0: a conntrack insert (and, "
     "with the table full, an eviction) per frame"),
    ("n1", "xdplb NAT, one flow", "gen veth -> lb veth XDP xdplb (VIP, conntrack hit, NAT rewrite: destination, "
     "TTL, checksums) -> redirect -> lb veth2 -> sink veth XDP count/drop"),
    ("n2", "xdplb NAT, new flow/pkt", "as n1 with a conntrack miss and Maglev pick per frame (default flood guard)"),
    ("d1", "nftables DNAT, one flow", "gen veth -> lb stack (backlog, conntrack, nat prerouting numgen, forward, neigh) -> lb veth2 -> sink veth XDP count/drop"),
    ("d2", "nftables DNAT, new flow/pkt", "as d1 with a new conntrack entry and numgen pick per frame"),
    ("e", "kernel IP forwarding", "gen veth -> lb stack (backlog, route lookup, forward, neigh) -> lb veth2 -> sink veth XDP count/drop"),
]

DR_CONFIG = """\
global_defs {{
    router_id BENCH_PPS
{global_extra}}}
virtual_server {vip} {port} {{
    lb_algo mh
    lb_kind DR
    protocol UDP
{servers}}}
"""
# No checker: keepalived counts a real server without one as always up, and the emulated servers
# (neighbour entries) could not answer one anyway.
DR_SERVER = "    real_server {addr} {port} {{\n        weight 1\n    }}\n"
NAT_CONFIG = DR_CONFIG.replace("lb_kind DR", "lb_kind NAT")

NFT_DNAT = """\
table ip bench_dnat {{
    chain prerouting {{
        type nat hook prerouting priority dstnat; policy accept;
        ip daddr {vip} udp dport {port} dnat to numgen inc mod {n} map {{ {targets} }}
    }}
}}
"""


class Settings:
    def __init__(self, quick):
        self.runs = 3 if quick else 5
        self.warmup = 0.5 if quick else 1.0
        self.window = 1.0 if quick else 3.0
        # An upper bound on what one trafgen may send even if it were never stopped.
        self.max_packets = int((self.warmup + self.window + 20) * 5_000_000)


class Rig:
    """One case's lab, ready to send: the generator namespace, the sink, the trafgen description and
    what to read from the LB before and after the runs."""

    def __init__(self, key, gen, sink, config_path, lb_counters, lb_check):
        self.key, self.gen, self.sink, self.config_path = key, gen, sink, config_path
        self.lb_counters = lb_counters  # () -> dict or None: the LB's own counters
        self.lb_check = lb_check  # (before, after, delivered) -> text for the table; raises on a mismatch
        self.rates, self.offered, self.delivered = [], [], 0


def measure(ctx):
    settings = Settings(ctx.quick)
    cases = [c for c in CASES if not ctx.cases or c[0] in ctx.cases]
    unknown = set(ctx.cases) - {c[0] for c in CASES}
    if unknown:
        raise ValueError(f"unknown packet_rate case(s) {sorted(unknown)}; known: {[c[0] for c in CASES]}")
    ctx.log(f"packet rate: {len(cases)} cases x {settings.runs} runs, {settings.warmup}s warm-up, "
            f"{settings.window}s window, generator on CPU {GENERATOR_CPU}, runs interleaved across cases")
    procs = ProcessLauncher(ctx.work_dir / "logs-pps")
    labs = []

    def teardown():
        procs.stop_all()  # processes stop before their namespaces go
        for lab in reversed(labs):
            lab.close()

    with contextlib.ExitStack() as cleanup:
        cleanup.callback(teardown)
        rigs = []
        for key, _, _ in cases:
            lab = Lab(prefix="xb")
            labs.append(lab)
            rigs.append(_xdp_case(ctx, lab, procs, key) if key in XDP_CASES else _kernel_case(ctx, lab, key, procs))
        before = {r.key: r.lb_counters() for r in rigs}
        # Round robin, one run of each case per round: load that drifts during the benchmark (this
        # machine is shared) then weighs on every case alike instead of on whichever ran last.
        for i in range(settings.runs):
            for rig in rigs:
                _one_run(ctx, settings, rig, i)
        results = {}
        for (key, label, path), rig in zip(cases, rigs):
            med, lo, hi = summary(rig.rates)
            results[key] = {"case": key, "label": label, "path": path, "runs": rig.rates, "pps_median": med,
                            "pps_min": lo, "pps_max": hi, "offered_median": statistics.median(rig.offered),
                            "lb_check": rig.lb_check(before[key], rig.lb_counters(), rig.delivered)}
            ctx.log(f"  {key:3} {label:30} median {med:>10,.0f} pps  (min {lo:,.0f}, max {hi:,.0f})")
    floor = results["a"]["pps_median"] if "a" in results else None
    rows = []
    for key, label, _ in cases:
        r = results[key]
        r["ratio_to_floor"] = r["pps_median"] / floor if floor else None
        # The same ratio round by round (each case's run against the floor's run of the same round):
        # its spread is what one ratio from one run of this machine is worth.
        per_round = [v / f for v, f in zip(r["runs"], results["a"]["runs"])] if floor else []
        r["round_ratios"] = per_round
        r["round_ratio_range"] = f"{min(per_round):.2f}..{max(per_round):.2f}" if per_round else "-"
        r["plot_label"] = f"{key}: {label}"
        rows.append(r)
    table = Table(
        name=NAME, title=TITLE,
        columns=[("case", "case"), ("label", "path"), ("pps_median", "pps median"), ("pps_min", "min"),
                 ("pps_max", "max"), ("ratio_to_floor", "vs (a)"), ("round_ratio_range", "per round"),
                 ("offered_median", "offered pps"),
                 ("lb_check", "LB counters")],
        rows=rows,
        notes=[f"{r['case']}: {r['path']}" for r in rows] + [
            f"{settings.runs} runs per case, interleaved round robin: {settings.warmup}s warm-up, then frames counted "
            f"over {settings.window}s by xdp_count_drop on the receiving veth; 'offered' is the generator veth's tx "
            "counter over the same window.",
            "The generator, the LB's XDP program or stack, and the sink all run on one CPU: veth runs the "
            "receiver's NAPI/softirq on the sending CPU.",
            "vs (a): median of the case over median of the floor; per round: the lowest and highest ratio of one "
            "round's run to the floor's run of the same round.",
            "Targets of issue 8: b >= 0.90 x a, c >= 0.80 x a. Of issue 15: n1 >= 0.85 x a and >= 1.4 x d1.",
            "c, c1 and c0 differ only in xdp_conntrack_flood_rate: c runs the default (auto), c1 125000, "
            "c0 records every flow (0).",
        ],
        plots=[Plot(file="packet_rate.png", title="Delivered packet rate, 64-byte UDP over veth (median, min/max whiskers)",
                    ylabel="packets per second", label_column="plot_label", value_column="pps_median",
                    low_column="pps_min", high_column="pps_max", yformat="%.0s%c")],
    )
    return [table]


XDP_CASES = ("a", "b", "c", "c1", "c0")
NEW_FLOW_CASES = ("c", "c1", "c0", "n2", "d2")
NAT_CASES = ("n1", "n2")
FLOOD_RATE = {"c1": 125000, "c0": 0}  # xdp_conntrack_flood_rate of the cases that set one


def _xdp_case(ctx, lab, procs, key):
    gen, lb = lab.netns("gen"), lab.netns("lb")
    lab.veth(gen, "eth0", lb, "eth0")
    gen.addr("eth0", f"{GEN_ADDR}/24")
    lb.addr("eth0", f"{LB_ADDR}/24")
    gen_mac, lb_mac = gen.mac("eth0"), lb.mac("eth0")
    sink = PacketSink(gen, "eth0")
    if key == "a":
        lb.load_xdp_object("eth0", bpf_object("xdp_swap_tx"))
        counters, check = (lambda: None), (lambda before, after, delivered: "-")
    else:
        for server in DR_SERVERS:
            lb.ip("neigh", "replace", server, "lladdr", gen_mac, "dev", "eth0", "nud", "permanent")
        global_extra = f"    xdp_conntrack_flood_rate {FLOOD_RATE[key]}\n" if key in FLOOD_RATE else ""
        instance = _start_agent(ctx, lab, procs, lb, DR_CONFIG, DR_SERVERS, global_extra)
        counters, check = (lambda: _stats(instance)), _xdplb_check(key)
    new_flows = key in NEW_FLOW_CASES
    config = udp_config(gen_mac, lb_mac, NEW_FLOW_SOURCE if new_flows else GEN_ADDR, VIP, VIP_PORT,
                        new_flow_per_packet=new_flows)
    return Rig(key, gen, sink, _write_config(ctx, key, config), counters, check)


def _xdplb_check(key):
    def check(before, after, delivered):
        delta = {k: after.get(k, 0) - before.get(k, 0) for k in after}
        forwarded = delta.get("fwd_tx", 0) + delta.get("fwd_redirect", 0)
        # Every frame the sink counted must have been forwarded by xdplb (nothing else sends to it).
        if forwarded < delivered:
            raise RuntimeError(f"case {key}: the sink counted {delivered} frames but xdplb forwarded only {forwarded}")
        untracked = delta.pop("untracked", 0)
        others = {k: v for k, v in delta.items() if v and k not in ("fwd_tx", "fwd_redirect")}
        return (f"forwarded {forwarded:,}" + (f", untracked {untracked / forwarded:.0%}" if untracked else "")
                + (f"; {others}" if others else ""))
    return check


def _kernel_case(ctx, lab, key, procs=None):
    gen, lb, sink_ns = lab.netns("gen"), lab.netns("lb"), lab.netns("sink")
    lab.veth(gen, "eth0", lb, "eth0")
    lab.veth(lb, "eth1", sink_ns, "eth0")
    gen.addr("eth0", f"{GEN_ADDR}/24")
    lb.addr("eth0", f"{LB_ADDR}/24")
    lb.addr("eth1", f"{LB_SINK_ADDR}/24")
    sink_ns.addr("eth0", f"{SINK_ADDR}/24")
    lb.sysctl("net.ipv4.ip_forward", 1)
    for conf in ("all", "default", "eth0", "eth1"):
        # Random sources of the new-flow case have no route back; this is a forwarding test, not uRPF.
        lb.sysctl(f"net.ipv4.conf.{conf}.rp_filter", 0)
    sink_mac = sink_ns.mac("eth0")
    for server in NAT_SERVERS:
        lb.ip("neigh", "replace", server, "lladdr", sink_mac, "dev", "eth1", "nud", "permanent")
    sink = PacketSink(sink_ns, "eth0")
    counters = lambda: None  # noqa: E731
    if key in NAT_CASES:
        instance = _start_agent(ctx, lab, procs, lb, NAT_CONFIG, NAT_SERVERS, "")
        dst, counters, check = VIP, (lambda: _stats(instance)), _xdplb_check(key)
    elif key in ("d1", "d2"):
        targets = ", ".join(f"{i} : {a}" for i, a in enumerate(NAT_SERVERS))
        ruleset = NFT_DNAT.format(vip=VIP, port=VIP_PORT, n=len(NAT_SERVERS), targets=targets)
        lb.run("nft", "-f", "-", input=ruleset)
        dst = VIP
        check = lambda before, after, delivered: _conntrack_entries(lb)  # noqa: E731
    else:
        dst = NAT_SERVERS[0]
        check = lambda before, after, delivered: "no netfilter rules"  # noqa: E731
    new_flows = key in NEW_FLOW_CASES
    config = udp_config(gen.mac("eth0"), lb.mac("eth0"), NEW_FLOW_SOURCE if new_flows else GEN_ADDR, dst, VIP_PORT,
                        new_flow_per_packet=new_flows)
    return Rig(key, gen, sink, _write_config(ctx, key, config), counters, check)


def _write_config(ctx, key, config):
    path = ctx.work_dir / f"trafgen-{key}.cfg"
    path.write_text(config)
    return path


def _one_run(ctx, settings, rig, i):
    log = ctx.work_dir / f"trafgen-{rig.key}-{i}.log"
    with Trafgen(rig.gen, "eth0", rig.config_path, log, settings.max_packets) as tg:
        _, start = rig.sink.packets()
        wait_until(lambda: tg.running() and rig.sink.packets()[1] > start, 15,
                   what=f"case {rig.key}: first frame delivered (trafgen: {tg.output().strip()[-300:]!r})")
        time.sleep(settings.warmup)
        t0, tx0 = _tx_packets(rig.gen)
        rate, packets = rig.sink.rate_over(settings.window)
        t1, tx1 = _tx_packets(rig.gen)
        if not tg.running():
            raise RuntimeError(f"case {rig.key}: trafgen stopped early: {tg.output()[-500:]}")
    rig.rates.append(rate)
    rig.offered.append((tx1 - tx0) / (t1 - t0))
    rig.delivered += packets


def _tx_packets(ns):
    before = time.monotonic()
    stats = json.loads(ns.ip("-j", "-s", "link", "show", "eth0").stdout)[0]["stats64"]["tx"]
    return (before + time.monotonic()) / 2, stats["packets"]


def _start_agent(ctx, lab, procs, lb, template, addresses, global_extra):
    instance = f"{lab.tag}-lb"
    servers = "".join(DR_SERVER.format(addr=a, port=VIP_PORT) for a in addresses)
    config = ctx.work_dir / f"{instance}.conf"
    config.write_text(template.format(vip=VIP, port=VIP_PORT, servers=servers, global_extra=global_extra))
    # The agent stays off the generator's CPU so that its timers never steal from the measured core.
    argv = ["taskset", "-c", str(ctx.control_cpu), bin_path("xdplbd"), "-f", config, "--instance", instance,
            "-n", "-l", "-p", ctx.work_dir / f"{instance}.pid", "--interface", "eth0"]
    agent = procs.start("xdplbd", argv, ns=lb, share_bpffs=True)
    try:
        wait_until(lambda: lb.xdp_prog_id("eth0") is not None, 15, what="xdplbd attached to lb:eth0")
        wait_until(lambda: _stats(instance) is not None, 15, what="xdplbctl stats answering")
    except Exception:
        raise RuntimeError(f"xdplbd did not come up:\n{agent.log()[-2000:]}") from None
    return instance


def _stats(instance):
    """The agent's verdict packet counters, plus the flood guard's untracked-packet count."""
    p = run([bin_path("xdplbctl"), "--instance", instance, "--json", "stats"], check=False)
    if p.returncode != 0:
        return None
    stats = json.loads(p.stdout)
    counters = {k: v["packets"] for k, v in stats["verdicts"].items()}
    counters["untracked"] = stats["conntrack_guard"]["untracked_packets"]
    return counters


def _conntrack_entries(lb):
    """The LB namespace's conntrack table size after the runs (the kernel's per-namespace count)."""
    p = lb.run("cat", "/proc/sys/net/netfilter/nf_conntrack_count", check=False)
    return f"conntrack entries {p.stdout.strip()}" if p.returncode == 0 else "conntrack count unavailable"
