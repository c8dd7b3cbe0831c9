"""VRRP floods (issue 21, item 4): a host on the LAN sends thousands of crafted adverts (scapy) at a
master xdplbd: lower priorities, which a master answers at once with an advert of its own; a wrong
password; a wrong advert interval; and garbage that does not decode. The master must stay master,
answer at most once per advert interval (no amplification), log each kind of drop a few times with
a count instead of once per packet, and count every drop by reason in `xdplbctl status`."""
import json
import re
import socket
import subprocess
import time
from pathlib import Path

import pytest

from xdplab import bin_path, run, wait_until

# It makes load (scapy sends as fast as one core allows) and measures the master's advert gaps under
# it: beside other tests it would slow them and be slowed by them.
pytestmark = pytest.mark.serial

MASTER = "198.18.0.1"
ATTACKER = "198.18.0.66"
VIP = "198.18.0.100"
PER_KIND = 1500

CONFIG = f"""global_defs {{
  router_id flood
}}
vrrp_instance VI_1 {{
  state MASTER
  interface eth0
  virtual_router_id 51
  priority 150
  advert_int 1
  authentication {{
    auth_type PASS
    auth_pass secret
  }}
  virtual_ipaddress {{
    {VIP}/24
  }}
}}
"""

# Runs in the attacker's namespace: PER_KIND adverts of each kind, as fast as scapy sends them.
FLOOD = """
import sys
from scapy.all import Ether, IP, Raw, conf, get_if_hwaddr
from scapy.layers.vrrp import VRRP
per_kind, vip, src = int(sys.argv[1]), sys.argv[2], sys.argv[3]
mac = get_if_hwaddr("eth0")  # a bridge drops frames from the zero address scapy would fill in
def word(b):
    return int.from_bytes(b.ljust(4, b"\\0")[:4], "big")
def advert(priority=50, password=b"secret", adv=1):
    return (Ether(src=mac, dst="01:00:5e:00:00:12") / IP(src=src, dst="224.0.0.18", ttl=255, proto=112) /
            VRRP(vrid=51, priority=priority, authtype=1, adv=adv, addrlist=[vip], auth1=word(password),
                 auth2=word(password[4:])))
kinds = [advert(priority=50), advert(password=b"wrong!!"), advert(adv=3),
         Ether(src=mac, dst="01:00:5e:00:00:12") / IP(src=src, dst="224.0.0.18", ttl=255, proto=112) / Raw(b"\\x21\\x33")]
s = conf.L2socket(iface="eth0")
for i in range(per_kind):
    for k in kinds:
        s.send(k)
s.close()
"""

# Runs in the observer's namespace: the arrival time (the kernel's timestamp, so that a backlog of
# flood packets does not delay it) and source of every advert seen, for the given seconds.
RECEIVER = """
import select, socket, struct, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 112)
s.setsockopt(socket.SOL_SOCKET, 33, 8 << 20)  # SO_RCVBUFFORCE: keep up with the flood
s.setsockopt(socket.SOL_SOCKET, 35, 1)        # SO_TIMESTAMPNS
s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, socket.inet_aton("224.0.0.18") + socket.inet_aton(sys.argv[1]))
end = time.monotonic() + float(sys.argv[2])
while time.monotonic() < end:
    r, _, _ = select.select([s], [], [], 0.2)
    if r:
        d, anc, _, _ = s.recvmsg(2048, 64)
        at = next((struct.unpack("qq", data[:16]) for level, kind, data in anc if kind == 35), None)
        stamp = at[0] + at[1] / 1e9 if at else time.time()
        print(f"{stamp:.6f} {socket.inet_ntoa(d[12:16])}", flush=True)
"""


@pytest.fixture
def flood_lan(lab, procs, tmp_path):
    sw = lab.bridge("sw")
    nodes = {}
    for role, address in (("lb1", MASTER), ("attacker", ATTACKER), ("observer", "198.18.0.77")):
        ns = lab.netns(role)
        lab.plug(sw, ns, "eth0")
        ns.addr("eth0", f"{address}/24")
        nodes[role] = ns
    return nodes


def status(instance):
    return json.loads(run([bin_path("xdplbctl"), "--instance", instance, "--json", "status"]).stdout)


def test_a_flood_of_crafted_adverts_is_counted_not_amplified_nor_logged_per_packet(flood_lan, procs, tmp_path, lab):
    config = Path(tmp_path) / "flood.conf"
    config.write_text(CONFIG)
    instance = f"{lab.tag}-lb1"
    agent = procs.start("xdplbd-lb1", [bin_path("xdplbd"), "-f", config, "--instance", instance, "-n", "-l", "-D",
                                       "-p", Path(tmp_path) / "lb1.pid"], ns=flood_lan["lb1"], share_bpffs=True)
    wait_until(lambda: "(VI_1) Entering MASTER STATE" in agent.log(), 10, what="VI_1 master")
    time.sleep(1)

    window = 12.0
    receiver = subprocess.Popen(flood_lan["observer"].argv(["/usr/bin/python3", "-c", RECEIVER, "198.18.0.77",
                                                            str(window)]), stdout=subprocess.PIPE, text=True)
    time.sleep(0.5)
    t0 = time.monotonic()
    flood_lan["attacker"].run("/usr/bin/python3", "-c", FLOOD, str(PER_KIND), VIP, ATTACKER, timeout=120)
    flood_seconds = time.monotonic() - t0
    out, _ = receiver.communicate(timeout=window + 10)
    seen = [line.split() for line in out.splitlines()]
    from_master = [float(t) for t, src in seen if src == MASTER]
    from_attacker = [t for t, src in seen if src == ATTACKER]
    print(f"\nflood: {4 * PER_KIND} packets in {flood_seconds:.1f} s; the observer saw {len(from_attacker)} of the "
          f"attacker's adverts and {len(from_master)} of the master's in {window:.0f} s")
    assert len(from_attacker) >= PER_KIND, "the flood did not reach the LAN"
    # One advert a second on schedule, and at most one immediate answer per advert interval.
    assert len(from_master) <= 2 * window + 2, f"{len(from_master)} adverts from the master: amplification"
    gaps = [b - a for a, b in zip(from_master, from_master[1:])]
    assert gaps and max(gaps) < 1.5, f"the master's adverts stalled under the flood (longest gap {max(gaps):.2f} s)"

    s = status(instance)
    vi = next(i for i in s["vrrp_instances"] if i["name"] == "VI_1")
    assert vi["state"] == "MASTER"
    dropped = vi["adverts_dropped"]
    print(f"adverts_dropped: { {k: v for k, v in dropped.items() if v} }")
    # Every crafted advert that reached the socket is counted under its reason (a few may be lost
    # to the socket's buffer under the flood).
    for reason in ("auth_password_mismatch", "advert_interval_mismatch"):
        assert 0.8 * PER_KIND <= dropped[reason] <= PER_KIND, (reason, dropped)
    assert flood_lan["lb1"].ip("-o", "addr", "show", "dev", "eth0").stdout.count(f" {VIP}/") == 1

    # The summary of each kind comes when its 10 s interval is over.
    wait_until(lambda: "more in the last" in agent.log(), 15, what="a summary line with the count")
    log = agent.log()
    ignored = [line for line in log.splitlines() if "advert ignored" in line or "VRRP packet on" in line]
    # Per reason: the first line, then one summary per 10 s at most.
    assert len(ignored) <= 4 * 3, "\n".join(ignored[:20])
    # And the operator can read the counts without --json.
    plain = run([bin_path("xdplbctl"), "--instance", instance, "status"]).stdout
    assert re.search(r"Adverts dropped:\n  VI_1: .*auth_password_mismatch \d+", plain), plain
    assert "BACKUP->MASTER" in plain, plain
