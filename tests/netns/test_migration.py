"""docs/migrating-from-keepalived.md, step by step: a keepalived pair, its backup replaced by xdplbd
reading the same file (BACKUP beside the keepalived master), the keepalived master stopped (xdplbd
takes over and serves), the old master replaced too (it preempts back). No IPVS in this kernel:
keepalived runs its VRRP side only (-P); on a real pair IPVS forwards meanwhile."""
import json

from xdplab import DrLab, bin_path, configs, run, wait_until
from xdplab.keepalived import Keepalived

VIP = "198.18.0.100"


class VrrpOnlyKeepalived(Keepalived):
    def start(self, config_text):
        self.conf.write_text(config_text)
        argv = ["keepalived", "-P", "-n", "-l", "-D", "-f", self.conf, "-p", self.dir / "keepalived.pid",
                "-r", self.dir / "vrrp.pid", "-c", self.dir / "checkers.pid"]
        self.proc = self.procs.start(self.name, argv, ns=self.ns)
        return self.proc


def state(agent):
    p = run([bin_path("xdplbctl"), "--instance", agent.instance, "--json", "status"], check=False)
    return json.loads(p.stdout)["vrrp_instances"][0]["state"] if p.returncode == 0 else None


def holds_vip(ns):
    return VIP in ns.run("ip", "-o", "addr", "show", "eth0").stdout


def test_a_keepalived_pair_moved_to_xdplb_one_node_at_a_time(lab, procs, tmp_path):
    dr = DrLab(lab, procs, tmp_path, lbs=2, servers=2)
    lb1, lb2 = dr.lbs

    def keepalived_conf(router_id, state_word, priority):
        return configs.config(router_id,
                              configs.vrrp_instance("VI_1", 51, priority, [f"{VIP}/32"], state=state_word),
                              configs.virtual_server(VIP, [dr.server_address(i) for i in range(2)]))

    ka1, ka2 = VrrpOnlyKeepalived(procs, lb1, tmp_path, "ka1"), VrrpOnlyKeepalived(procs, lb2, tmp_path, "ka2")
    ka1.start(keepalived_conf("LB1", "MASTER", 100))
    ka2.start(keepalived_conf("LB2", "BACKUP", 90))
    wait_until(lambda: holds_vip(lb1), 15, what="keepalived on lb1 holding the VIP")

    # Step "before you start": the keepalived file as is, checked on the node (it looks at the node's
    # interfaces, as keepalived -t does): nothing to say.
    checked = lb2.run(bin_path("xdplbd"), "-t", "-f", ka2.conf, check=False)
    assert checked.returncode == 0 and checked.stdout == "" and checked.stderr == "", checked

    # Step 4: the backup moves; xdplbd stays BACKUP beside the keepalived master.
    assert ka2.proc.stop(timeout=5) == 0
    xdplb2 = dr.start_agent(lb2, ka2.conf, name="xdplbd-lb2")
    wait_until(lambda: state(xdplb2) == "BACKUP", 15, what="xdplbd BACKUP")
    text = run([bin_path("xdplbctl"), "--instance", xdplb2.instance, "status"]).stdout
    assert "0 of 1 VIPs active" in text and "INIT->BACKUP" in text, text
    wait_until(lambda: holds_vip(lb1), 1, what="the keepalived master keeping the VIP")
    assert not holds_vip(lb2) and state(xdplb2) == "BACKUP"

    # Step 5: the keepalived master stops (priority 0): xdplbd takes over and serves.
    assert ka1.proc.stop(timeout=5) == 0
    wait_until(lambda: state(xdplb2) == "MASTER", 3, what="xdplbd MASTER after keepalived's priority-0 advert")
    wait_until(lambda: dr.get(f"http://{VIP}/"), 10, what="the VIP answering through xdplbd")
    assert {dr.get(f"http://{VIP}/") for _ in range(20)} == {"rs1", "rs2"}
    assert run([bin_path("xdplbctl"), "--instance", xdplb2.instance, "verify"]).stdout.startswith("OK: ")

    # Step 6: the old master moves; its higher priority takes MASTER back.
    xdplb1 = dr.start_agent(lb1, ka1.conf, name="xdplbd-lb1")
    wait_until(lambda: state(xdplb1) == "MASTER" and state(xdplb2) == "BACKUP", 20, what="lb1 preempting back")
    wait_until(lambda: {dr.get(f"http://{VIP}/") for _ in range(20)} == {"rs1", "rs2"}, 10, what="both servers")
    assert xdplb1.stop() == 0 and xdplb2.stop() == 0
