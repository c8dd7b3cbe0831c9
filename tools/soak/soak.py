#!/usr/bin/python3
"""xdplb soak test (issue 21): a VRRP pair of xdplbd nodes under random events while traffic flows.

Lab (xdplab.DrLab): a client, lb1 (xdplbd, MASTER, priority 100..120), lb2 (xdplbd, BACKUP, 80..95),
optionally lb3 with a real keepalived 2.2.7 as a low-priority VRRP peer (50: it must never become
master, since this kernel has no IPVS for it to forward with), and three nginx real servers. One
vrrp_instance VI_1 holds 198.18.0.100 and 198.18.0.101 (advertised) and fd00::100 (excluded); the
virtual servers 198.18.0.100:80 and [fd00::100]:80 are DR over the real servers with TCP_CHECK or
HTTP_GET; a second virtual server 198.18.0.101:80 comes and goes with reloads.

While a bounded client loop (traffic.py) sends new connections through every served VIP, a random
event runs every few seconds (the sequence is a pure function of --seed, printed at the start):
  flap      a real server's nginx stopped, or its port dropped with nft; the checkers of both agents
            must take it out; the next event slot brings it back and the checkers must put it back
  reload    a random mutation of the configuration (weights, a real server added or removed, the second
            virtual server added or removed, a priority, delay_loop, the checker kind) applied with
            `xdplbctl reload` or SIGHUP; the agents must then list exactly the new configuration
  invalid   a broken file: the reload must be refused and nothing may change
  restart   lb2 (sometimes lb1, the master) stopped gracefully or killed with -9, then started again;
            the pair must settle to lb1 MASTER / lb2 BACKUP
  signals   a burst of SIGUSR1 / SIGUSR2 / SIGHUP / 36 (JSON) / 63 (STATS_CLEAR) to one agent
  abuse     silent control connections past the limit, garbage and oversized lines, then a real
            request that must be answered at once
Every few seconds a check: every agent alive (and keepalived still backup), a request through every
served VIP succeeds (within the failover window after a master restart), `xdplbctl verify` is clean on
every agent, and each agent's RSS and open fds stay within +20% / +50 of the first minute's level after
the warm-up. At the end a summary; the exit status is 1 when any check failed, and the work directory
with every log is kept and named.
"""
import argparse
import json
import os
import random
import secrets
import shutil
import signal
import socket
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lab"))

from xdplab import DrLab, Keepalived, Lab, ProcessLauncher, bin_path, run, start_nginx  # noqa: E402

VIP4, VIP4B, VIP6 = "198.18.0.100", "198.18.0.101", "fd00::100"
ADVERT_INT = 1
# After a master stops or restarts: Master_Down_Interval (3 x advert_int + skew, about 3.6 s for a crash)
# plus the gratuitous ARP and a margin for a loaded 2-core machine.
FAILOVER_WINDOW = 3 * ADVERT_INT + 1 + 4
VERIFY_SETTLE = 5.0       # a reload that adds a server leaves it out of the ring until its MAC resolves
HEALTH_TIMEOUT = 15.0     # a checker's verdict: delay_loop (<= 3) + connect_timeout + retry, with margin
WARMUP = 20.0             # seconds of traffic and checks before the first event
BASELINE_WINDOW = 60.0    # resource levels of this first minute after the warm-up are the reference
RSS_GROWTH, FD_GROWTH = 1.20, 50
SIGJSON, SIGSTATS_CLEAR = signal.SIGRTMIN + 2, signal.SIGRTMAX - 1  # keepalived 2.2.7's 36 and 63
STORM_SIGNALS = {"USR1": signal.SIGUSR1, "USR2": signal.SIGUSR2, "HUP": signal.SIGHUP,
                 "36": SIGJSON, "63": SIGSTATS_CLEAR}
DUMP_SUFFIX = {"USR1": "data", "USR2": "stats", "36": "json", "63": "stats"}
EVENT_WEIGHTS = {"flap": 3, "reload": 4, "invalid": 1, "restart": 2, "signals": 2, "abuse": 2}
INVALID_FILES = [
    ("an unclosed block", "virtual_server 198.18.0.100 80 {\n    lb_algo mh\n"),
    ("an unknown lb_algo", "virtual_server 198.18.0.100 80 {\n    lb_algo bogus\n    real_server 198.18.0.11 80 {\n    }\n}\n"),
    ("a bad real_server address", "virtual_server 198.18.0.100 80 {\n    real_server 198.18.0.300 80 {\n    }\n}\n"),
    ("a vrrp_instance without virtual_router_id", "vrrp_instance VI_1 {\n    interface eth0\n    priority 100\n}\n"),
]


def now_str(t0):
    return f"[{time.monotonic() - t0:7.1f}s]"


class Cluster:
    """The configuration both xdplbd nodes share (virtual servers) and what each has alone (priority)."""

    def __init__(self):
        self.weights = {0: 1, 1: 1, 2: 1}      # real servers of the main virtual servers: index -> weight
        self.second = None                      # None, or {index: weight} of the second virtual server
        self.check = "tcp"
        self.delay_loop = 1
        self.priority = {"lb1": 100, "lb2": 90}

    @staticmethod
    def server(i, v6=False):
        return f"fd00::{11 + i}" if v6 else f"198.18.0.{11 + i}"

    def real_server(self, addr, weight):
        if self.check == "tcp":
            checker = "        TCP_CHECK {\n            connect_timeout 1\n            retry 1\n            delay_before_retry 1\n        }\n"
        else:
            checker = ("        HTTP_GET {\n            url {\n                path /health\n                status_code 200\n"
                       "            }\n            connect_timeout 1\n            retry 1\n            delay_before_retry 1\n        }\n")
        return f"    real_server {addr} 80 {{\n        weight {weight}\n{checker}    }}\n"

    def virtual_server(self, vip, servers, v6=False):
        body = "".join(self.real_server(self.server(i, v6), w) for i, w in sorted(servers.items()))
        return (f"virtual_server {vip} 80 {{\n    delay_loop {self.delay_loop}\n    lb_algo mh\n    lb_kind DR\n"
                f"    protocol TCP\n{body}}}\n")

    def render(self, role):
        state = "MASTER" if role == "lb1" else "BACKUP"
        blocks = [f"global_defs {{\n    router_id {role.upper()}\n}}\n",
                  f"vrrp_instance VI_1 {{\n    state {state}\n    interface eth0\n    virtual_router_id 51\n"
                  f"    priority {self.priority[role]}\n    advert_int {ADVERT_INT}\n"
                  f"    authentication {{\n        auth_type PASS\n        auth_pass 1111\n    }}\n"
                  f"    virtual_ipaddress {{\n        {VIP4}/32\n        {VIP4B}/32\n    }}\n"
                  f"    virtual_ipaddress_excluded {{\n        {VIP6}/128\n    }}\n}}\n",
                  self.virtual_server(VIP4, self.weights), self.virtual_server(VIP6, self.weights, v6=True)]
        if self.second is not None:
            blocks.append(self.virtual_server(VIP4B, self.second))
        return "\n".join(blocks)

    def expected(self, down=None):
        """What `xdplbctl list` must show: {vip: {backend: configured_weight}}, without the server `down`."""
        main = {i: w for i, w in self.weights.items() if i != down}
        out = {f"tcp/{VIP4}:80": {f"{self.server(i)}:80": w for i, w in main.items()},
               f"tcp/[{VIP6}]:80": {f"[{self.server(i, True)}]:80": w for i, w in main.items()}}
        if self.second is not None:
            out[f"tcp/{VIP4B}:80"] = {f"{self.server(i)}:80": w for i, w in self.second.items() if i != down}
        return out

    def urls(self):
        out = {VIP4: f"http://{VIP4}/", VIP6: f"http://[{VIP6}]/"}
        if self.second is not None:
            out[VIP4B] = f"http://{VIP4B}/"
        return out

    def targets(self):
        return [f"{VIP4}:80", f"[{VIP6}]:80"] + ([f"{VIP4B}:80"] if self.second is not None else [])

    def copy(self):
        c = Cluster()
        c.weights, c.second = dict(self.weights), (dict(self.second) if self.second is not None else None)
        c.check, c.delay_loop, c.priority = self.check, self.delay_loop, dict(self.priority)
        return c


class Agent:
    """One xdplbd slot (lb1 or lb2): its current process, and its resource history over restarts."""

    def __init__(self, role, ns, config_path):
        self.role, self.ns, self.config_path = role, ns, config_path
        self.proc = None
        self.runs = 0
        self.rss = []       # (elapsed, kB)
        self.fds = []
        self.baseline = None  # (rss kB, fds) once the first minute after the warm-up is over

    @property
    def instance(self):
        return self.proc.instance

    def pid(self):
        """The xdplbd process: nsenter execs it, so the launcher's pid is the agent's."""
        comm = Path(f"/proc/{self.proc.pid}/comm").read_text().strip()
        if comm != "xdplbd":
            raise RuntimeError(f"pid {self.proc.pid} is {comm}, not xdplbd")
        return self.proc.pid

    def resources(self):
        pid = self.pid()
        rss = next(int(line.split()[1]) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                   if line.startswith("VmRSS:"))
        return rss, len(os.listdir(f"/proc/{pid}/fd"))


class Soak:
    def __init__(self, args, lab, procs, workdir):
        self.args, self.lab, self.procs, self.workdir = args, lab, procs, workdir
        self.rng = random.Random(args.seed)
        self.cluster = Cluster()
        self.events = Counter()
        self.checks = Counter()      # (name, "passed"/"failed") -> n
        self.failures = []
        self.fatal = None
        self.flapped = None          # (index, how) of the real server that is down now
        self.failover_until = 0.0
        self.t0 = time.monotonic()
        self.event_no = 0
        self.check_no = 0
        self.last_traffic = {}
        self.warm_end = None
        self.minutes_run = 0.0
        self.windows = []            # (kind, start, end) monotonic: when client requests may fail

    # -- output and bookkeeping --------------------------------------------------------------------
    def say(self, text):
        print(f"{now_str(self.t0)} {text}", flush=True)

    def record(self, name, ok, detail=""):
        self.checks[(name, "passed" if ok else "failed")] += 1
        if not ok:
            self.failures.append(f"{now_str(self.t0)} {name}: {detail}")
            self.say(f"  FAILED {name}: {detail}")
        return ok

    # -- lab ---------------------------------------------------------------------------------------
    def build(self):
        a = self.args
        lbs = 3 if a.keepalived else 2
        self.dr = DrLab(self.lab, self.procs, self.workdir, lbs=lbs, servers=3)
        for rs in self.dr.servers:
            rs.addr("lo", f"{VIP4B}/32")
        self.nginx = {i: next(p for p in self.procs.processes if p.name == f"nginx-rs{i + 1}") for i in range(3)}
        self.agents = {}
        for role, ns in zip(("lb1", "lb2"), self.dr.lbs):
            agent = Agent(role, ns, self.workdir / f"{role}.conf")
            agent.config_path.write_text(self.cluster.render(role))
            self.agents[role] = agent
        self.keepalived = None
        if a.keepalived:
            self.keepalived = Keepalived(self.procs, self.dr.lbs[2], self.workdir, name="keepalived-lb3")
            self.keepalived.start(
                "global_defs {\n    router_id LB3\n    enable_script_security\n}\n"
                f"vrrp_instance VI_1 {{\n    state BACKUP\n    interface eth0\n    virtual_router_id 51\n"
                f"    priority 50\n    advert_int {ADVERT_INT}\n"
                "    authentication {\n        auth_type PASS\n        auth_pass 1111\n    }\n"
                f"    virtual_ipaddress {{\n        {VIP4}/32\n        {VIP4B}/32\n    }}\n"
                f"    virtual_ipaddress_excluded {{\n        {VIP6}/128\n    }}\n}}\n")
        for agent in self.agents.values():
            self.start_agent(agent)
        self.targets_file = self.workdir / "targets"
        self.write_targets()
        duration = a.minutes * 60 + WARMUP + 120
        self.traffic_start = time.monotonic()
        self.traffic = self.procs.start("traffic", ["/usr/bin/python3", Path(__file__).with_name("traffic.py"),
                                                    self.targets_file, duration, int(duration * 200), a.pause],
                                        ns=self.dr.client)

    def write_targets(self):
        tmp = self.targets_file.with_suffix(".tmp")
        tmp.write_text("\n".join(self.cluster.targets()) + "\n")
        tmp.rename(self.targets_file)

    def start_agent(self, agent):
        agent.runs += 1
        name = f"xdplbd-{agent.role}" + (f"-run{agent.runs}" if agent.runs > 1 else "")
        agent.proc = self.dr.start_agent(agent.ns, agent.config_path, name=name)
        if not self.poll(lambda: self.ctl(agent, "status") is not None, 15):
            return self.record(f"{agent.role} start", False, f"no answer on the control socket 15 s after start "
                               f"(alive: {agent.proc.alive()})")
        return True

    # -- helpers -----------------------------------------------------------------------------------
    @staticmethod
    def poll(fn, timeout, interval=0.2):
        """fn() until truthy or timeout (bounded); returns the last value."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                value = fn()
            except Exception:  # noqa: BLE001 - "not yet"
                value = None
            if value or time.monotonic() >= deadline:
                return value
            time.sleep(interval)

    def xdplbctl(self, agent, *args, json_out=True, timeout=15):
        argv = [bin_path("xdplbctl"), "--instance", agent.instance, *(["--json"] if json_out else []), *args]
        try:
            return run(argv, check=False, timeout=timeout)
        except Exception as e:  # noqa: BLE001 - a hung xdplbctl is a failure, not a crash of the soak
            return type("Failed", (), {"returncode": -1, "stdout": "", "stderr": repr(e)})()

    def ctl(self, agent, *args):
        p = self.xdplbctl(agent, *args)
        return json.loads(p.stdout) if p.returncode == 0 else None

    def listing(self, agent):
        answer = self.ctl(agent, "list")
        if answer is None:
            return None
        return {v["vip"]: {b["backend"]: b for b in v["backends"]} for v in answer["virtual_servers"]}

    def matches(self, agent, expected):
        live = self.listing(agent)
        if live is None:
            return False
        return {vip: {b: e["configured_weight"] for b, e in bs.items()} for vip, bs in live.items()} == expected

    def vrrp_state(self, agent):
        status = self.ctl(agent, "status")
        if not status:
            return None
        vi = next(i for i in status["vrrp_instances"] if i["name"] == "VI_1")
        return vi["state"], vi["priority"]

    def holds_vip(self, ns):
        text = ns.ip("-o", "addr", "show", "dev", "eth0").stdout
        return f" {VIP4}/" in text

    def settled(self):
        s1, s2 = self.vrrp_state(self.agents["lb1"]), self.vrrp_state(self.agents["lb2"])
        return (s1 and s2 and s1[0] == "MASTER" and s2[0] == "BACKUP" and self.holds_vip(self.agents["lb1"].ns)
                and not self.holds_vip(self.agents["lb2"].ns))

    def wait_settled(self, what, timeout=25):
        ok = self.poll(self.settled, timeout, interval=0.25)
        detail = ""
        if not ok:
            detail = (f"not lb1 MASTER / lb2 BACKUP {timeout} s after {what}: lb1 {self.vrrp_state(self.agents['lb1'])}, "
                      f"lb2 {self.vrrp_state(self.agents['lb2'])}")
        return self.record("vrrp settled", bool(ok), detail)

    def health(self, agent, index):
        """Real server `index` in the agent's virtual servers that configure it: 'up' when in service in
        every one, 'down' when in none, else 'mixed' (the checkers of one virtual server answer before
        the others'). Like `ipvsadm -Ln` after keepalived removed a failed server, `xdplbctl list` leaves
        a down real server out (without inhibit_on_failure), so absent means down."""
        live = self.listing(agent)
        if live is None:
            return None
        members = [f"tcp/{VIP4}:80", f"tcp/[{VIP6}]:80"] if index in self.cluster.weights else []
        if self.cluster.second is not None and index in self.cluster.second:
            members.append(f"tcp/{VIP4B}:80")
        keys = (f"{Cluster.server(index)}:80", f"[{Cluster.server(index, True)}]:80")
        up = [any(k in keys and b["health"] == "up" for k, b in live.get(vip, {}).items()) for vip in members]
        return "up" if all(up) else "down" if not any(up) else "mixed"

    def expected(self):
        """What the agents must list now: the configuration without the flapped server."""
        return self.cluster.expected(down=self.flapped[0] if self.flapped else None)

    # -- events ------------------------------------------------------------------------------------
    def run_event(self):
        self.event_no += 1
        if self.flapped is not None:
            self.restore_flap()
        kinds = list(EVENT_WEIGHTS)
        kind = self.rng.choices(kinds, weights=[EVENT_WEIGHTS[k] for k in kinds])[0]
        if kind == "flap" and len(self.cluster.weights) < 2:
            kind = "reload"
        self.events[kind] += 1
        getattr(self, f"event_{kind}")()

    def event_flap(self):
        index = self.rng.choice(sorted(self.cluster.weights))
        how = self.rng.choice(["nginx stopped", "port 80 dropped (nft)"])
        self.say(f"event #{self.event_no} flap: rs{index + 1} {how}")
        rs = self.dr.servers[index]
        if how.startswith("nginx"):
            self.nginx[index].stop()
        else:
            rs.run("nft", "-f", "-", input="table inet soak {\n chain input {\n"
                   "  type filter hook input priority 0; policy accept;\n  tcp dport 80 drop\n }\n}\n")
        self.flapped = (index, how)
        start = time.monotonic()
        for agent in self.agents.values():
            ok = self.poll(lambda: self.health(agent, index) == "down", HEALTH_TIMEOUT)
            self.record("checker takes a flapped server out", bool(ok),
                        f"{agent.role}: rs{index + 1} health {self.health(agent, index)} {HEALTH_TIMEOUT} s after {how}")
        # Until the checkers notice, a new flow that Maglev gives the dead server fails: expected.
        self.windows.append(("flap", start, time.monotonic() + 0.5))

    def restore_flap(self):
        index, how = self.flapped
        self.flapped = None
        self.say(f"event #{self.event_no} flap over: rs{index + 1} back ({how})")
        rs = self.dr.servers[index]
        if how.startswith("nginx"):
            self.nginx[index] = start_nginx(self.procs, rs, f"rs{index + 1}", self.workdir)
        else:
            rs.run("nft", "delete", "table", "inet", "soak")
        if index not in self.cluster.weights and (self.cluster.second is None or index not in self.cluster.second):
            return  # removed from the configuration while it was down: nothing to watch
        for agent in self.agents.values():
            ok = self.poll(lambda: self.health(agent, index) == "up", HEALTH_TIMEOUT)
            self.record("checker puts a restored server back", bool(ok),
                        f"{agent.role}: rs{index + 1} health {self.health(agent, index)} {HEALTH_TIMEOUT} s after the restore")

    def mutate(self):
        """A random change of the configuration: (new cluster, description, VRRP changed on which node)."""
        c = self.cluster.copy()
        options = ["weight", "delay_loop", "check", "second", "priority"]
        if len(c.weights) > 2:
            options.append("remove")
        if len(c.weights) < 3:
            options.append("add")
        if c.second is not None:
            options.append("second_weight")
        what = self.rng.choice(options)
        vrrp_node = None
        if what == "weight":
            i = self.rng.choice(sorted(c.weights))
            old, c.weights[i] = c.weights[i], self.rng.choice([w for w in range(1, 6) if w != c.weights[i]])
            desc = f"weight of rs{i + 1} {old} -> {c.weights[i]}"
        elif what == "remove":
            candidates = sorted(i for i in c.weights if not self.flapped or i != self.flapped[0])
            i = self.rng.choice(candidates)
            del c.weights[i]
            desc = f"rs{i + 1} removed"
        elif what == "add":
            i = self.rng.choice(sorted(set(range(3)) - set(c.weights)))
            c.weights[i] = self.rng.randint(1, 5)
            desc = f"rs{i + 1} added with weight {c.weights[i]}"
        elif what == "delay_loop":
            old, c.delay_loop = c.delay_loop, self.rng.choice([d for d in (1, 2, 3) if d != c.delay_loop])
            desc = f"delay_loop {old} -> {c.delay_loop}"
        elif what == "check":
            c.check = "http" if c.check == "tcp" else "tcp"
            desc = f"checkers now {'HTTP_GET' if c.check == 'http' else 'TCP_CHECK'}"
        elif what == "second":
            if c.second is None:
                members = self.rng.sample(range(3), self.rng.randint(2, 3))
                c.second = {i: self.rng.randint(1, 3) for i in members}
                desc = f"virtual_server {VIP4B}:80 added over {', '.join(f'rs{i + 1}' for i in sorted(members))}"
            else:
                c.second = None
                desc = f"virtual_server {VIP4B}:80 removed"
        elif what == "second_weight":
            i = self.rng.choice(sorted(c.second))
            c.second[i] = self.rng.choice([w for w in range(1, 6) if w != c.second[i]])
            desc = f"{VIP4B}: weight of rs{i + 1} -> {c.second[i]}"
        else:  # priority, kept in each node's band so that lb1 stays the master
            vrrp_node = self.rng.choice(["lb1", "lb2"])
            band = range(100, 121) if vrrp_node == "lb1" else range(80, 96)
            old = c.priority[vrrp_node]
            c.priority[vrrp_node] = self.rng.choice([p for p in band if p != old])
            desc = f"{vrrp_node} priority {old} -> {c.priority[vrrp_node]}"
        return c, desc, vrrp_node

    def reload(self, agent, method):
        """Reloads `agent` by `method`; True when the agent reports the reload applied."""
        if method == "xdplbctl":
            p = self.xdplbctl(agent, "reload")
            if p.returncode != 0:
                return self.record("reload applied", False, f"{agent.role}: xdplbctl reload exited {p.returncode}: {p.stderr.strip()}")
            return True
        before = agent.proc.log().count(" applied in ")
        agent.proc.send_signal(signal.SIGHUP)
        ok = self.poll(lambda: agent.proc.log().count(" applied in ") > before, 10)
        return self.record("reload applied", bool(ok), f"{agent.role}: no 'reload ... applied' 10 s after SIGHUP")

    def event_reload(self):
        new, desc, vrrp_node = self.mutate()
        roles = [vrrp_node] if vrrp_node else ["lb1", "lb2"]
        methods = {r: self.rng.choice(["xdplbctl", "SIGHUP"]) for r in roles}
        self.say(f"event #{self.event_no} reload: {desc} ({', '.join(f'{r} by {m}' for r, m in methods.items())})")
        self.cluster = new
        self.write_targets()
        for role in roles:
            agent = self.agents[role]
            agent.config_path.write_text(self.cluster.render(role))
            if not self.reload(agent, methods[role]):
                continue
            expected = self.expected()
            ok = self.poll(lambda: self.matches(agent, expected), 5)
            self.record("reload applied", bool(ok), f"{role}: list {self.listing(agent)} is not {expected}")
            if vrrp_node:
                ok = self.poll(lambda: (self.vrrp_state(agent) or (0, 0))[1] == self.cluster.priority[role], 5)
                self.record("reload applied", bool(ok), f"{role}: priority {self.vrrp_state(agent)} not {self.cluster.priority[role]}")
        if vrrp_node:
            # A changed vrrp_instance restarts: the master hands over and preempts back.
            start = time.monotonic()
            self.wait_settled(desc)
            if vrrp_node == "lb1":
                self.failover_until = time.monotonic() + FAILOVER_WINDOW
                self.windows.append(("failover", start, self.failover_until))

    def event_invalid(self):
        role = self.rng.choice(["lb1", "lb2"])
        method = self.rng.choice(["xdplbctl", "SIGHUP"])
        name, text = self.rng.choice(INVALID_FILES)
        self.say(f"event #{self.event_no} invalid reload: {name}, {role} by {method}")
        agent = self.agents[role]
        before_list, before_state = self.listing(agent), self.vrrp_state(agent)
        agent.config_path.write_text(text)
        try:
            if method == "xdplbctl":
                p = self.xdplbctl(agent, "reload", json_out=False)
                self.record("invalid file refused", p.returncode == 1 and "the running configuration stays" in p.stderr,
                            f"{role}: xdplbctl reload exited {p.returncode}: {p.stderr.strip()}")
            else:
                refused = agent.proc.log().count("reload refused")
                agent.proc.send_signal(signal.SIGHUP)
                ok = self.poll(lambda: agent.proc.log().count("reload refused") > refused, 10)
                self.record("invalid file refused", bool(ok), f"{role}: no 'reload refused' 10 s after SIGHUP")
        finally:
            agent.config_path.write_text(self.cluster.render(role))
        after_list, after_state = self.listing(agent), self.vrrp_state(agent)
        strip = lambda l: {v: {b: e["configured_weight"] for b, e in bs.items()} for v, bs in (l or {}).items()}  # noqa: E731
        self.record("invalid file changes nothing", strip(before_list) == strip(after_list) == self.expected()
                    and before_state == after_state, f"{role}: before {strip(before_list)} {before_state}, "
                    f"after {strip(after_list)} {after_state}")

    def event_restart(self):
        role = self.rng.choices(["lb2", "lb1"], weights=[3, 1 if self.args.master_restarts else 0])[0]
        how = self.rng.choice(["stop", "kill -9"])
        down = round(self.rng.uniform(0, 3), 1)
        self.say(f"event #{self.event_no} restart: {role} ({how}, down {down} s)")
        agent = self.agents[role]
        start = time.monotonic()
        if how == "stop":
            code = agent.proc.stop(timeout=10)
            self.record("graceful stop", code == 0, f"{role}: exit status {code}")
        else:
            agent.proc.kill_group(signal.SIGKILL)
            agent.proc.wait(5)
        if role == "lb1" and how == "stop":
            # A graceful stop resigns with a priority-0 advert: the backup takes over after Skew_Time.
            ok = self.poll(lambda: (self.vrrp_state(self.agents["lb2"]) or ("",))[0] == "MASTER", 3)
            self.record("backup takes over", bool(ok), f"lb2 is {self.vrrp_state(self.agents['lb2'])} 3 s after lb1 stopped")
        if role == "lb1":
            self.failover_until = time.monotonic() + FAILOVER_WINDOW + down
        if down:
            time.sleep(down)
        if self.start_agent(agent):
            self.wait_settled(f"{role} {how} and restart")
        if role == "lb1":
            self.failover_until = time.monotonic() + FAILOVER_WINDOW
            self.windows.append(("failover", start, self.failover_until))

    def event_signals(self):
        role = self.rng.choice(["lb1", "lb2"])
        names = [self.rng.choice(list(STORM_SIGNALS)) for _ in range(self.rng.randint(5, 30))]
        gaps = [self.rng.uniform(0, 0.05) for _ in names]
        agent = self.agents[role]
        counts = Counter(names)
        self.say(f"event #{self.event_no} signals: {len(names)} to {role} "
                 f"({', '.join(f'{k} x{v}' for k, v in sorted(counts.items()))})")
        dumps = {DUMP_SUFFIX[n] for n in names if n in DUMP_SUFFIX}
        for suffix in dumps:
            try:
                os.unlink(f"/run/xdplb/{agent.instance}.{suffix}")
            except FileNotFoundError:
                pass
        for name, gap in zip(names, gaps):
            agent.proc.send_signal(STORM_SIGNALS[name])
            time.sleep(gap)
        ok = self.poll(lambda: self.ctl(agent, "status") is not None, 5)
        self.record("agent answers after a signal storm", bool(ok) and agent.proc.alive(),
                    f"{role}: alive {agent.proc.alive()}, status answered {bool(ok)}")
        for suffix in sorted(dumps):
            path = f"/run/xdplb/{agent.instance}.{suffix}"
            ok = self.poll(lambda: os.path.exists(path) and os.path.getsize(path) > 0, 5)
            self.record("signal dump written", bool(ok), f"{role}: {path} missing 5 s after the storm")
        ok = self.poll(lambda: self.matches(agent, self.expected()), 5)
        self.record("signal storm changes nothing", bool(ok), f"{role}: list {self.listing(agent)}")

    def event_abuse(self):
        role = self.rng.choice(["lb1", "lb2"])
        agent = self.agents[role]
        silent = self.rng.randint(20, 60)
        garbage = [self.rng.choice([b"{not json\n", b'{"command":"explode"}\n', b"[]\n", b'"status"\n',
                                    self.rng.randbytes(self.rng.randint(1, 200)).replace(b"\n", b" ") + b"\n"])
                   for _ in range(self.rng.randint(1, 5))]
        partial = self.rng.randint(0, 5)
        oversized = self.rng.randint(64 * 1024 + 1, 200 * 1024)
        self.say(f"event #{self.event_no} abuse: {role}: {len(garbage)} garbage lines, a {oversized}-byte line, "
                 f"{partial} half lines, {silent} silent connections, then a real request")
        path = f"/run/xdplb/{agent.instance}.sock"
        opened = []

        def connect():
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(3)
            opened.append(s)
            s.connect(path)
            return s

        def reply_line(s):
            data = b""
            try:
                while b"\n" not in data and len(data) < 65536:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    data += chunk
            except OSError:
                pass
            return data.split(b"\n", 1)[0]

        try:
            for payload in garbage:
                s = connect()
                s.sendall(payload)
                line = reply_line(s)
                try:
                    ok = json.loads(line).get("ok") is False
                except ValueError:
                    ok = False
                self.record("garbage line refused", ok, f"{role}: {payload[:40]!r} answered {line[:200]!r}")
            s = connect()
            try:
                s.sendall(b"x" * oversized + b"\n")
            except OSError:
                pass  # the agent may close before taking it all; it must have answered first
            line = reply_line(s)
            try:
                ok = json.loads(line).get("ok") is False
            except ValueError:
                ok = False
            self.record("oversized line refused", ok, f"{role}: answered {line[:200]!r}")
            for _ in range(partial):
                connect().sendall(b'{"command": "sta')
            for _ in range(silent):
                connect()
            t = time.monotonic()
            p = self.xdplbctl(agent, "status", timeout=10)
            took = time.monotonic() - t
            self.record("real request answered amid abuse", p.returncode == 0 and took < 3,
                        f"{role}: xdplbctl status exited {p.returncode} after {took:.2f} s: {p.stderr.strip()}")
        except OSError as e:
            self.record("control socket reachable", False, f"{role}: {e!r}")
        finally:
            for s in opened:
                s.close()

    # -- checks ------------------------------------------------------------------------------------
    def traffic_counts(self):
        for line in reversed(self.traffic.log().splitlines()):
            if line.startswith("{"):
                try:
                    return json.loads(line)["counts"]
                except ValueError:
                    continue
        return {}

    def failures_by_window(self):
        """Failed client requests by when they happened: in a flap window (a server dead, the checkers
        not yet aware), in a failover window (the master restarting), or outside both. The client
        reports once a second, so a second that overlaps a window counts as in it."""
        out = Counter()
        prev_t, prev_fail = 0.0, 0
        for line in self.traffic.log().splitlines():
            if not line.startswith("{"):
                continue
            try:
                d = json.loads(line)
            except ValueError:
                continue
            fail = sum(c[1] for c in d["counts"].values())
            if fail > prev_fail:
                lo, hi = self.traffic_start + prev_t, self.traffic_start + d["t"]
                kinds = [k for k, a, b in self.windows if a <= hi and b >= lo]
                out["failover" if "failover" in kinds else "flap" if kinds else "other"] += fail - prev_fail
            prev_t, prev_fail = d["t"], fail
        return out

    def run_checks(self):
        self.check_no += 1
        parts = []
        elapsed = time.monotonic() - self.t0
        # Alive.
        for agent in self.agents.values():
            if not self.record("agent alive", agent.proc.alive(), f"{agent.role} exited {agent.proc.returncode}"):
                self.fatal = f"{agent.role} died"
        if self.keepalived:
            self.record("keepalived peer alive", self.keepalived.proc.alive(), "keepalived exited")
            self.record("keepalived peer stays backup", self.keepalived.entered("MASTER") == 0,
                        "keepalived became MASTER: both xdplbd nodes were silent")
        if self.fatal:
            return
        # VIPs.
        in_window = time.monotonic() < self.failover_until
        for vip, url in self.cluster.urls().items():
            deadline = max(time.monotonic() + 3, self.failover_until)
            attempts = 0
            answer = None
            while answer is None and attempts < 200:
                attempts += 1
                answer = self.dr.get(url, timeout=1)
                if answer is None and time.monotonic() >= deadline:
                    break
                if answer is None:
                    time.sleep(0.2)
            self.record("vip answers", answer is not None, f"{url}: no answer in {attempts} attempts")
            parts.append(f"{vip} {answer or 'FAILED'}" + (f" ({attempts} tries)" if attempts > 1 else ""))
        # verify.
        for agent in self.agents.values():
            last = None

            def clean():
                nonlocal last
                last = self.xdplbctl(agent, "verify", json_out=False)
                return last.returncode == 0 and last.stdout.startswith("OK: the data plane serves what the agent intends")
            ok = self.poll(clean, VERIFY_SETTLE)
            self.record("verify clean", bool(ok), f"{agent.role}: exit {last.returncode}: {last.stdout.strip()} {last.stderr.strip()}")
            parts.append(f"verify {agent.role} {'ok' if ok else 'FAILED'}")
        # Resources.
        for agent in self.agents.values():
            try:
                rss, fds = agent.resources()
            except (OSError, RuntimeError, StopIteration) as e:
                self.record("resources readable", False, f"{agent.role}: {e!r}")
                continue
            agent.rss.append((elapsed, rss))
            agent.fds.append((elapsed, fds))
            detail = f"{agent.role} rss {rss / 1024:.1f} MiB fds {fds}"
            if self.warm_end is not None:
                since = time.monotonic() - self.warm_end
                if agent.baseline is None and since >= BASELINE_WINDOW:
                    window = [(r, f) for (t, r), (_, f) in zip(agent.rss, agent.fds)
                              if self.warm_end - self.t0 <= t <= self.warm_end - self.t0 + BASELINE_WINDOW]
                    if window:
                        agent.baseline = (max(r for r, _ in window), max(f for _, f in window))
                        self.say(f"  baseline {agent.role}: rss {agent.baseline[0] / 1024:.1f} MiB, fds {agent.baseline[1]}")
                if agent.baseline is not None:
                    base_rss, base_fds = agent.baseline
                    self.record("rss bounded", rss <= base_rss * RSS_GROWTH,
                                f"{agent.role}: {rss} kB > {RSS_GROWTH} x baseline {base_rss} kB")
                    self.record("fds bounded", fds <= base_fds + FD_GROWTH,
                                f"{agent.role}: {fds} fds > baseline {base_fds} + {FD_GROWTH}")
            parts.append(detail)
        counts = self.traffic_counts()
        ok_total = sum(c[0] for c in counts.values())
        fail_total = sum(c[1] for c in counts.values())
        prev_ok, prev_fail = self.last_traffic.get("ok", 0), self.last_traffic.get("fail", 0)
        self.last_traffic = {"ok": ok_total, "fail": fail_total}
        parts.append(f"traffic +{ok_total - prev_ok} ok +{fail_total - prev_fail} failed")
        failed_now = sum(n for (_, r), n in self.checks.items() if r == "failed")
        self.say(f"check #{self.check_no}{' (failover window)' if in_window else ''}: {'; '.join(parts)}"
                 f"{'' if not failed_now else f'  [{failed_now} failed so far]'}")

    # -- the run -----------------------------------------------------------------------------------
    def run(self):
        a = self.args
        self.say(f"soak: seed {a.seed} (replay with --seed {a.seed}), {a.minutes} min of events, lab {self.lab.tag}, "
                 f"work dir {self.workdir}")
        self.build()
        self.wait_settled("the start", timeout=30)
        ok = self.poll(lambda: all(self.dr.get(u) for u in self.cluster.urls().values()), 20)
        self.record("vip answers", bool(ok), "the VIPs did not answer 20 s after the start")
        self.say(f"lab up: lb1 MASTER, lb2 BACKUP{', keepalived (lb3) BACKUP' if self.keepalived else ''}; "
                 f"warm-up {WARMUP:.0f} s")
        t_warm = time.monotonic()
        next_check = t_warm
        while time.monotonic() < t_warm + WARMUP and not self.fatal:
            if time.monotonic() >= next_check:
                self.run_checks()
                next_check = time.monotonic() + a.check_interval
            time.sleep(0.2)
        self.warm_end = time.monotonic()
        end = self.warm_end + a.minutes * 60
        next_event = self.warm_end
        next_check = self.warm_end + a.check_interval
        while not self.fatal:
            now = time.monotonic()
            if now >= end:
                break
            if now >= next_check:
                self.run_checks()
                next_check = time.monotonic() + a.check_interval
            elif now >= next_event:
                self.run_event()
                next_event = time.monotonic() + self.rng.uniform(a.event_min, a.event_max)
            else:
                time.sleep(min(0.5, max(0.0, min(next_check, next_event) - now)))
        if self.flapped is not None and not self.fatal:
            self.event_no += 1
            self.restore_flap()
        if not self.fatal:
            self.run_checks()

    def summary(self):
        counts = self.traffic_counts()
        passed = sum(n for (_, r), n in self.checks.items() if r == "passed")
        failed = sum(n for (_, r), n in self.checks.items() if r == "failed")
        lines = ["", "===== soak summary =====",
                 f"seed {self.args.seed}; {self.minutes_run:.1f} min of events after a {WARMUP:.0f} s warm-up; "
                 f"{self.event_no} event slots",
                 "events: " + ", ".join(f"{k} {self.events[k]}" for k in EVENT_WEIGHTS),
                 f"checks: {passed} passed, {failed} failed"]
        names = sorted({n for n, _ in self.checks})
        for n in names:
            lines.append(f"  {n:40s} {self.checks[(n, 'passed')]:6d} passed {self.checks[(n, 'failed')]:4d} failed")
        ok_total = sum(c[0] for c in counts.values())
        fail_total = sum(c[1] for c in counts.values())
        lines.append(f"requests: {ok_total} served, {fail_total} failed "
                     f"({', '.join(f'{k} {v[0]}/{v[1]}' for k, v in sorted(counts.items()))})")
        by = self.failures_by_window()
        lines.append(f"failed requests by window: {by['flap']} while a flapped server was not yet out, "
                     f"{by['failover']} in a failover window, {by['other']} outside both")
        for agent in self.agents.values():
            if agent.rss:
                rss = [r for _, r in agent.rss]
                fds = [f for _, f in agent.fds]
                base = (f"; baseline rss {agent.baseline[0] / 1024:.1f} MiB fds {agent.baseline[1]}"
                        if agent.baseline else "; no baseline (run shorter than the warm-up + 1 min)")
                lines.append(f"{agent.role}: {agent.runs} run(s); rss {min(rss) / 1024:.1f}-{max(rss) / 1024:.1f} MiB; "
                             f"fds {min(fds)}-{max(fds)}{base}")
        if self.fatal:
            lines.append(f"stopped early: {self.fatal}")
        if self.failures:
            lines.append("failures:")
            lines += [f"  {f}" for f in self.failures[:50]]
            if len(self.failures) > 50:
                lines.append(f"  ... and {len(self.failures) - 50} more")
        lines.append("RESULT: " + ("PASS" if not failed and not self.fatal else "FAIL"))
        print("\n".join(lines), flush=True)
        (self.workdir / "summary.txt").write_text("\n".join(lines) + "\n")
        return 0 if not failed and not self.fatal else 1


def parse_args():
    p = argparse.ArgumentParser(description="xdplb soak test: random events on a VRRP pair while traffic flows")
    p.add_argument("minutes", type=float, help="minutes of events after the warm-up")
    p.add_argument("--seed", type=int, default=None, help="the random sequence (printed at start)")
    p.add_argument("--event-min", type=float, default=2.0, help="seconds between events, at least")
    p.add_argument("--event-max", type=float, default=6.0, help="seconds between events, at most")
    p.add_argument("--check-interval", type=float, default=5.0, help="seconds between checks")
    p.add_argument("--pause", type=float, default=0.02, help="client pause between requests (s)")
    p.add_argument("--no-keepalived", dest="keepalived", action="store_false", help="no keepalived peer on lb3")
    p.add_argument("--no-master-restarts", dest="master_restarts", action="store_false",
                   help="restart only lb2, never the master")
    p.add_argument("--workdir", type=Path, default=None, help="work directory (default: a new one under /tmp)")
    p.add_argument("--keep", action="store_true", help="keep the work directory after a passing run")
    a = p.parse_args()
    if a.seed is None:
        a.seed = secrets.randbelow(2**31)
    if not 0 < a.minutes <= 24 * 60 or not 0 < a.event_min <= a.event_max or a.check_interval <= 0:
        p.error("minutes in (0, 1440], 0 < --event-min <= --event-max, --check-interval > 0")
    if a.keepalived and not shutil.which("keepalived"):
        p.error("keepalived is not installed: install it (tools/setup.sh) or pass --no-keepalived")
    return a


def main():
    args = parse_args()
    if os.geteuid() != 0:
        print("soak: needs root (network namespaces, XDP, bpffs)", file=sys.stderr)
        return 2
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="xdplb-soak-"))
    workdir.mkdir(parents=True, exist_ok=True)
    procs = ProcessLauncher(workdir / "logs")
    status = 1
    soak = None
    try:
        with Lab(prefix="xs") as lab:
            lab.on_close(procs.stop_all)
            soak = Soak(args, lab, procs, workdir)
            try:
                soak.run()
            except KeyboardInterrupt:
                soak.fatal = "interrupted"
            except Exception:  # noqa: BLE001 - a bug of the soak itself: report it with the summary
                traceback.print_exc()
                soak.fatal = "the soak driver raised (traceback above)"
            finally:
                soak.minutes_run = (time.monotonic() - (soak.warm_end or soak.t0)) / 60
            status = soak.summary()
            if status != 0:
                for p in procs.processes:
                    if p.name.startswith(("xdplbd", "keepalived")):
                        tail = "\n".join(p.log().splitlines()[-40:])
                        print(f"----- {p.name} (pid {p.pid}), last 40 lines of {p.log_path} -----\n{tail}", flush=True)
    except BaseException as e:  # noqa: BLE001 - the lab is gone by now; say where the logs are
        print(f"soak: aborted by {e!r}; logs in {workdir}", file=sys.stderr, flush=True)
        if isinstance(e, (KeyboardInterrupt, SystemExit)):
            return 130 if isinstance(e, KeyboardInterrupt) else (e.code if isinstance(e.code, int) else 1)
        raise
    if status == 0 and not args.keep and args.workdir is None:
        shutil.rmtree(workdir, ignore_errors=True)
        print("soak: passed; work directory removed (--keep keeps it)", flush=True)
    else:
        print(f"soak: logs of every process in {workdir / 'logs'}, summary in {workdir / 'summary.txt'}", flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
