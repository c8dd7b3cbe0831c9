"""lb_kind NAT on a two-legged pair, keepalived's classic NAT layout: clients on the external segment,
real servers on the internal one with the pair's internal VRRP address as their default gateway, the
external and internal instances in one vrrp_sync_group. The agents serve on eth0 only (--interface):
they attach to eth1 themselves because NAT servers are reached through it, and set its accept_local.
HTTP (80 -> 8080, IPv4 and IPv6) and UDP (53 -> 5353) through the VIPs; long-lived TCP streams (IPv4
and IPv6) survive the master's host dying and finish on their original servers (the backup
translates replies of flows it never saw); a reply the program leaves to the kernel (no neighbour
yet) reaches the client from the VIP without a retransmission; tshark on the client sees nothing
from a real server's own address. No IPVS, no nftables."""
import json
import signal
import subprocess
import time

from xdplab import bin_path, wait_until
from xdplab.paths import bpf_object
from xdplab.servers import UDP_CLIENT, UDP_ECHO

VIP, GATEWAY, VIP6, GATEWAY6 = "198.18.40.100", "198.18.41.1", "fd00:40::100", "fd00:41::1"
CLIENT, CLIENT6 = "198.18.40.2", "fd00:40::2"
SERVERS = ("198.18.41.21", "198.18.41.22", "198.18.41.23")
SERVERS6 = ("fd00:41::21", "fd00:41::22", "fd00:41::23")
LBS = {"lb1": (11, 150), "lb2": (12, 100)}


def config(priority):
    real_servers = "".join(f"""
  real_server {rs} 8080 {{
    TCP_CHECK {{
      connect_timeout 1
    }}
  }}""" for rs in SERVERS)
    real_servers6 = "".join(f"""
  real_server {rs} 8080 {{
    TCP_CHECK {{
      connect_timeout 1
    }}
  }}""" for rs in SERVERS6)
    echo_servers, echo_servers6 = ("".join(f"""
  real_server {rs} 9000 {{
    TCP_CHECK {{
      connect_timeout 1
    }}
  }}""" for rs in servers) for servers in (SERVERS, SERVERS6))
    udp_servers = "".join(f"""
  real_server {rs} 5353 {{
  }}""" for rs in SERVERS)
    return f"""
vrrp_sync_group G {{
  group {{
    VI_EXT
    VI_INT
    VI_EXT6
    VI_INT6
  }}
}}
vrrp_instance VI_EXT {{
  interface eth0
  state BACKUP
  virtual_router_id 40
  priority {priority}
  advert_int 1
  virtual_ipaddress {{
    {VIP}/24
  }}
}}
vrrp_instance VI_INT {{
  interface eth1
  state BACKUP
  virtual_router_id 41
  priority {priority}
  advert_int 1
  virtual_ipaddress {{
    {GATEWAY}/24
  }}
}}
vrrp_instance VI_EXT6 {{
  interface eth0
  state BACKUP
  version 3
  virtual_router_id 42
  priority {priority}
  advert_int 1
  virtual_ipaddress {{
    {VIP6}/64
  }}
}}
vrrp_instance VI_INT6 {{
  interface eth1
  state BACKUP
  version 3
  virtual_router_id 43
  priority {priority}
  advert_int 1
  virtual_ipaddress {{
    {GATEWAY6}/64
  }}
}}
virtual_server {VIP6} 80 {{
  delay_loop 1
  lb_algo rr
  lb_kind NAT
  protocol TCP{real_servers6}
}}
virtual_server {VIP6} 9000 {{
  delay_loop 1
  lb_algo mh
  lb_kind NAT
  protocol TCP{echo_servers6}
}}
virtual_server {VIP} 53 {{
  lb_algo rr
  lb_kind NAT
  protocol UDP{udp_servers}
}}
virtual_server {VIP} 80 {{
  delay_loop 1
  lb_algo rr
  lb_kind NAT
  protocol TCP{real_servers}
}}
virtual_server {VIP} 9000 {{
  delay_loop 1
  lb_algo mh
  lb_kind NAT
  protocol TCP{echo_servers}
}}
"""


# The stream services use mh (Maglev): both nodes send a flow's packets to the same server, which rr's
# per-node rotation would not. A line-echo server: every line back, prefixed with the server's address.
ECHO_SERVER = """
import socket, sys, threading
s = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 9000))
s.listen(16)
def serve(c):
    f = c.makefile("rwb", buffering=0)
    for line in f:
        f.write(sys.argv[1].encode() + b" " + line)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
"""


# The client's long-lived stream: a numbered line every 50 ms for DURATION seconds, each echo
# awaited; prints one JSON line: how many were echoed, by whom, the longest wait, and any error.
STREAM_CLIENT = """
import json, socket, sys, time
vip, duration = sys.argv[1], float(sys.argv[2])
result = {"sent": 0, "echoed": 0, "servers": [], "longest_wait": 0.0, "error": None}
try:
    c = socket.create_connection((vip, 9000), timeout=3)
    c.settimeout(20)
    f = c.makefile("rwb", buffering=0)
    end = time.monotonic() + duration
    n = 0
    while time.monotonic() < end:
        n += 1
        t0 = time.monotonic()
        f.write(b"%d\\n" % n)
        result["sent"] = n
        server, number = f.readline().split()
        if int(number) != n:
            raise RuntimeError(f"echo {number} for {n}")
        result["echoed"] = n
        result["servers"] = sorted(set(result["servers"]) | {server.decode()})
        result["longest_wait"] = max(result["longest_wait"], time.monotonic() - t0)
        time.sleep(0.05)
except Exception as e:
    result["error"] = repr(e)
print(json.dumps(result), flush=True)
"""


def build(lab, procs, tmp_path, foreign_program_inside=False):
    external, internal = lab.bridge("ext"), lab.bridge("int")
    client = lab.netns("client")
    lab.plug(external, client)
    client.ip("addr", "add", f"{CLIENT}/24", "dev", "eth0")
    client.ip("-6", "addr", "add", f"{CLIENT6}/64", "dev", "eth0", "nodad")
    servers = []
    for i, (address, address6) in enumerate(zip(SERVERS, SERVERS6)):
        rs = lab.netns(f"rs{i + 1}")
        lab.plug(internal, rs)
        rs.ip("addr", "add", f"{address}/24", "dev", "eth0")
        rs.ip("-6", "addr", "add", f"{address6}/64", "dev", "eth0", "nodad")
        rs.ip("route", "add", "default", "via", GATEWAY)
        rs.ip("-6", "route", "add", "default", "via", GATEWAY6)
        procs.start(f"http-rs{i + 1}", ["/usr/bin/python3", "-m", "http.server", "8080", "--bind", "::"], ns=rs,
                    cwd=tmp_path)
        procs.start(f"echo-rs{i + 1}", ["/usr/bin/python3", "-c", ECHO_SERVER, address], ns=rs)
        procs.start(f"echo6-rs{i + 1}", ["/usr/bin/python3", "-c", ECHO_SERVER, address6], ns=rs)
        procs.start(f"udp-rs{i + 1}", ["/usr/bin/python3", "-c", UDP_ECHO, address, "5353"], ns=rs)
        servers.append(rs)
    lbs, agents = {}, {}
    for name, (host, priority) in LBS.items():
        lb = lab.netns(name)
        # XDP_TX / redirect into a veth needs an XDP program on its peer, the bridge's port.
        external.load_xdp_object(lab.plug(external, lb, "eth0"), bpf_object("xdp_pass"))
        internal.load_xdp_object(lab.plug(internal, lb, "eth1"), bpf_object("xdp_pass"))
        lb.ip("addr", "add", f"198.18.40.{host}/24", "dev", "eth0")
        lb.ip("addr", "add", f"198.18.41.{host}/24", "dev", "eth1")
        lb.ip("-6", "addr", "add", f"fd00:40::{host}/64", "dev", "eth0", "nodad")
        lb.ip("-6", "addr", "add", f"fd00:41::{host}/64", "dev", "eth1", "nodad")
        lb.sysctl("net.ipv4.ip_forward", 1)
        lb.sysctl("net.ipv6.conf.all.forwarding", 1)
        if foreign_program_inside:  # another tool's XDP program already runs on the internal leg
            lb.load_xdp_object("eth1", bpf_object("xdp_pass"))
        path = tmp_path / f"{name}.conf"
        path.write_text(config(priority))
        instance = f"{lab.tag}-{name}"
        agent = procs.start(f"xdplbd-{name}", [bin_path("xdplbd"), "-f", path, "--instance", instance,
                                               "--interface", "eth0", "-n", "-l", "-D"], ns=lb, share_bpffs=True)
        agent.instance = instance
        lbs[name], agents[name] = lb, agent
    return client, servers, lbs, agents


def ctl(agent, *args):
    return subprocess.run([bin_path("xdplbctl"), "--instance", agent.instance, *args], capture_output=True, text=True)


def states(agent):
    p = ctl(agent, "--json", "status")
    if p.returncode != 0:
        return {}
    return {i["name"]: i["state"] for i in json.loads(p.stdout)["vrrp_instances"]}


def counter(agent, reason):
    for line in ctl(agent, "stats").stdout.splitlines():
        words = line.split()
        if words and words[0] == reason:
            return int(words[1])
    return 0


def curl(client, vip=VIP):
    url = f"http://[{vip}]/" if ":" in vip else f"http://{vip}/"
    p = client.run("curl", "-s", "-g", "-m", "3", "-o", "/dev/null", "-w", "%{http_code} %{remote_ip}", url,
                   check=False)
    return p.stdout.strip()


def retransmitted_segments(ns):
    out = ns.run("nstat", "-az", "TcpRetransSegs").stdout
    return int(next(line.split()[1] for line in out.splitlines() if line.startswith("TcpRetransSegs")))


def test_nat_pair_attaches_inside_and_a_stream_survives_the_masters_loss(lab, procs, tmp_path):
    client, servers, lbs, agents = build(lab, procs, tmp_path)
    names = ("VI_EXT", "VI_INT", "VI_EXT6", "VI_INT6")
    master, backup = dict.fromkeys(names, "MASTER"), dict.fromkeys(names, "BACKUP")
    wait_until(lambda: states(agents["lb1"]) == master and states(agents["lb2"]) == backup, 20,
               what="lb1 MASTER of both instances, lb2 BACKUP")
    wait_until(lambda: curl(client) == f"200 {VIP}", 20, what="HTTP through the NAT VIP")
    wait_until(lambda: curl(client, VIP6) == f"200 {VIP6}", 20, what="HTTP through the IPv6 NAT VIP")

    # The agent attached to eth1 on its own (it serves on eth0) and set accept_local there.
    lb1 = lbs["lb1"]
    assert lb1.xdp_prog_id("eth1") == lb1.xdp_prog_id("eth0") is not None, agents["lb1"].log()
    assert lb1.run("sysctl", "-n", "net.ipv4.conf.eth1.accept_local").stdout.strip() == "1"
    assert "NAT real servers are reached through eth1: XDP program attached there" in agents["lb1"].log()
    assert counter(agents["lb1"], "fwd_nat_reply") > 0
    # As an operator checks it: the data plane serves what the agent intends, eth1 included.
    verified = ctl(agents["lb1"], "verify")
    assert verified.returncode == 0 and verified.stdout.startswith("OK: the data plane serves what the agent "
                                                                    "intends"), verified.stdout + verified.stderr

    # A reply the program leaves to the kernel (the client's neighbour is not known yet) still reaches
    # the client from the VIP, at once: its source, the VIP, is local to the LB and accept_local lets
    # the kernel forward it. A martian drop would cost a retransmission.
    lb1.ip("neigh", "flush", "dev", "eth0")
    before = (retransmitted_segments(client), counter(agents["lb1"], "pass_nat_no_neigh"))
    assert curl(client) == f"200 {VIP}" and curl(client, VIP6) == f"200 {VIP6}"
    assert counter(agents["lb1"], "pass_nat_no_neigh") > before[1]
    assert retransmitted_segments(client) == before[0], "a reply was dropped and retransmitted"
    # IPv6 has no accept_local: the kernel forwards such a reply as it is.
    lb1.ip("-6", "neigh", "flush", "dev", "eth0")
    before = (retransmitted_segments(client), counter(agents["lb1"], "pass_nat_no_neigh"))
    assert curl(client, VIP6) == f"200 {VIP6}"
    assert counter(agents["lb1"], "pass_nat_no_neigh") > before[1]
    assert retransmitted_segments(client) == before[0], "an IPv6 reply was dropped and retransmitted"

    # UDP with a port change: the answer comes from VIP:53.
    answer = client.run("/usr/bin/python3", "-c", UDP_CLIENT, VIP, "53").stdout.split()
    assert answer == ["echo:ping", VIP, "53"], answer

    # Long-lived streams through the VIPs, watched from the client; lb1's host dies in the middle of
    # them (its agent killed, both links down).
    # Everything from the LB side is captured (the VIPs' replies too: the capture is known to work);
    # the real servers' own addresses are looked for when it is read.
    capture = tmp_path / "client.pcap"
    sniffer = procs.start("tshark", ["tshark", "-i", "eth0", "-w", capture, "-f", "tcp and not src host " + CLIENT
                                     + " and not src host " + CLIENT6], ns=client)
    wait_until(lambda: "Capturing on" in sniffer.log(), 10, what="tshark capturing")
    ipv4_streams, ipv6_streams = 8, 2  # 8 over 3 servers: all on one is a 1 in 2,187 chance
    streams = [procs.start(f"stream{i}", ["/usr/bin/python3", "-c", STREAM_CLIENT, vip, "20"], ns=client)
               for i, vip in enumerate([VIP] * ipv4_streams + [VIP6] * ipv6_streams)]
    time.sleep(3)
    agents["lb1"].send_signal(signal.SIGKILL)
    lb1.ip("link", "set", "eth0", "down")
    lb1.ip("link", "set", "eth1", "down")
    wait_until(lambda: states(agents["lb2"]) == master, 10, what="lb2 MASTER of every instance")
    served_by = set()
    for stream in streams:
        assert stream.wait(50) == 0
        result = json.loads(stream.log().strip().splitlines()[-1])
        assert result["error"] is None and result["echoed"] == result["sent"] > 100, result
        assert len(result["servers"]) == 1, result  # it finished on the server it started on
        served_by.update(result["servers"])
    assert len(served_by & set(SERVERS)) > 1, served_by  # the IPv4 streams were spread over the servers
    # lb2 never saw the flows start: it translated their replies from the configuration alone.
    assert counter(agents["lb2"], "fwd_nat_reply") > 0
    assert lbs["lb2"].xdp_prog_id("eth1") == lbs["lb2"].xdp_prog_id("eth0") is not None
    assert curl(client) == f"200 {VIP}" and curl(client, VIP6) == f"200 {VIP6}"
    sniffer.stop()

    def read(display_filter):
        p = subprocess.run(["tshark", "-r", capture, "-Y", display_filter], capture_output=True, text=True)
        assert p.returncode == 0, p.stderr
        return p.stdout.strip()
    assert read(f"ip.src == {VIP} or ipv6.src == {VIP6}"), "the capture holds no reply from the VIPs"
    seen = read("ip.src == 198.18.41.0/24 or ipv6.src == fd00:41::/64")
    assert seen == "", f"packets from a real server's own address reached the client:\n{seen}"


def test_nat_attach_never_replaces_another_xdp_program(lab, procs, tmp_path):
    """The agent attaches to the internal leg only where no other XDP program runs: it says so, and
    xdplbctl verify names the interface whose NAT replies are not translated."""
    client, servers, lbs, agents = build(lab, procs, tmp_path, foreign_program_inside=True)
    lb1 = lbs["lb1"]
    theirs = lb1.xdp_prog_id("eth1")
    wait_until(lambda: "another XDP program" in agents["lb1"].log(), 20, what="the refusal logged")
    assert f"NAT real servers are reached through eth1, where the XDP program cannot be attached (another XDP " \
           f"program (id {theirs}) runs on eth1" in agents["lb1"].log()
    assert lb1.xdp_prog_id("eth1") == theirs != lb1.xdp_prog_id("eth0")
    assert lb1.run("sysctl", "-n", "net.ipv4.conf.eth1.accept_local").stdout.strip() == "0"
    verified = ctl(agents["lb1"], "verify")
    assert verified.returncode != 0, verified.stdout
    lines = verified.stdout.splitlines()
    assert lines[0].startswith("1 difference between the intended state and the live maps"), verified.stdout
    assert lines[1].split(None, 1) == ["eth1", "NAT real servers are reached through it but the program is not "
                                       "attached: their replies are not translated"], verified.stdout
