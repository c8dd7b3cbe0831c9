"""Real keepalived as a VRRP peer inside a lab namespace.

keepalived 2.2.7 runs in the foreground with per-run pid files, so it never touches the host's
/run/keepalived.pid. A crash is simulated by SIGKILL to every one of its processes (parent and the
VRRP/checker children): killing only the parent lets the children send a priority-0 advert, which
is a graceful stop, not a crash.
"""
import os
import signal
import time
from pathlib import Path


class Keepalived:
    def __init__(self, procs, ns, workdir, name="keepalived"):
        self.procs = procs
        self.ns = ns
        self.name = name
        self.dir = Path(workdir) / f"{name}-{ns.name}"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.conf = self.dir / "keepalived.conf"
        self.proc = None

    def start(self, config_text):
        self.conf.write_text(config_text)
        argv = ["keepalived", "-n", "-l", "-D", "-f", self.conf,
                "-p", self.dir / "keepalived.pid", "-r", self.dir / "vrrp.pid",
                "-c", self.dir / "checkers.pid"]
        self.proc = self.procs.start(self.name, argv, ns=self.ns)
        return self.proc

    def log(self):
        return self.proc.log() if self.proc else ""

    def pids(self):
        """Every process of this keepalived: the parent and every descendant."""
        if not self.proc or not self.proc.alive():
            return []
        found = [self.proc.pid]
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            ppid, pgid = int(fields[1]), int(fields[2])
            if pgid == self.proc.pid or ppid in found:
                if int(entry.name) not in found:
                    found.append(int(entry.name))
        return found

    def crash(self):
        """kill -9 of every process at once: no priority-0 advert is sent.

        keepalived's children ask for SIGTERM when their parent dies (PR_SET_PDEATHSIG) and would
        resign; stopping every process first makes the kill a real crash whatever the order.
        """
        pids = self.pids()
        for sig in (signal.SIGSTOP, signal.SIGKILL):
            for pid in pids:
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass
        if self.proc:
            self.proc.wait(5)

    def stop(self, timeout=10):
        """A graceful stop (SIGTERM): the master resigns with a priority-0 advert."""
        if self.proc:
            return self.proc.stop(timeout=timeout)
        return None

    def entered(self, state, instance="VI_1"):
        """Times keepalived logged '(instance) Entering STATE STATE'."""
        return self.log().count(f"({instance}) Entering {state} STATE")
