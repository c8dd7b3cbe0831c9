"""use_vmac (issue 5): the master holds the VIP on a macvlan with the VRRP virtual MAC
00:00:5e:00:01:<VRID>, the client resolves the VIP to that MAC, and a stop removes the link."""
import json

from xdplab import DrLab, configs, wait_until

VIP = "198.18.0.100"
VMAC = "00:00:5e:00:01:33"  # VRID 51


def links(ns):
    return {l["ifname"]: l for l in json.loads(ns.ip("-j", "link", "show").stdout)}


def test_use_vmac_answers_with_the_virtual_mac_and_is_removed_on_stop(lab, procs, tmp_path):
    dr = DrLab(lab, procs, tmp_path, servers=1)
    lb = dr.lbs[0]
    config = configs.config("LB1", configs.vrrp_instance("VI_1", 51, 100, [f"{VIP}/32"], state="MASTER",
                                                         extra="    use_vmac\n"))
    agent = dr.start_agent(lb, dr.write_config("lb1.conf", config))

    def vmac_with_vip():
        link = links(lb).get("vrrp.51")
        if not link or link["address"] != VMAC:
            return False
        addrs = json.loads(lb.ip("-j", "addr", "show", "dev", "vrrp.51").stdout)
        return any(a.get("local") == VIP for i in addrs for a in i.get("addr_info", []))

    wait_until(vmac_with_vip, 15, what=f"the VIP on vrrp.51 with MAC {VMAC}")
    dr.client.run("ping", "-c", "3", "-i", "0.2", "-W", "1", VIP)
    neigh = json.loads(dr.client.ip("-j", "neigh", "show", VIP).stdout)
    assert neigh and neigh[0]["lladdr"] == VMAC, neigh

    assert agent.stop() == 0
    assert "vrrp.51" not in links(lb), "a stopped node removes the vmac link it created"


def test_use_vmac_over_ipv6_uses_the_ipv6_virtual_mac(lab, procs, tmp_path):
    dr = DrLab(lab, procs, tmp_path, servers=1)
    lb = dr.lbs[0]
    vip6, vmac6 = "fd00::100", "00:00:5e:00:02:33"
    config = configs.config("LB1", configs.vrrp_instance("VI_6", 51, 100, [f"{vip6}/128"], state="MASTER",
                                                         password=None, extra="    version 3\n    use_vmac\n"))
    agent = dr.start_agent(lb, dr.write_config("lb1.conf", config))
    wait_until(lambda: links(lb).get("vrrp.51", {}).get("address") == vmac6, 15, what=f"vrrp.51 with {vmac6}")
    wait_until(lambda: dr.client.run("ping", "-c", "1", "-W", "1", vip6, check=False).returncode == 0, 15,
               what="the IPv6 VIP answering")
    neigh = json.loads(dr.client.ip("-j", "-6", "neigh", "show", vip6).stdout)
    assert neigh and neigh[0]["lladdr"] == vmac6, neigh
    assert agent.stop() == 0
    assert "vrrp.51" not in links(lb)
