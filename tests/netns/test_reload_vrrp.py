"""Reload without a flap (issue 7): a reload that changes one vrrp_instance restarts only that one;
the others keep their state, their VIPs and their transition count."""
import json

from test_control import ctl
from xdplab import DrLab, configs, wait_until


def node_config(dr, vi2_priority, with_vi3=False):
    blocks = [configs.vrrp_instance("VI_1", 51, 100, ["198.18.0.100/32"], state="MASTER"),
              configs.vrrp_instance("VI_2", 52, vi2_priority, ["198.18.0.101/32"], state="MASTER")]
    if with_vi3:
        blocks.append(configs.vrrp_instance("VI_3", 53, 100, ["198.18.0.102/32"], state="MASTER"))
    blocks.append(configs.virtual_server("198.18.0.100", [dr.server_address(0)]))
    return configs.config("LB1", *blocks)


def instances(agent):
    return {i["name"]: i for i in ctl(agent, "status")["vrrp_instances"]}


def test_reload_restarts_only_the_changed_instance(lab, procs, tmp_path):
    dr = DrLab(lab, procs, tmp_path, servers=1)
    lb = dr.lbs[0]
    path = dr.write_config("lb1.conf", node_config(dr, 100))
    agent = dr.start_agent(lb, path)
    wait_until(lambda: all(i["state"] == "MASTER" for i in instances(agent).values()), 15, what="both masters")
    wait_until(lambda: dr.get("http://198.18.0.100/"), 10, what="the VIP answering")
    before = instances(agent)

    path.write_text(node_config(dr, 90, with_vi3=True))
    result = ctl(agent, "reload")
    assert "vrrp_instance VI_2: changed, restarted" in result["changes"], result
    assert "vrrp_instance VI_3: added" in result["changes"], result
    wait_until(lambda: instances(agent).get("VI_3", {}).get("state") == "MASTER", 15, what="VI_3 master")
    after = instances(agent)
    assert after["VI_1"]["state"] == "MASTER"
    assert after["VI_1"]["transitions"] == before["VI_1"]["transitions"], "VI_1 flapped"
    assert after["VI_2"]["priority"] == 90
    assert dr.get("http://198.18.0.100/") is not None

    # A change of the shared settings (a vrrp_script) still restarts every instance, and says so.
    path.write_text(node_config(dr, 90, with_vi3=True) + 'vrrp_script chk {\n    script "/bin/true"\n}\n')
    assert "VRRP configuration changed: every instance restarted" in ctl(agent, "reload")["changes"]
