"""The classic keepalived DR topology in namespaces: a client, load-balancer nodes and real servers
on one bridge (in a namespace of its own). Real servers hold the VIPs on lo and do not answer ARP/ND
for them (arp_ignore=1, arp_announce=2), so requests reach them through a load balancer and replies
go straight back to the client."""
from pathlib import Path

from .paths import bin_path, bpf_object
from .servers import start_nginx
from .wait import wait_until

NET4, NET6 = "198.18.0", "fd00::"


class DrLab:
    def __init__(self, lab, procs, workdir, lbs=1, servers=3, vip4="198.18.0.100", vip6="fd00::100",
                 big_bytes=0):
        self.lab, self.procs, self.workdir = lab, procs, Path(workdir)
        self.vip4, self.vip6 = vip4, vip6
        self.bridge = lab.bridge()
        self.client = self._host("client", 10)
        self.lbs = [self._host(f"lb{i + 1}", 2 + i) for i in range(lbs)]
        self.servers = [self._host(f"rs{i + 1}", 11 + i) for i in range(servers)]
        for port in [f"lb{i + 1}" for i in range(lbs)]:
            # XDP_TX out of an LB's veth only lands if the peer runs an XDP program of its own.
            self.bridge.load_xdp_object(port, bpf_object("xdp_pass"))
        for i, rs in enumerate(self.servers):
            for key in ("all", "eth0"):
                rs.sysctl(f"net.ipv4.conf.{key}.arp_ignore", 1)
                rs.sysctl(f"net.ipv4.conf.{key}.arp_announce", 2)
            rs.addr("lo", f"{vip4}/32")
            rs.addr("lo", f"{vip6}/128")
            start_nginx(procs, rs, f"rs{i + 1}", self.workdir, big_bytes=big_bytes)
        for i, rs in enumerate(self.servers):
            wait_until(lambda rs=rs: rs.run("curl", "-s", "-m", "1", "http://127.0.0.1/health", check=False).returncode == 0,
                       10, what=f"nginx on rs{i + 1}")

    def _host(self, role, last):
        ns = self.lab.netns(role)
        self.lab.plug(self.bridge, ns)
        ns.addr("eth0", f"{NET4}.{last}/24")
        ns.addr("eth0", f"{NET6}{last}/64")
        ns.address4 = f"{NET4}.{last}"
        ns.address6 = f"{NET6}{last}"
        return ns

    def server_address(self, i, v6=False):
        return f"{NET6}{11 + i}" if v6 else f"{NET4}.{11 + i}"

    def hold_vips(self, lb):
        """What VRRP does on becoming master, by hand: the LB node answers ARP/ND for the VIPs."""
        lb.addr("eth0", f"{self.vip4}/32")
        # Deprecated (preferred_lft 0): answers ND but is never picked as a source address; a /128
        # would otherwise win Linux's longest-prefix source selection over the node's own /64.
        lb.ip("-6", "addr", "add", f"{self.vip6}/128", "dev", "eth0", "nodad", "preferred_lft", "0")

    def write_config(self, name, text):
        path = self.workdir / name
        path.write_text(text)
        return path

    def start_agent(self, lb, config_path, *extra, name=None, wrap=(), env=None):
        """xdplbd on `lb`; `wrap` is a command line it runs under (it must exec the rest)."""
        instance = f"{self.lab.tag}-{lb.role}"
        argv = [*wrap, bin_path("xdplbd"), "-f", config_path, "--instance", instance, "-n", "-l",
                "-p", self.workdir / f"{instance}.pid", "--state-directory", self.workdir / "state", *extra]
        proc = self.procs.start(name or f"xdplbd-{lb.role}", argv, ns=lb, share_bpffs=True, env=env)
        proc.instance = instance
        proc.pin_dir = f"/sys/fs/bpf/xdplb/{instance}"
        return proc

    def get(self, url, timeout=2):
        """One HTTP request from the client on a fresh connection: the answering server's name."""
        p = self.client.run("curl", "-s", "-g", "-m", str(timeout), url, check=False)
        return p.stdout.strip() if p.returncode == 0 else None
