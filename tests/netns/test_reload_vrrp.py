"""Reload without a flap (issue 7, issue 21 item 3b): a reload that changes one vrrp_instance touches
only that one; the others keep their state, their VIPs and their transition count. A change RFC 5798
allows in a running router (priority, advert_int, preemption, the VIP list, track weights) is applied
in place: a Master stays Master and its VIPs stay on the interface the whole time."""
import threading
import time

import pytest

from test_control import ctl
from xdplab import DrLab, configs, wait_until

VIP = "198.18.0.100"


def node_config(dr, vi2_password="1111", with_vi3=False, vi1_priority=100, vi1_vips=(VIP + "/32",)):
    blocks = [configs.vrrp_instance("VI_1", 51, vi1_priority, list(vi1_vips), state="MASTER"),
              configs.vrrp_instance("VI_2", 52, 100, ["198.18.0.101/32"], state="MASTER", password=vi2_password)]
    if with_vi3:
        blocks.append(configs.vrrp_instance("VI_3", 53, 100, ["198.18.0.102/32"], state="MASTER"))
    blocks.append(configs.virtual_server(VIP, [dr.server_address(0)]))
    return configs.config("LB1", *blocks)


def instances(agent):
    return {i["name"]: i for i in ctl(agent, "status")["vrrp_instances"]}


def addresses(ns):
    return ns.ip("-o", "addr", "show", "dev", "eth0").stdout


class AddressWatch:
    """Polls `ip addr` in a namespace in the background and records every moment `address` was missing."""

    def __init__(self, ns, address):
        self.ns, self.address, self.missing, self.polls = ns, address, [], 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            if f" {self.address}/" not in addresses(self.ns):
                self.missing.append(time.monotonic())
            self.polls += 1
            time.sleep(0.01)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(5)


def advert_priorities(procs, ns, vrid, seconds=3.5):
    """The priorities of the VRRP adverts of `vrid` seen on ns's eth0 within `seconds` (bounded capture)."""
    code = ("from scapy.all import sniff\n"
            "from scapy.layers.vrrp import VRRP\n"
            f"for p in sniff(iface='eth0', timeout={seconds}, filter='ip proto 112'):\n"
            f"    if p.haslayer(VRRP) and p[VRRP].vrid == {vrid}: print('priority', p[VRRP].priority, flush=True)\n")
    sniffer = procs.start(f"sniff-vrid{vrid}-{time.monotonic_ns()}", ["/usr/bin/python3", "-u", "-c", code], ns=ns)
    return sniffer


def test_reload_restarts_only_the_changed_instance(lab, procs, tmp_path):
    dr = DrLab(lab, procs, tmp_path, servers=1)
    lb = dr.lbs[0]
    path = dr.write_config("lb1.conf", node_config(dr))
    agent = dr.start_agent(lb, path)
    wait_until(lambda: all(i["state"] == "MASTER" for i in instances(agent).values()), 15, what="both masters")
    wait_until(lambda: dr.get(f"http://{VIP}/"), 10, what="the VIP answering")
    before = instances(agent)

    # A new password cannot change in place: VI_2 restarts, VI_1 is left alone.
    path.write_text(node_config(dr, vi2_password="2222", with_vi3=True))
    result = ctl(agent, "reload")
    assert "vrrp_instance VI_2: changed, restarted" in result["changes"], result
    assert "vrrp_instance VI_3: added" in result["changes"], result
    wait_until(lambda: instances(agent).get("VI_3", {}).get("state") == "MASTER", 15, what="VI_3 master")
    wait_until(lambda: instances(agent)["VI_2"]["state"] == "MASTER", 15, what="VI_2 master again")
    after = instances(agent)
    assert after["VI_1"]["state"] == "MASTER"
    assert after["VI_1"]["transitions"] == before["VI_1"]["transitions"], "VI_1 flapped"
    assert dr.get(f"http://{VIP}/") is not None

    # A change of the shared settings (a vrrp_script) still restarts every instance, and says so.
    path.write_text(node_config(dr, vi2_password="2222", with_vi3=True) + 'vrrp_script chk {\n    script "/bin/true"\n}\n')
    assert "VRRP configuration changed: every instance restarted" in ctl(agent, "reload")["changes"]


@pytest.mark.serial  # a VIP gap is only seen if `ip addr` is polled every few ms
def test_reload_priority_change_keeps_the_master_and_its_vip(lab, procs, tmp_path):
    dr = DrLab(lab, procs, tmp_path, servers=1)
    lb = dr.lbs[0]
    path = dr.write_config("lb1.conf", node_config(dr))
    agent = dr.start_agent(lb, path)
    wait_until(lambda: instances(agent)["VI_1"]["state"] == "MASTER", 15, what="VI_1 master")
    wait_until(lambda: f" {VIP}/" in addresses(lb), 5, what="the VIP on eth0")
    before = instances(agent)["VI_1"]

    with AddressWatch(lb, VIP) as watch:
        time.sleep(0.3)
        path.write_text(node_config(dr, vi1_priority=90))
        result = ctl(agent, "reload")
        sniffer = advert_priorities(procs, dr.client, 51)
        time.sleep(3)
    assert "vrrp_instance VI_1: changed in place, state kept" in result["changes"], result
    assert watch.polls > 50
    assert not watch.missing, f"the VIP was missing {len(watch.missing)} times during the reload"
    after = instances(agent)["VI_1"]
    assert after["state"] == "MASTER"
    assert after["priority"] == 90
    assert after["transitions"] == before["transitions"], "VI_1 left MASTER"
    sniffer.wait(10)
    seen = [int(line.split()[1]) for line in sniffer.log().splitlines() if line.startswith("priority ")]
    assert seen and set(seen) == {90}, f"adverts after the reload carried priorities {seen}"


@pytest.mark.serial  # a VIP gap is only seen if `ip addr` is polled every few ms
def test_reload_adds_and_removes_a_vip_without_a_transition(lab, procs, tmp_path):
    dr = DrLab(lab, procs, tmp_path, servers=1)
    lb = dr.lbs[0]
    path = dr.write_config("lb1.conf", node_config(dr))
    agent = dr.start_agent(lb, path)
    wait_until(lambda: instances(agent)["VI_1"]["state"] == "MASTER", 15, what="VI_1 master")
    wait_until(lambda: f" {VIP}/" in addresses(lb), 5, what="the VIP on eth0")
    transitions = instances(agent)["VI_1"]["transitions"]

    with AddressWatch(lb, VIP) as watch:
        path.write_text(node_config(dr, vi1_vips=(VIP + "/32", "198.18.0.103/32")))
        assert "vrrp_instance VI_1: changed in place, state kept" in ctl(agent, "reload")["changes"]
        wait_until(lambda: " 198.18.0.103/" in addresses(lb), 5, what="the added VIP on eth0")
        assert "198.18.0.103" in instances(agent)["VI_1"]["vips"]

        path.write_text(node_config(dr))
        assert "vrrp_instance VI_1: changed in place, state kept" in ctl(agent, "reload")["changes"]
        wait_until(lambda: " 198.18.0.103/" not in addresses(lb), 5, what="the removed VIP gone")
        time.sleep(0.5)
    assert not watch.missing, "the VIP that stayed was removed for a while"
    assert instances(agent)["VI_1"]["state"] == "MASTER"
    assert instances(agent)["VI_1"]["transitions"] == transitions
    assert dr.get(f"http://{VIP}/") is not None
