"""The systemd unit's capability bounding set is enough for the agent (issue 13). An agent started
with exactly the CapabilityBoundingSet of conf/xdplbd.service.in (setpriv applies it before exec, as
systemd does) becomes VRRP master, adds the VIP, serves it through XDP with TCP_CHECKs on its real
servers, answers xdplbctl, and on SIGTERM removes the VIP again. The machines the tests run on have
no systemd as process 1, so this is the part of the unit's sandbox a test can hold the agent to; a
capability a new feature needs fails here instead of on an operator's node."""
import json
import os
import re
import signal
from pathlib import Path

from xdplab import REPO, DrLab, bin_path, configs, run, wait_until

VIP = "198.18.0.100"
UNIT = REPO / "conf" / "xdplbd.service.in"
# linux/capability.h: the numbers are ABI. A capability the unit names that is missing here fails
# the test (add it), rather than being left out of the check.
CAPABILITY_NUMBERS = {
    "CAP_CHOWN": 0, "CAP_DAC_OVERRIDE": 1, "CAP_DAC_READ_SEARCH": 2, "CAP_FOWNER": 3, "CAP_KILL": 5,
    "CAP_SETGID": 6, "CAP_SETUID": 7, "CAP_NET_BIND_SERVICE": 10, "CAP_NET_BROADCAST": 11,
    "CAP_NET_ADMIN": 12, "CAP_NET_RAW": 13, "CAP_IPC_LOCK": 14, "CAP_SYS_ADMIN": 21,
    "CAP_SYS_NICE": 23, "CAP_SYS_RESOURCE": 24, "CAP_PERFMON": 38, "CAP_BPF": 39,
}


def unit_bounding_set():
    lines = [line for line in UNIT.read_text().splitlines() if line.startswith("CapabilityBoundingSet=")]
    assert len(lines) == 1, f"{UNIT}: expected one CapabilityBoundingSet= line, found {lines}"
    return lines[0].split("=", 1)[1].split()


def holds_vip(ns):
    info = json.loads(ns.ip("-j", "addr", "show", "dev", "eth0").stdout)
    return any(a.get("local") == VIP for i in info for a in i.get("addr_info", []))


def test_the_agent_runs_within_the_units_bounding_set(lab, procs, tmp_path):
    capabilities = unit_bounding_set()
    unknown = [c for c in capabilities if c not in CAPABILITY_NUMBERS]
    assert not unknown, f"add {unknown} to CAPABILITY_NUMBERS"
    expected_mask = sum(1 << CAPABILITY_NUMBERS[c] for c in capabilities)

    dr = DrLab(lab, procs, tmp_path)
    lb = dr.lbs[0]
    config = dr.write_config("xdplb.conf", configs.config(
        "LB_CAPS",
        configs.vrrp_instance("VI_1", 51, 100, [f"{VIP}/32"], state="MASTER"),
        configs.virtual_server(VIP, [dr.server_address(i) for i in range(len(dr.servers))])))
    instance = f"{lab.tag}-{lb.role}"
    bounding = "-all," + ",".join("+" + re.sub("^CAP_", "", c).lower() for c in capabilities)
    agent = procs.start("xdplbd-bounded", [
        "setpriv", f"--bounding-set={bounding}", "--", bin_path("xdplbd"), "-f", config,
        "--instance", instance, "-n", "-l", "-p", tmp_path / f"{instance}.pid"], ns=lb, share_bpffs=True)
    agent.instance, agent.pin_dir = instance, f"/sys/fs/bpf/xdplb/{instance}"

    wait_until(lambda: holds_vip(lb), 15, what="the bounded agent becoming master and adding the VIP")
    # The running agent has the unit's set and nothing more (nsenter and setpriv exec'd into it).
    assert os.path.realpath(f"/proc/{agent.pid}/exe") == os.path.realpath(bin_path("xdplbd"))
    status = Path(f"/proc/{agent.pid}/status").read_text()
    bounded = int(re.search(r"^CapBnd:\s*([0-9a-f]+)$", status, re.M).group(1), 16)
    assert bounded == expected_mask, f"CapBnd {bounded:#x}, the unit's set is {expected_mask:#x}"

    answers = set()
    wait_until(lambda: answers.update({dr.get(f"http://{VIP}/")} - {None}) or len(answers) == 3, 20,
               what="every real server answering through the VIP (health checks up, XDP forwarding)")
    listing = json.loads(run([bin_path("xdplbctl"), "--instance", instance, "--json", "list"]).stdout)
    backends = listing["virtual_servers"][0]["backends"]
    assert len(backends) == 3 and all(b["health"] == "up" for b in backends), backends
    # The agent reads its rings' inner maps back by id (CAP_SYS_ADMIN: CAP_BPF does not cover
    # BPF_MAP_GET_FD_BY_ID).
    verified = run([bin_path("xdplbctl"), "--instance", instance, "verify"], check=False)
    assert verified.returncode == 0, verified.stdout + verified.stderr

    assert agent.stop(sig=signal.SIGTERM) == 0, agent.log()
    assert not holds_vip(lb), "the VIP stayed after SIGTERM"
