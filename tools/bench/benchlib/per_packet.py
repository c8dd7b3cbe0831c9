"""Per-packet cost of the XDP program (issue 4's benchmark, folded into this report): xdp_bench runs
the real program through BPF_PROG_TEST_RUN beside a pass-only harness and a parse + MAC-swap +
XDP_TX floor measured in the same run, and reports the cost net of the harness."""
import re

from xdplab import bin_path, run

from .core import Table

NAME = "per_packet"
TITLE = "Per-packet cost (BPF_PROG_TEST_RUN, net of the harness)"
REQUIRES = []

LINE = re.compile(r"^(?P<case>\S.*?)\s+(?P<ip>IPv4|IPv6)\s+(?P<mode>repeat|single)\s+(?P<raw>[\d.]+)\s+"
                  r"(?P<low>[\d.]+)\.\.(?P<high>[\d.]+)\s+(?P<harness>[\d.]+)\s+(?P<net>[\d.]+)\s+"
                  r"(?P<target><\s*\d+|-)\s+(?P<xfloor>[\d.]+|-)\s*(?P<verdict>met|MISSED)?")


def measure(ctx):
    rounds = "3" if ctx.quick else "5"
    ctx.log(f"per_packet: xdp_bench --rounds {rounds}")
    out = run([bin_path("xdp_bench"), "--rounds", rounds], timeout=900).stdout
    rows = []
    for line in out.splitlines():
        m = LINE.match(line)
        if not m:
            continue
        rows.append({"case": m["case"].strip(), "ip": m["ip"], "mode": m["mode"], "raw_ns": float(m["raw"]),
                     "net_ns": float(m["net"]), "target": m["target"].replace(" ", ""),
                     "result": m["verdict"] or ""})
    if not rows:
        raise RuntimeError("xdp_bench printed no result lines:\n" + out[-2000:])
    return [Table(name="per_packet", title=TITLE,
                  columns=[("case", "case"), ("ip", "IP"), ("mode", "mode"), ("raw_ns", "raw ns"),
                           ("net_ns", "net ns"), ("target", "target"), ("result", "result")],
                  rows=rows,
                  notes=["net = raw - the harness (an XDP_PASS program) measured in the same mode and run; "
                         "see BENCHMARKS.md for what BPF_PROG_TEST_RUN on this VM does and does not tell."])]
