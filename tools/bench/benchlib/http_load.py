"""Connections and requests through the VIP: wrk in the client namespace against nginx on three real
servers, through xdplb DR, through nftables DNAT, and straight to one server, with keep-alive and with
`Connection: close` (a TCP handshake and teardown per request).

The lab is DrLab's bridge (client, two LB nodes, three real servers with the DR VIP on lo):
  xdplb DR   client -> bridge -> lb1 XDP (DR rewrite, XDP_TX) -> bridge -> rs; replies rs -> client
  nft DNAT   client -> veth -> lb2 stack (conntrack, nat numgen inc mod 3, forward) -> bridge -> rs;
             replies rs -> lb2 (the servers route the client's subnet through it) -> un-NAT -> client
  direct     client -> bridge -> rs1 and back
DNAT needs the replies back through the LB, so its client side is a subnet of its own (198.18.2.0/24 on
a veth between the client and lb2) that the real servers reach via lb2: the classic LVS-NAT layout.
"""
import re
import statistics

from xdplab import DrLab, Lab, ProcessLauncher, bin_path, wait_until

from .core import Plot, Table, summary

NAME = "http_load"
TITLE = "HTTP requests through the VIP (wrk against nginx on three real servers)"
REQUIRES = ["wrk", "nginx", "nft", "curl", "ip"]

CONNECTIONS = 16
NAT_CLIENT_NET, NAT_CLIENT, NAT_LB = "198.18.2.0/24", "198.18.2.10", "198.18.2.1"
NAT_VIP = "198.18.3.100"

DR_CONFIG = """\
global_defs {{
    router_id BENCH_HTTP
}}
virtual_server {vip} 80 {{
    delay_loop 2
    lb_algo mh
    lb_kind DR
    protocol TCP
{servers}}}
"""
DR_SERVER = """\
    real_server {addr} 80 {{
        weight 1
        TCP_CHECK {{
            connect_timeout 1
        }}
    }}
"""
NFT_DNAT = """\
table ip bench_dnat {{
    chain prerouting {{
        type nat hook prerouting priority dstnat; policy accept;
        ip daddr {vip} tcp dport 80 dnat to numgen inc mod {n} map {{ {targets} }}
    }}
}}
"""

MODES = [("keep-alive", []), ("close", ["-H", "Connection: close"])]


class Settings:
    def __init__(self, quick):
        self.runs = 1 if quick else 3
        self.duration = 2 if quick else 5


def measure(ctx):
    settings = Settings(ctx.quick)
    ctx.log(f"http: 3 paths x {len(MODES)} modes x {settings.runs} run(s) of {settings.duration}s, "
            f"wrk -t1 -c{CONNECTIONS}")
    procs = ProcessLauncher(ctx.work_dir / "logs-http")
    rows = []
    with Lab(prefix="xh") as lab:
        try:
            dr = DrLab(lab, procs, ctx.work_dir / "http-lab", lbs=2, servers=3)
            _tune_client(dr.client)
            targets = [
                ("xdplb DR", f"http://{dr.vip4}/", _setup_xdplb(ctx, dr, procs)),
                ("nftables DNAT", f"http://{NAT_VIP}/", _setup_dnat(dr)),
                ("direct to rs1", f"http://{dr.server_address(0)}/", "one server, no LB"),
            ]
            for path, url, check in targets:
                servers = _servers_answering(dr, url)
                expected = {"rs1"} if path.startswith("direct") else {"rs1", "rs2", "rs3"}
                if servers != expected:
                    raise RuntimeError(f"{path}: answers came from {sorted(servers)}, expected {sorted(expected)}")
                for mode, headers in MODES:
                    rows.append(_measure_target(ctx, settings, dr, path, url, mode, headers, check))
        finally:
            procs.stop_all()
    table = Table(
        name=NAME, title=TITLE,
        columns=[("path", "path"), ("mode", "connection"), ("rps_median", "req/s median"), ("rps_min", "min"),
                 ("rps_max", "max"), ("p50_ms", "p50 ms"), ("p99_ms", "p99 ms"), ("errors", "errors"),
                 ("check", "setup")],
        rows=rows,
        notes=[
            f"wrk -t1 -c{CONNECTIONS} --latency, {settings.runs} run(s) of {settings.duration}s per case; "
            "latency figures are the median over runs of wrk's per-run percentile.",
            "xdplb DR: client -> bridge -> lb1 XDP -> bridge -> real server, replies straight to the client.",
            "nftables DNAT: client -> veth -> lb2 kernel (conntrack, numgen inc mod 3, forward) -> bridge -> real "
            "server, replies back through lb2.",
            "direct: client -> bridge -> rs1; the ceiling of one server, whereas the LB paths spread over three.",
            "wrk, nginx (three single-worker servers) and every softirq share the machine's CPUs, so these "
            "figures compare paths; they are not the capacity of any one of them.",
        ],
        plots=[
            Plot(file="http_rps.png", title="HTTP requests per second (median, min/max whiskers)",
                 ylabel="requests per second", label_column="path", value_column="rps_median",
                 low_column="rps_min", high_column="rps_max", series_column="mode", yformat="%.0s%c"),
            Plot(file="http_p99.png", title="HTTP p99 latency (median of runs)", ylabel="p99 latency (ms)",
                 label_column="path", value_column="p99_ms", series_column="mode"),
        ],
    )
    return [table]


def _tune_client(client):
    # Connection: close opens thousands of connections a second toward one address and port.
    client.sysctl("net.ipv4.ip_local_port_range", "1024 65535")
    client.sysctl("net.ipv4.tcp_tw_reuse", 1)


def _setup_xdplb(ctx, dr, procs):
    lb = dr.lbs[0]
    dr.hold_vips(lb)
    servers = "".join(DR_SERVER.format(addr=dr.server_address(i)) for i in range(len(dr.servers)))
    config = dr.write_config("xdplb-http.conf", DR_CONFIG.format(vip=dr.vip4, servers=servers))
    instance = f"{dr.lab.tag}-{lb.role}"
    argv = [bin_path("xdplbd"), "-f", config, "--instance", instance, "-n", "-l",
            "-p", ctx.work_dir / f"{instance}.pid", "--interface", "eth0"]
    agent = procs.start("xdplbd-http", argv, ns=lb, share_bpffs=True)
    try:
        wait_until(lambda: _servers_answering(dr, f"http://{dr.vip4}/", tries=6) == {"rs1", "rs2", "rs3"}, 20,
                   what="all three servers answering through the xdplb VIP")
    except Exception as e:
        raise RuntimeError(f"{e}\nxdplbd log:\n{agent.log()[-2000:]}") from None
    return f"xdplbd {instance}, mh, TCP_CHECK"


def _setup_dnat(dr):
    lb = dr.lbs[1]
    dr.lab.veth(dr.client, "eth1", lb, "eth1")
    dr.client.addr("eth1", f"{NAT_CLIENT}/24")
    lb.addr("eth1", f"{NAT_LB}/24")
    dr.client.route(f"{NAT_VIP}/32", via=NAT_LB)
    lb.sysctl("net.ipv4.ip_forward", 1)
    for rs in dr.servers:
        rs.route(NAT_CLIENT_NET, via=lb.address4)
    targets = ", ".join(f"{i} : {dr.server_address(i)}" for i in range(len(dr.servers)))
    lb.run("nft", "-f", "-", input=NFT_DNAT.format(vip=NAT_VIP, n=len(dr.servers), targets=targets))
    return f"nft numgen inc mod {len(dr.servers)} on {lb.role}"


def _servers_answering(dr, url, tries=30):
    return {answer for answer in (dr.get(url) for _ in range(tries)) if answer}


def _measure_target(ctx, settings, dr, path, url, mode, headers, check):
    runs = []
    for i in range(settings.runs):
        argv = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{settings.duration}s", "--latency", "--timeout", "2s",
                *headers, url]
        p = dr.client.run(*argv, timeout=settings.duration + 30, check=False)
        (ctx.work_dir / f"wrk-{path.split()[0]}-{mode}-{i}.log").write_text(p.stdout + p.stderr)
        if p.returncode != 0:
            raise RuntimeError(f"{path} {mode}: wrk exited {p.returncode}: {p.stderr.strip() or p.stdout[-500:]}")
        runs.append(parse_wrk(p.stdout))
    rps = [r["rps"] for r in runs]
    med, lo, hi = summary(rps)
    row = {"path": path, "mode": mode, "rps_median": med, "rps_min": lo, "rps_max": hi,
           "p50_ms": statistics.median(r["p50_ms"] for r in runs),
           "p99_ms": statistics.median(r["p99_ms"] for r in runs),
           "errors": sum(r["errors"] for r in runs), "requests": sum(r["requests"] for r in runs),
           "check": check, "runs": runs}
    ctx.log(f"  {path:14} {mode:10} {med:>9,.0f} req/s  p99 {row['p99_ms']:.2f} ms  errors {row['errors']}")
    return row


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _latency_ms(text):
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not m:
        raise ValueError(f"unreadable wrk latency {text!r}")
    return float(m.group(1)) * _UNITS_MS[m.group(2)]


def parse_wrk(output):
    """Requests/s, p50/p99 latency (ms), total requests and errors (socket errors + non-2xx/3xx)."""
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    total = re.search(r"^\s*(\d+) requests in", output, re.M)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M)
    if not (rps and total and p50 and p99):
        raise ValueError(f"unreadable wrk output:\n{output}")
    errors = 0
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if socket_errors:
        errors += sum(int(g) for g in socket_errors.groups())
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non2xx:
        errors += int(non2xx.group(1))
    return {"rps": float(rps.group(1)), "requests": int(total.group(1)), "p50_ms": _latency_ms(p50.group(1)),
            "p99_ms": _latency_ms(p99.group(1)), "errors": errors}
