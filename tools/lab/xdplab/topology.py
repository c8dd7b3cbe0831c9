"""Namespaces, veth pairs, bridges, addresses, routes and sysctls, all owned by one Lab.

Each Lab has a unique tag ("xl" + 6 hex digits); every namespace is named <tag>-<role> and every pin
directory the lab's agents create is /sys/fs/bpf/xdplb/<tag>-*. Interface names only need to be unique
inside their namespace, so links are created directly between lab namespaces: the root namespace never
sees them.
"""
import atexit
import contextlib
import os
import secrets
import shutil
import signal
import subprocess
from pathlib import Path

BPFFS_XDPLB = Path("/sys/fs/bpf/xdplb")
NETNS_DIR = Path("/run/netns")

_open_labs = []


def run(argv, check=True, timeout=30, input=None):
    """Runs a command, returns CompletedProcess with text stdout/stderr; raises with its output."""
    p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, input=input)
    if check and p.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, argv))} exited {p.returncode}: {p.stderr.strip() or p.stdout.strip()}")
    return p


def _close_all_labs():
    for lab in list(_open_labs):
        lab.close()


def _on_sigterm(signum, frame):
    # Turn SIGTERM into an exception so every finally/teardown runs, then the atexit sweep.
    raise SystemExit(128 + signum)


def _install_exit_handlers():
    if getattr(_install_exit_handlers, "done", False):
        return
    _install_exit_handlers.done = True
    atexit.register(_close_all_labs)
    if signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None):
        signal.signal(signal.SIGTERM, _on_sigterm)
    if signal.getsignal(signal.SIGHUP) in (signal.SIG_DFL, None):
        signal.signal(signal.SIGHUP, _on_sigterm)


class Netns:
    """One network namespace of a lab."""

    def __init__(self, lab, role):
        self.lab = lab
        self.role = role
        self.name = f"{lab.tag}-{role}"

    # -- running things inside -------------------------------------------------------------
    def argv(self, argv, share_bpffs=False):
        """The argv that runs `argv` inside this namespace.

        `ip netns exec` remounts /sys, hiding the host's bpffs; programs whose pins must be visible
        from outside (or survive a restart) are entered with nsenter instead (share_bpffs=True).
        """
        if share_bpffs:
            return ["nsenter", f"--net=/run/netns/{self.name}", *map(str, argv)]
        return ["ip", "netns", "exec", self.name, *map(str, argv)]

    def run(self, *argv, check=True, timeout=30, input=None):
        return run(self.argv(argv), check=check, timeout=timeout, input=input)

    def ip(self, *args, check=True):
        return run(["ip", "-n", self.name, *map(str, args)], check=check)

    def sysctl(self, key, value):
        self.run("sysctl", "-qw", f"{key}={value}")

    def addr(self, ifname, cidr):
        family = "-6" if ":" in cidr else "-4"
        extra = ["nodad"] if ":" in cidr else []
        self.ip(family, "addr", "add", cidr, "dev", ifname, *extra)

    def route(self, dst, via=None, dev=None):
        args = ["route", "add", dst]
        if via:
            args += ["via", via]
        if dev:
            args += ["dev", dev]
        self.ip("-6" if ":" in dst or (via and ":" in via) else "-4", *args)

    def up(self, ifname):
        self.ip("link", "set", ifname, "up")

    def mac(self, ifname):
        import json
        return json.loads(self.ip("-j", "link", "show", ifname).stdout)[0]["address"]

    def ifindex(self, ifname):
        import json
        return json.loads(self.ip("-j", "link", "show", ifname).stdout)[0]["ifindex"]

    def xdp_prog_id(self, ifname):
        """The id of the XDP program attached to ifname, or None."""
        import json
        info = json.loads(self.ip("-j", "-d", "link", "show", ifname).stdout)[0]
        xdp = info.get("xdp")
        if not xdp:
            return None
        prog = xdp.get("prog") or (xdp.get("attached") or [{}])[0].get("prog") or {}
        return prog.get("id")

    def load_xdp_object(self, ifname, obj, section="xdp", mode="xdpdrv"):
        """Attaches a plain BPF object's program (lab helpers such as xdp_pass)."""
        self.ip("link", "set", "dev", ifname, mode, "obj", obj, "sec", section)

    def no_offloads(self, ifname):
        """Checksum offload off: an XDP-forwarded frame must carry a complete checksum."""
        self.run("ethtool", "-K", ifname, "tx", "off", "rx", "off", check=False)

    def __repr__(self):
        return f"Netns({self.name})"


def _unused_tag(prefix):
    """prefix + 6 hex digits that no namespace or pin directory carries yet: labs of parallel test
    workers (and of other runs on the machine) must never share a tag."""
    while True:
        tag = f"{prefix}{secrets.token_hex(3)}"
        taken = [d for d in (NETNS_DIR, BPFFS_XDPLB) if d.is_dir() and any(e.name.startswith(tag) for e in d.iterdir())]
        if not taken:
            return tag


def _bpffs_mounted():
    with open("/proc/self/mounts") as mounts:
        return any(line.split()[1:3] == [str(BPFFS_XDPLB.parent), "bpf"] for line in mounts)


@contextlib.contextmanager
def hold_pin_root(prefix="xl"):
    """Keeps /sys/fs/bpf/xdplb from being removed while this process's labs run.

    The shared parent of every instance's pin directory is removed by whoever leaves it empty: an agent
    that unpins on exit, Lab.close(). An agent of another lab (another pytest worker) that starts at
    that moment finds the parent gone between its mkdir of the parent and of its own directory, and
    fails. An anchor directory <tag>-anchor keeps the parent non-empty for the whole session; it goes
    on exit, and with it the parent when nothing else remains.
    """
    if not _bpffs_mounted():
        yield None  # the first agent mounts it; nothing to hold before that
        return
    anchor = BPFFS_XDPLB / f"{_unused_tag(prefix)}-anchor"
    while True:
        try:
            BPFFS_XDPLB.mkdir(mode=0o700, exist_ok=True)
            anchor.mkdir(mode=0o700)
            break
        except FileNotFoundError:
            continue  # the parent was removed between the two mkdirs: again
    try:
        yield anchor
    finally:
        with contextlib.suppress(OSError):
            anchor.rmdir()
        with contextlib.suppress(OSError):
            BPFFS_XDPLB.rmdir()  # only when no other run's pins remain


class Lab:
    """A set of namespaces and links with one owner and one cleanup."""

    def __init__(self, prefix="xl"):
        _install_exit_handlers()
        self.tag = _unused_tag(prefix)
        self.namespaces = []
        self.cleanups = []  # callables run (last first) before namespaces are deleted
        self.closed = False
        _open_labs.append(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    # -- building ----------------------------------------------------------------------------
    def netns(self, role):
        ns = Netns(self, role)
        run(["ip", "netns", "add", ns.name])
        self.namespaces.append(ns)
        ns.up("lo")
        ns.sysctl("net.ipv6.conf.all.accept_dad", 0)
        ns.sysctl("net.ipv6.conf.default.accept_dad", 0)
        return ns

    def bridge(self, role="br", name="br0"):
        """A namespace that holds only a bridge: the lab's switch."""
        ns = self.netns(role)
        ns.ip("link", "add", name, "type", "bridge", "forward_delay", "0", "stp_state", "0")
        ns.ip("link", "set", name, "type", "bridge", "mcast_snooping", "0")
        ns.up(name)
        ns.bridge_name = name
        return ns

    def veth(self, a, a_if, b, b_if):
        """A veth pair a:a_if <-> b:b_if, both up, offloads off."""
        a.ip("link", "add", a_if, "type", "veth", "peer", "name", b_if, "netns", b.name)
        for ns, ifn in ((a, a_if), (b, b_if)):
            ns.no_offloads(ifn)
            ns.up(ifn)
        return a_if, b_if

    def plug(self, bridge, ns, ifname="eth0", port=None):
        """Connects ns:ifname to the bridge; the bridge-side port is named after the role."""
        port = port or ns.role[:15]
        self.veth(ns, ifname, bridge, port)
        bridge.ip("link", "set", port, "master", bridge.bridge_name)
        return port

    def on_close(self, fn):
        self.cleanups.append(fn)

    # -- tearing down ------------------------------------------------------------------------
    def pin_dirs(self):
        if not BPFFS_XDPLB.is_dir():
            return []
        return [p for p in BPFFS_XDPLB.iterdir() if p.name.startswith(self.tag)]

    def close(self):
        if self.closed:
            return
        self.closed = True
        errors = []
        for fn in reversed(self.cleanups):
            try:
                fn()
            except Exception as e:  # noqa: BLE001 - keep cleaning, report at the end
                errors.append(repr(e))
        for ns in reversed(self.namespaces):
            p = run(["ip", "netns", "del", ns.name], check=False)
            if p.returncode != 0 and "No such file" not in p.stderr:
                errors.append(p.stderr.strip())
        for d in self.pin_dirs():
            shutil.rmtree(d, ignore_errors=True)
        try:
            BPFFS_XDPLB.rmdir()  # only when no other run's pins remain
        except OSError:
            pass
        if self in _open_labs:
            _open_labs.remove(self)
        if errors:
            print(f"lab {self.tag}: cleanup problems: {errors}", flush=True)
