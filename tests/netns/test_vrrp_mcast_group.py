"""VRRP on another multicast group (issue 14): global_defs vrrp_mcast_group4 and vrrp_instance
mcast_dst_ip, with keepalived 2.2.7's meaning.

Agents on 224.0.0.19 (or ff02::13) elect one master among themselves; an agent on RFC 5798's group on
the same LAN, with the same VRID and VIP and a higher priority, neither hears them nor is heard (were the groups
ignored it would win their election). keepalived on the same group interoperates. A reload that changes
the group rejoins: the socket leaves the old group and joins the new one.
"""
import signal
import time

import pytest

from xdplab import DrLab, Keepalived, configs, ctl, wait_until

VIP = "198.18.0.100/24"
GROUP19 = "vrrp_mcast_group4 224.0.0.19"
# The same over IPv6 (VRRPv3): the group, RFC 5798's default one, and the instance's own lines.
FAMILIES = {
    "ipv4": {"group": "224.0.0.19", "default": "224.0.0.18", "keyword": "vrrp_mcast_group4",
             "vip": VIP, "password": "1111", "extra": ""},
    "ipv6": {"group": "ff02::13", "default": "ff02::12", "keyword": "vrrp_mcast_group6",
             "vip": "fd00::100/64", "password": None, "extra": "    version 3\n"},
}


def node_config(router_id, priority, globals_="", extra="", vip=VIP, password="1111"):
    instance = configs.vrrp_instance("VI_1", 51, priority, [vip], extra=extra, password=password)
    return f"global_defs {{\n    router_id {router_id}\n    {globals_}\n}}\n\n{instance}"


def state(agent):
    return {i["name"]: i for i in ctl(agent, "status")["vrrp_instances"]}["VI_1"]


def groups(ns):
    """The IPv4 and IPv6 multicast groups eth0 of `ns` is a member of."""
    lines = ns.ip("maddr", "show", "dev", "eth0").stdout.splitlines()
    return {line.split()[1] for line in lines if line.strip().startswith(("inet ", "inet6 "))}


def start(dr, lb, text):
    return dr.start_agent(lb, dr.write_config(f"{lb.role}.conf", text))


def wait_states(pairs, timeout=15):
    def reached():
        return all(state(agent)["state"] == wanted for agent, wanted in pairs)
    wait_until(reached, timeout, what=" and ".join(f"{a.instance} {w}" for a, w in pairs))


@pytest.mark.parametrize("family", FAMILIES)
def test_agents_on_another_group_elect_one_master_apart_from_the_default_group(lab, procs, tmp_path, family):
    f = FAMILIES[family]
    group, default = f["group"], f["default"]
    dr = DrLab(lab, procs, tmp_path, lbs=3, servers=0)
    lb1, lb2, lb3 = dr.lbs

    def config(router_id, priority, globals_=""):
        return node_config(router_id, priority, globals_=globals_, extra=f["extra"], vip=f["vip"],
                           password=f["password"])

    high = start(dr, lb1, config("LB1", 200, globals_=f"{f['keyword']} {group}"))
    low = start(dr, lb2, config("LB2", 100, globals_=f"{f['keyword']} {group}"))
    other = start(dr, lb3, config("LB3", 250))  # RFC 5798's group, same VRID and VIP, the best priority
    wait_states([(high, "MASTER"), (low, "BACKUP"), (other, "MASTER")])
    assert group in groups(lb1) and group in groups(lb2)
    assert default not in groups(lb1) | groups(lb2)
    assert default in groups(lb3) and group not in groups(lb3)

    # Longer than Master_Down_Interval (3 s + skew): the backup hears its master, nobody hears lb3.
    before = {a.instance: state(a)["transitions"] for a in (high, low, other)}
    time.sleep(4)
    assert [state(a)["state"] for a in (high, low, other)] == ["MASTER", "BACKUP", "MASTER"]
    assert {a.instance: state(a)["transitions"] for a in (high, low, other)} == before
    assert state(low)["adverts_dropped"]["destination_not_vrrp_group"] == 0

    # The group's master resigns: its backup takes over; lb3 is untouched.
    high.send_signal(signal.SIGTERM)
    assert high.wait(10) == 0
    wait_states([(low, "MASTER")], timeout=5)
    assert state(other)["state"] == "MASTER"
    assert state(other)["transitions"] == before[other.instance]


def test_keepalived_on_the_same_group_interoperates(lab, procs, tmp_path):
    dr = DrLab(lab, procs, tmp_path, lbs=2, servers=0)
    lb1, lb2 = dr.lbs
    # xdplbd names the group per instance, keepalived globally: both must mean 224.0.0.19.
    agent = start(dr, lb1, node_config("LB1", 150, extra="    mcast_dst_ip 224.0.0.19\n"))
    wait_states([(agent, "MASTER")])
    ka = Keepalived(procs, lb2, tmp_path, name="keepalived-lb2")
    ka.start(node_config("LB2", 100, globals_=GROUP19))
    wait_until(lambda: ka.entered("BACKUP") >= 1, 10, what="keepalived in BACKUP")
    time.sleep(4)  # longer than its Master_Down_Interval: it hears xdplbd's adverts on 224.0.0.19
    assert ka.entered("MASTER") == 0, ka.log()
    assert state(agent)["state"] == "MASTER"

    agent.send_signal(signal.SIGTERM)
    assert agent.wait(10) == 0
    wait_until(lambda: ka.entered("MASTER") >= 1, 5, what="keepalived MASTER after xdplbd stopped")


def test_reload_moves_the_instance_to_its_new_group(lab, procs, tmp_path):
    dr = DrLab(lab, procs, tmp_path, lbs=2, servers=0)
    lb1, lb2 = dr.lbs
    master = start(dr, lb1, node_config("LB1", 200, globals_=GROUP19))
    backup = start(dr, lb2, node_config("LB2", 100, globals_=GROUP19))
    wait_states([(master, "MASTER"), (backup, "BACKUP")])

    # The global group changes: every instance restarts on 224.0.0.20 and no longer hears lb1.
    dr.write_config("lb2.conf", node_config("LB2", 100, globals_="vrrp_mcast_group4 224.0.0.20"))
    changes = ctl(backup, "reload")["changes"]
    assert "VRRP configuration changed: every instance restarted" in changes, changes
    wait_states([(backup, "MASTER")], timeout=10)
    assert "224.0.0.20" in groups(lb2) and "224.0.0.19" not in groups(lb2)
    assert state(master)["state"] == "MASTER"

    # mcast_dst_ip brings this instance back to 224.0.0.19: it restarts, rejoins, hears lb1 again,
    # and the socket leaves 224.0.0.20, which no instance listens on any more.
    dr.write_config("lb2.conf", node_config("LB2", 100, globals_="vrrp_mcast_group4 224.0.0.20",
                                            extra="    mcast_dst_ip 224.0.0.19\n"))
    changes = ctl(backup, "reload")["changes"]
    assert "vrrp_instance VI_1: changed, restarted" in changes, changes
    wait_states([(backup, "BACKUP")], timeout=10)
    assert "224.0.0.19" in groups(lb2) and "224.0.0.20" not in groups(lb2)
    assert state(master)["state"] == "MASTER"


def test_an_instance_ignores_adverts_to_a_group_joined_for_another_instance(lab, procs, tmp_path):
    """lb1's socket on eth0 joins 224.0.0.18 for VI_B and 224.0.0.20 for VI_A. lb2's VRID 51 adverts to
    224.0.0.18 reach the socket, and VI_A (VRID 51 on 224.0.0.20) must still not take them. keepalived
    2.2.7 does the same (one socket per group, measured with this layout): VI_A stays master."""
    dr = DrLab(lab, procs, tmp_path, lbs=2, servers=0)
    lb1, lb2 = dr.lbs
    two = (configs.vrrp_instance("VI_A", 51, 100, [VIP], extra="    mcast_dst_ip 224.0.0.20\n") +
           configs.vrrp_instance("VI_B", 52, 100, ["198.18.0.101/24"]))
    agent = start(dr, lb1, "global_defs {\n    router_id LB1\n}\n\n" + two)
    peer = start(dr, lb2, node_config("LB2", 200))  # VRID 51 on 224.0.0.18, a higher priority
    wait_states([(peer, "MASTER")])
    assert {"224.0.0.18", "224.0.0.20"} <= groups(lb1)

    def vi_a():
        return {i["name"]: i for i in ctl(agent, "status")["vrrp_instances"]}["VI_A"]

    wait_until(lambda: vi_a()["adverts_dropped"]["destination_not_vrrp_group"] >= 3, 10,
               what="VI_A dropping lb2's adverts to 224.0.0.18")
    time.sleep(1)
    assert vi_a()["state"] == "MASTER"
    assert state(peer)["state"] == "MASTER"
