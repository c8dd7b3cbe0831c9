"""lb_kind NAT end to end where the real servers are behind the interface the program is attached to
(one-armed NAT, issue 15 increment 1): client and real server on one segment, different subnets, the
LB the router of both. The client's request to VIP:80 reaches RS:8080, the reply leaves the LB from
VIP:80; the client never sees a packet from the real server's own address. IPv4 TCP and UDP, IPv6
TCP. No VRRP (--interface), no nftables, no IPVS. The two-legged pair with a sync group is the next
increment's test."""
import subprocess
import time

from xdplab import bin_path, wait_until
from xdplab.paths import bpf_object
from xdplab.servers import UDP_CLIENT, UDP_ECHO

VIP4, VIP6 = "198.18.30.100", "fd00:30::100"
RS4, RS6 = "198.18.10.3", "fd00:10::3"
CLIENT4, CLIENT6 = "198.18.20.2", "fd00:20::2"
OFF_LINK = "198.18.99.9"  # on none of the LB's networks: VIP4:81 has no server it can reach

# delay_loop 1: a server whose first checks run before it listens is up again within a second (the
# default, 60 s, would outlast the test).
CONFIG = f"""
virtual_server {VIP4} 80 {{
  protocol TCP
  lb_kind NAT
  delay_loop 1
  real_server {RS4} 8080 {{
    TCP_CHECK {{
      connect_timeout 1
    }}
  }}
}}
virtual_server {VIP4} 53 {{
  protocol UDP
  lb_kind NAT
  real_server {RS4} 5353 {{
  }}
}}
virtual_server {VIP4} 81 {{
  protocol TCP
  lb_kind NAT
  real_server {OFF_LINK} 8080 {{
  }}
}}
virtual_server {VIP6} 80 {{
  protocol TCP
  lb_kind NAT
  delay_loop 1
  real_server {RS6} 8080 {{
    TCP_CHECK {{
      connect_timeout 1
    }}
  }}
}}
"""


def build(lab, procs, tmp_path):
    br = lab.bridge()
    lb, rs, client = lab.netns("lb"), lab.netns("rs"), lab.netns("client")
    for ns in (lb, rs, client):
        port = lab.plug(br, ns)
        if ns is lb:  # XDP_TX frames from a veth need an XDP program on its peer
            br.load_xdp_object(port, bpf_object("xdp_pass"))
    lb.ip("addr", "add", "198.18.10.1/24", "dev", "eth0")
    lb.ip("addr", "add", "198.18.20.1/24", "dev", "eth0")
    lb.ip("-6", "addr", "add", "fd00:10::1/64", "dev", "eth0", "nodad")
    lb.ip("-6", "addr", "add", "fd00:20::1/64", "dev", "eth0", "nodad")
    lb.sysctl("net.ipv4.ip_forward", 1)
    lb.sysctl("net.ipv6.conf.all.forwarding", 1)
    rs.ip("addr", "add", f"{RS4}/24", "dev", "eth0")
    rs.ip("-6", "addr", "add", f"{RS6}/64", "dev", "eth0", "nodad")
    rs.ip("route", "add", "default", "via", "198.18.10.1")
    rs.ip("-6", "route", "add", "default", "via", "fd00:10::1")
    client.ip("addr", "add", f"{CLIENT4}/24", "dev", "eth0")
    client.ip("-6", "addr", "add", f"{CLIENT6}/64", "dev", "eth0", "nodad")
    client.ip("route", "add", "198.18.30.0/24", "via", "198.18.20.1")
    client.ip("-6", "route", "add", "fd00:30::/64", "via", "fd00:20::1")
    procs.start("http4", ["/usr/bin/python3", "-m", "http.server", "8080", "--bind", RS4], ns=rs, cwd=tmp_path)
    procs.start("http6", ["/usr/bin/python3", "-m", "http.server", "8080", "--bind", RS6], ns=rs, cwd=tmp_path)
    procs.start("udp", ["/usr/bin/python3", "-c", UDP_ECHO, RS4, "5353"], ns=rs)
    config = tmp_path / "xdplbd.conf"
    config.write_text(CONFIG)
    instance = f"{lab.tag}-lb"
    agent = procs.start("xdplbd", [bin_path("xdplbd"), "-f", config, "--instance", instance, "--interface", "eth0",
                                   "-n", "-l", "-D"], ns=lb, share_bpffs=True)
    agent.instance = instance
    return lb, rs, client, agent


def procs_by_name(procs, name):
    return next(p for p in procs.processes if p.name == name)


def curl(client, url):
    p = client.run("curl", "-s", "-g", "-m", "3", "-o", "/dev/null", "-w", "%{http_code} %{remote_ip}", url,
                   check=False)
    return p.stdout.strip()


def stats(agent):
    return subprocess.run([bin_path("xdplbctl"), "--instance", agent.instance, "stats"], capture_output=True,
                          text=True).stdout


def test_nat_one_armed_tcp_udp_ipv4_ipv6_replies_from_the_vip(lab, procs, tmp_path):
    lb, rs, client, agent = build(lab, procs, tmp_path)
    wait_until(lambda: curl(client, f"http://{VIP4}/") == f"200 {VIP4}", 20, what="HTTP through the IPv4 NAT VIP")
    # What reaches the client from the real servers' own addresses while the traffic runs: nothing
    # (one segment: the servers' neighbour solicitations are multicast, not to the client).
    capture = tmp_path / "client.pcap"
    sniffer = procs.start("tshark", ["tshark", "-i", "eth0", "-w", capture, "-f",
                                     f"(src host {RS4} and dst host {CLIENT4}) or "
                                     f"(src host {RS6} and dst host {CLIENT6})"], ns=client)
    time.sleep(2)  # tshark is capturing
    for _ in range(5):
        assert curl(client, f"http://{VIP4}/") == f"200 {VIP4}"
    wait_until(lambda: curl(client, f"http://[{VIP6}]/") == f"200 {VIP6}", 20, what="HTTP through the IPv6 NAT VIP")
    answer = client.run("/usr/bin/python3", "-c", UDP_CLIENT, VIP4, "53").stdout.split()
    assert answer == ["echo:ping", VIP4, "53"], answer  # from VIP:53, not RS:5353
    time.sleep(1)
    sniffer.stop()
    seen = subprocess.run(["tshark", "-r", capture], capture_output=True, text=True).stdout
    assert seen.strip() == "", f"packets from a real server's own address reached the client:\n{seen}"
    counters = stats(agent)
    replies = next(line for line in counters.splitlines() if line.startswith("fwd_nat_reply"))
    assert int(replies.split()[1]) > 0, counters
    # The real server saw the client's own address (NAT keeps it, unlike a proxy).
    assert f'{CLIENT4} - - ' in procs_by_name(procs, "http4").log()
    assert f'{CLIENT6} - - ' in procs_by_name(procs, "http6").log()
    # A real server on none of the LB's networks is named, by -t and once by the running agent
    # (which syncs the data plane many times meanwhile), and its service is not served.
    unreachable = f"real_server {OFF_LINK} is on no network this host is connected to"
    test = lb.run(bin_path("xdplbd"), "-t", "-f", tmp_path / "xdplbd.conf", check=False)
    # exit 5: keepalived reports the services without lb_algo; this warning is ours and changes nothing.
    assert test.returncode == 5 and f"{VIP4}:81/TCP: {unreachable}" in test.stderr + test.stdout, test
    assert agent.log().count(f"real server {OFF_LINK} is on no network this host is connected to") == 1, agent.log()
    assert curl(client, f"http://{VIP4}:81/").startswith("000"), "a service without a reachable server answered"
