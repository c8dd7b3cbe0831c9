"""Failover time of a VRRP pair: xdplb (two xdplbd nodes, DR through XDP) against keepalived 2.2.7
(two keepalived nodes), in the same run, for a crash of the master and for a graceful stop.

One DrLab bridge holds a client, four LB nodes and three real servers. lb1/lb2 are the xdplb pair
(VIP 198.18.0.100, VRID 51), lb3/lb4 the keepalived pair (VIP 198.18.0.101, VRID 52); only one pair
runs at a time, and the runs go round robin over cases and pairs so that drift of the machine hits both.

What "answered through the new master" means:
  xdplb      both nodes serve VIP:80 over rs1-rs3 (identical Maglev rings, so streams keep their
             server) and VIP:8080, the probe's port, over a different server each: lb1 -> rs1, lb2 -> rs2.
             Those two answer "via-lb1" / "via-lb2", so every probe answer names the LB that forwarded it.
  keepalived this kernel has no IPVS, so a keepalived pair can only move the VIP: each node's own nginx
             answers VIP:80 with the node's name. That measures VRRP takeover plus the GARP, not a load
             balancer's forwarding; streams to the master's own nginx cannot survive a move by design.

A crash is SIGSTOP then SIGKILL of every process of the master (keepalived's children would otherwise
resign with a priority-0 advert when their parent dies). The node itself stays on the LAN with what the
dead processes left behind: the VIP on its interface and, for xdplbd, the XDP program still attached.
A graceful stop is SIGTERM: the master resigns with a priority-0 advert.

The probe (a small Python client in the client namespace) opens a new connection to the VIP every
PROBE_INTERVAL and gives each PROBE_TIMEOUT to be answered, so a SYN lost to the dead node does not hide
a takeover that happens while it waits. The figure is the time from the first signal to the master to
the first answer that came through the new master, against the RFC 5798 bound measured from the same
moment: Master_Down_Interval = 3 x advert_int + Skew_Time for a crash, Skew_Time after a priority-0
advert, with Skew_Time = (256 - backup priority) / 256 x advert_int.
"""
import json
import os
import shutil
import signal
import statistics
import time
from pathlib import Path

from xdplab import DrLab, Keepalived, Lab, ProcessLauncher, bin_path, configs, start_http_stream, \
    start_nginx, stream_answers, wait_until
from xdplab.topology import BPFFS_XDPLB

from .core import Plot, Table, summary

NAME = "failover"
TITLE = "Failover: crash and graceful stop of the master, xdplb pair vs keepalived pair"
REQUIRES = ["keepalived", "nginx", "curl", "ip", "nsenter"]

XDPLB_VIP, XDPLB_VRID = "198.18.0.100", 51
KEEPALIVED_VIP, KEEPALIVED_VRID = "198.18.0.101", 52
PROBE_PORT = 8080
MASTER_PRIORITY, BACKUP_PRIORITY = 150, 100
PROBE_INTERVAL, PROBE_TIMEOUT = 0.005, 0.2
STREAMS, STREAM_INTERVAL = 8, 0.1
MARGIN = 0.020  # the target of issue 5: within the RFC bound + 20 ms

# (key, label, graceful, vrrp version, advert_int in seconds)
CASES = [
    ("crash_v2", "crash, VRRPv2 advert_int 1", False, 2, 1.0),
    ("crash_v3", "crash, VRRPv3 advert_int 0.1", False, 3, 0.1),
    ("stop_v2", "graceful stop, VRRPv2 advert_int 1", True, 2, 1.0),
    ("stop_v3", "graceful stop, VRRPv3 advert_int 0.1", True, 3, 0.1),
]
PAIRS = ["xdplb", "keepalived"]

PROBE = r'''
import selectors, socket, sys, time
host, port, interval, timeout = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
request = b"GET / HTTP/1.0\r\nHost: vip\r\n\r\n"
selector = selectors.DefaultSelector()
pending = {}  # socket -> [started, received bytes, connected]
next_start = time.monotonic()


def finish(sock, line=None):
    selector.unregister(sock)
    sock.close()
    del pending[sock]
    if line:
        print(line, flush=True)


while True:
    now = time.monotonic()
    if now >= next_start:
        # A fixed schedule, not "after the last one": attempts overlap while the VIP is unreachable.
        next_start += interval
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        sock.connect_ex((host, port))
        pending[sock] = [now, b"", False]
        selector.register(sock, selectors.EVENT_WRITE)
    for key, _ in selector.select(max(0.0, next_start - time.monotonic())):
        sock = key.fileobj
        state = pending[sock]
        if not state[2]:
            if sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) != 0:
                finish(sock)
                continue
            state[2] = True
            try:
                sock.send(request)
            except OSError:
                finish(sock)
                continue
            selector.modify(sock, selectors.EVENT_READ)
            continue
        try:
            chunk = sock.recv(4096)
        except OSError:
            finish(sock)
            continue
        if chunk:
            state[1] += chunk
            continue
        head, _, body = state[1].partition(b"\r\n\r\n")
        answered = head.startswith(b"HTTP/1.1 200") or head.startswith(b"HTTP/1.0 200")
        finish(sock, f"{state[0]:.6f} {time.monotonic():.6f} {body.decode(errors='replace').strip()}"
               if answered else None)
    now = time.monotonic()
    for sock in [s for s, st in pending.items() if now - st[0] > timeout]:
        finish(sock)
'''

# Every VRRP advert on the LAN with its arrival time: a crash figure then also reads from the master's
# last advert, which takes out the phase of the crash between two adverts.
ADVERT_LISTENER = r'''
import socket, struct, time
sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, 112)
# By interface index: the client namespace has no default route to pick an interface from.
sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                struct.pack("4s4si", socket.inet_aton("224.0.0.18"), socket.inet_aton("0.0.0.0"),
                            socket.if_nametoindex("eth0")))
while True:
    packet, (source, _) = sock.recvfrom(2048)
    now = time.monotonic()
    header = (packet[0] & 0x0F) * 4
    if len(packet) >= header + 3:
        print(f"{now:.6f} {source} {packet[header + 1]} {packet[header + 2]}", flush=True)
'''


class Settings:
    def __init__(self, quick):
        self.runs = 1 if quick else 3


def crash_bound(advert_int):
    return 3 * advert_int + skew_time(advert_int)


def skew_time(advert_int):
    return (256 - BACKUP_PRIORITY) / 256 * advert_int


def measure(ctx):
    settings = Settings(ctx.quick)
    ctx.log(f"failover: {len(CASES)} cases x {len(PAIRS)} pairs x {settings.runs} run(s); probe every "
            f"{PROBE_INTERVAL * 1000:.0f} ms with a {PROBE_TIMEOUT * 1000:.0f} ms timeout")
    work = ctx.work_dir / "failover"
    work.mkdir(parents=True, exist_ok=True)
    procs = ProcessLauncher(work / "logs")
    samples = {(case[0], pair): [] for case in CASES for pair in PAIRS}
    with Lab(prefix="xf") as lab:
        try:
            bench = FailoverLab(lab, procs, work)
            for run in range(settings.runs):
                for case in CASES:
                    for pair in PAIRS:
                        result = bench.run_case(pair, case, run)
                        samples[(case[0], pair)].append(result)
                        ctx.log(f"  run {run + 1}: {pair:10} {case[1]:38} {describe(result)}")
        finally:
            procs.stop_all()
    return [build_table(samples, settings)]


def describe(result):
    took = "no takeover" if result["seconds"] is None else f"{result['seconds'] * 1000:7.1f} ms"
    streams = f", streams {result['streams_survived']}/{result['streams']}" if result["streams"] else ""
    return took + streams


class FailoverLab:
    def __init__(self, lab, procs, work):
        self.lab, self.procs, self.work = lab, procs, Path(work)
        self.dr = DrLab(lab, procs, work / "lab", lbs=4, servers=3)
        dr = self.dr
        # The probe's servers: one per xdplb node, named after the node whose ring leads to it.
        for rs, via in ((dr.servers[0], "via-lb1"), (dr.servers[1], "via-lb2")):
            start_nginx(procs, rs, via, work / "probe-servers", port=PROBE_PORT)
        for i, lb in enumerate(dr.lbs[2:], start=3):
            start_nginx(procs, lb, f"lb{i}", work / "keepalived-nodes")
        for i, rs in enumerate(dr.servers[:2]):
            wait_until(lambda rs=rs: rs.run("curl", "-s", "-m", "1", f"http://127.0.0.1:{PROBE_PORT}/health",
                                            check=False).returncode == 0, 10, what=f"probe nginx on rs{i + 1}")
        self.probe_script = self.work / "probe.py"
        self.probe_script.write_text(PROBE)
        listener = self.work / "advert_listener.py"
        listener.write_text(ADVERT_LISTENER)
        self.adverts = procs.start("advert-listener", ["/usr/bin/python3", listener], ns=self.dr.client)
        self.runs = 0

    # -- one measurement ------------------------------------------------------------------------------
    def run_case(self, pair, case, run):
        key, label, graceful, version, advert_int = case
        self.runs += 1
        tag = f"{key}-{pair}-{run}"
        nodes = self.dr.lbs[0:2] if pair == "xdplb" else self.dr.lbs[2:4]
        vip = XDPLB_VIP if pair == "xdplb" else KEEPALIVED_VIP
        vrid = XDPLB_VRID if pair == "xdplb" else KEEPALIVED_VRID
        port = PROBE_PORT if pair == "xdplb" else 80
        old_answer, new_answer = ("via-lb1", "via-lb2") if pair == "xdplb" else ("lb3", "lb4")
        start = self.start_xdplbd if pair == "xdplb" else self.start_keepalived
        master = backup = None
        streams, probe = [], None
        try:
            master = start(nodes[0], "MASTER", MASTER_PRIORITY, version, advert_int, tag)
            wait_until(lambda: self.dr.get(f"http://{vip}:{port}/", timeout=1) == old_answer, 20,
                       what=f"{pair}: the VIP answered through the master")
            backup = start(nodes[1], "BACKUP", BACKUP_PRIORITY, version, advert_int, tag)
            wait_until(lambda: backup.entered("BACKUP"), 20, what=f"{pair}: the backup in BACKUP state")
            # Steady state: the backup has heard adverts, so its down timer runs from the master's last one.
            time.sleep(2 * advert_int + 0.2)
            if last_state(master.log()) != "MASTER" or last_state(backup.log()) != "BACKUP":
                raise RuntimeError(f"{pair} {label}: the pair did not settle with {nodes[0].role} as master")
            if not graceful:
                streams = [start_http_stream(self.procs, self.dr.client, self.work, vip,
                                             count=int((crash_bound(advert_int) + 2.0) / STREAM_INTERVAL),
                                             interval=STREAM_INTERVAL, name=f"stream-{tag}-{i}")
                           for i in range(STREAMS)]
                for s in streams:
                    wait_until(lambda s=s: stream_answers(s), 10, what=f"{s.name} answering")
            probe = self.procs.start(f"probe-{tag}", ["/usr/bin/python3", self.probe_script, vip, port,
                                                      PROBE_INTERVAL, PROBE_TIMEOUT], ns=self.dr.client)
            wait_until(lambda: any(a[2] == old_answer for a in probe_answers(probe)), 10,
                       what=f"{pair}: the probe answered through the master")

            t0 = time.monotonic()
            if graceful:
                master.resign()
            else:
                master.crash()
            bound = skew_time(advert_int) if graceful else crash_bound(advert_int)
            try:
                answered = wait_until(lambda: first_answer_after(probe, t0, new_answer), bound + 3, interval=0.01,
                                      what=f"{pair}: an answer through the new master")
                seconds = answered - t0
            except AssertionError:
                seconds = None
            probe.stop(timeout=2)
            survived = self.count_surviving_streams(streams)
            if graceful and master.wait(10) != 0:
                raise RuntimeError(f"{pair}: the master did not exit cleanly on SIGTERM:\n{master.log()[-1500:]}")
            since_advert = None
            if seconds is not None and not graceful:
                last = last_advert_before(self.adverts, t0, nodes[0].address4, vrid)
                since_advert = None if last is None else answered - last
            return {"seconds": seconds, "bound": bound, "streams": len(streams), "streams_survived": survived,
                    "since_advert": since_advert}
        except Exception as e:
            logs = "\n".join(f"--- {n.role} ---\n{n.log()[-1500:]}" for n in (master, backup) if n)
            raise RuntimeError(f"{pair} {label}: {e}\n{logs}") from None
        finally:
            if probe:
                probe.stop(timeout=2)
            for s in streams:
                s.stop(timeout=1)
            for node in (backup, master):
                if node:
                    node.stop()
            self.clear_leftovers(nodes, vip)

    def count_surviving_streams(self, streams):
        survived = 0
        for s in streams:
            try:
                s.wait(30)  # a stream stalled by the failover resumes after TCP's backed-off retransmission
            except Exception:  # noqa: BLE001 - a stream still hanging after 30 s did not survive
                s.stop(timeout=1)
            answers = stream_answers(s)
            # Survived: every request answered ("done" at the end) and always by the same real server.
            if answers and answers[-1] == "done" and len(set(answers[:-1])) == 1:
                survived += 1
        return survived

    def clear_leftovers(self, nodes, vip):
        """A crashed master leaves its VIP (and xdplbd its attached program and pins) behind, as a real
        crash would; the next run must start from a clean node, so they go here."""
        for ns in nodes:
            ns.ip("addr", "del", f"{vip}/32", "dev", "eth0", check=False)
            ns.ip("link", "set", "dev", "eth0", "xdp", "off", check=False)
        for pins in BPFFS_XDPLB.glob(f"{self.lab.tag}-*") if BPFFS_XDPLB.is_dir() else []:
            if not any(pins.name.endswith(ns.role) for ns in nodes):
                continue
            shutil.rmtree(pins, ignore_errors=True)

    # -- the two pairs --------------------------------------------------------------------------------
    def vrrp_block(self, state, priority, version, advert_int, vip, vrid):
        return configs.vrrp_instance("VI_1", vrid, priority, [f"{vip}/32"], state=state,
                                     advert_int=f"{advert_int:g}", password="1111" if version == 2 else None,
                                     extra=f"    version {version}\n")

    def start_xdplbd(self, ns, state, priority, version, advert_int, tag):
        dr = self.dr
        probe_server = dr.server_address(0 if ns is dr.lbs[0] else 1)
        text = configs.config(
            f"BENCH_{ns.role.upper()}",
            self.vrrp_block(state, priority, version, advert_int, XDPLB_VIP, XDPLB_VRID),
            configs.virtual_server(XDPLB_VIP, [dr.server_address(i) for i in range(len(dr.servers))]),
            configs.virtual_server(XDPLB_VIP, [probe_server], port=PROBE_PORT))
        config = dr.write_config(f"xdplbd-{tag}-{ns.role}.conf", text)
        # A pin directory of its own per run: a crashed run's pins never meet the next run.
        instance = f"{self.lab.tag}-{self.runs}-{ns.role}"
        argv = [bin_path("xdplbd"), "-f", config, "--instance", instance, "-n", "-l",
                "-p", self.work / f"{instance}.pid"]
        return XdplbdNode(self.procs.start(f"xdplbd-{tag}-{ns.role}", argv, ns=ns, share_bpffs=True), ns)

    def start_keepalived(self, ns, state, priority, version, advert_int, tag):
        text = configs.config(f"BENCH_{ns.role.upper()}",
                              self.vrrp_block(state, priority, version, advert_int, KEEPALIVED_VIP, KEEPALIVED_VRID))
        keepalived = Keepalived(self.procs, ns, self.work, name=f"keepalived-{tag}")
        keepalived.start(text)
        return KeepalivedNode(keepalived, ns)


class XdplbdNode:
    def __init__(self, proc, ns):
        self.proc, self.role = proc, ns.role

    def entered(self, state):
        return f"(VI_1) Entering {state} STATE" in self.proc.log()

    def log(self):
        return self.proc.log()

    def crash(self):
        # xdplbd runs in a session of its own: stop the whole group first, as for keepalived.
        for sig in (signal.SIGSTOP, signal.SIGKILL):
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                pass
        self.proc.wait(5)

    def resign(self):
        self.proc.send_signal(signal.SIGTERM)

    def wait(self, timeout):
        return self.proc.wait(timeout)

    def stop(self):
        self.proc.stop(timeout=10)


class KeepalivedNode:
    def __init__(self, keepalived, ns):
        self.keepalived, self.role = keepalived, ns.role

    def entered(self, state):
        return self.keepalived.entered(state) >= 1

    def log(self):
        return self.keepalived.log()

    def crash(self):
        self.keepalived.crash()

    def resign(self):
        self.keepalived.proc.send_signal(signal.SIGTERM)

    def wait(self, timeout):
        return self.keepalived.proc.wait(timeout)

    def stop(self):
        self.keepalived.stop()


def last_state(log):
    """The state of instance VI_1 in the last transition a node logged (xdplbd and keepalived alike)."""
    marker = "(VI_1) Entering "
    tail = log.rsplit(marker, 1)
    return tail[1].split(" ", 1)[0] if len(tail) == 2 else None


def last_advert_before(listener, t0, source, vrid):
    """Arrival time of the last advert (priority > 0) the master sent for `vrid` before t0."""
    last = None
    for line in listener.log().splitlines()[1:]:
        parts = line.split()
        if len(parts) != 4 or parts[1] != source:
            continue
        at, advert_vrid, priority = float(parts[0]), int(parts[2]), int(parts[3])
        if advert_vrid == vrid and priority > 0 and at < t0:
            last = at
    return last


def probe_answers(probe):
    """(sent, answered, body) of every answered probe request so far."""
    out = []
    for line in probe.log().splitlines()[1:]:
        parts = line.split(" ", 2)
        if len(parts) == 3:
            try:
                out.append((float(parts[0]), float(parts[1]), parts[2]))
            except ValueError:
                continue
    return out


def first_answer_after(probe, t0, body):
    """The time of the first answer through the new master (whatever was sent before t0 too)."""
    times = [answered for _, answered, answer in probe_answers(probe) if answer == body and answered > t0]
    return min(times) if times else None


def build_table(samples, settings):
    rows = []
    medians = {}
    for key, label, graceful, version, advert_int in CASES:
        for pair in PAIRS:
            results = samples[(key, pair)]
            took = [r["seconds"] * 1000 for r in results if r["seconds"] is not None]
            bound_ms = results[0]["bound"] * 1000
            med, lo, hi = summary(took) if took else (None, None, None)
            medians[(key, pair)] = med
            streams = sum(r["streams"] for r in results)
            since = [r["since_advert"] * 1000 for r in results if r.get("since_advert") is not None]
            rows.append({
                "case": label, "pair": pair, "bound_ms": bound_ms, "median_ms": med, "min_ms": lo, "max_ms": hi,
                "within": f"{sum(1 for t in took if t <= bound_ms + MARGIN * 1000)}/{len(results)}",
                "streams": f"{sum(r['streams_survived'] for r in results)}/{streams}" if streams else "-",
                "advert_median_ms": statistics.median(since) if since else None,
                "advert_max_ms": max(since) if since else None,
                "ratio": None, "runs_ms": json.dumps([None if r["seconds"] is None else round(r["seconds"] * 1000, 1)
                                                      for r in results]),
            })
        ours, theirs = medians[(key, "xdplb")], medians[(key, "keepalived")]
        if ours is not None and theirs:
            rows[-2]["ratio"] = ours / theirs
    return Table(
        name=NAME, title=TITLE,
        columns=[("case", "case"), ("pair", "pair"), ("bound_ms", "RFC bound ms"), ("median_ms", "median ms"),
                 ("min_ms", "min"), ("max_ms", "max"), ("within", "<= bound+20ms"),
                 ("advert_median_ms", "from last advert: median"),
                 ("advert_max_ms", "max"), ("streams", "streams survived"), ("ratio", "xdplb/keepalived"), ("runs_ms", "runs (ms)")],
        rows=rows,
        notes=[
            f"{settings.runs} run(s) per case and pair, round robin; time from the first signal to the master "
            "to the first HTTP answer the client got through the new master.",
            f"Probe: a new connection to the VIP every {PROBE_INTERVAL * 1000:.0f} ms, each given "
            f"{PROBE_TIMEOUT * 1000:.0f} ms; resolution about {PROBE_INTERVAL * 1000:.0f} ms plus one round trip.",
            f"RFC bound: crash 3 x advert_int + Skew_Time, graceful stop Skew_Time, Skew_Time = (256 - "
            f"{BACKUP_PRIORITY}) / 256 x advert_int (backup priority {BACKUP_PRIORITY}, master {MASTER_PRIORITY}); "
            "a crash lands anywhere between two adverts, so a crash figure lies between bound - advert_int and the bound.",
            "from last advert (crash only): the same answer timed from the arrival of the dead master's last "
            "advert at the client, which removes the random phase of the crash; its bound is "
            "Master_Down_Interval itself.",
            "xdplb: answers through lb2's XDP DR path to a real server; keepalived: no IPVS on this kernel, "
            "so the VIP is answered by the LB node's own nginx (VRRP takeover + GARP only).",
            f"Streams: {STREAMS} keep-alive HTTP connections per crash run, one request every "
            f"{STREAM_INTERVAL * 1000:.0f} ms across the crash; survived = every request answered by one real "
            "server. keepalived's streams end on the new master's stack (no socket there: RST) by design.",
            "The crashed node stays on the LAN with what its processes left (VIP, and for xdplbd the attached "
            "XDP program); the client moves to the new master on its gratuitous ARP.",
        ],
        plots=[Plot(file="failover.png", title="Failover: time to the first answer through the new master "
                    "(median, min/max whiskers)", ylabel="milliseconds", label_column="case",
                    value_column="median_ms", low_column="min_ms", high_column="max_ms", series_column="pair")],
    )
