"""Foundation scenario: traffic between two namespaces through a third where xdplbd attached the XDP
program in native mode; the program's counters are read back through the pinned map."""
import json
import re
import shutil
import tempfile
from pathlib import Path

from xdplab import bin_path, run, wait_until


def build_routed_lab(lab):
    """client (198.18.1.2) -- router (xdplbd on r-in) -- server (198.18.2.2)."""
    client, router, server = lab.netns("client"), lab.netns("router"), lab.netns("server")
    lab.veth(client, "eth0", router, "r-in")
    lab.veth(router, "r-out", server, "eth0")
    client.addr("eth0", "198.18.1.2/24")
    router.addr("r-in", "198.18.1.1/24")
    router.addr("r-out", "198.18.2.1/24")
    server.addr("eth0", "198.18.2.2/24")
    client.route("default", via="198.18.1.1")
    server.route("default", via="198.18.2.1")
    router.sysctl("net.ipv4.ip_forward", 1)
    return client, router, server


def agent_argv(lab, instance, interface, *extra):
    """xdplbd with a configuration that serves nothing: the program only parses and counts."""
    config = Path(procs_dir(lab)) / "counting.conf"
    config.write_text("global_defs {\n    router_id COUNTING\n}\n")
    return [bin_path("xdplbd"), "-f", config, "--instance", instance, "--interface", interface, "-n", "-l", *extra]


def procs_dir(lab):
    d = Path(tempfile.gettempdir()) / f"{lab.tag}-foundation"
    d.mkdir(exist_ok=True)
    lab.on_close(lambda: shutil.rmtree(d, ignore_errors=True))
    return d


def start_agent(procs, lab, ns, interface):
    instance = f"{lab.tag}-lb"
    agent = procs.start("xdplbd", agent_argv(lab, instance, interface, "--xdp-mode", "native"), ns=ns,
                        share_bpffs=True)
    pin = f"/sys/fs/bpf/xdplb/{instance}/xdplb_verdicts"
    wait_until(lambda: ns.xdp_prog_id(interface), 10, what=f"XDP program on {interface}")
    wait_until(lambda: run(["test", "-e", pin], check=False).returncode == 0, 10, what=pin)
    return agent, instance, pin


def verdict_counts(pin):
    """Per-reason packet counts, summed over CPUs, read with bpftool from the pinned map."""
    dump = json.loads(run(["bpftool", "-j", "map", "dump", "pinned", pin]).stdout)
    counts = {}
    for entry in dump:
        # With BTF bpftool prints the decoded form under "formatted".
        e = entry.get("formatted", entry)
        key = e["key"]
        counts[key] = sum(v["value"]["packets"] for v in e["values"])
    return counts


def test_xdp_program_counts_forwarded_traffic(lab, procs):
    client, router, server = build_routed_lab(lab)
    agent, instance, pin = start_agent(procs, lab, router, "r-in")

    # Native (driver) mode on veth, not generic.
    link = json.loads(router.ip("-j", "-d", "link", "show", "r-in").stdout)[0]
    assert link["xdp"]["mode"] == 1, link["xdp"]  # XDP_ATTACHED_DRV

    before = verdict_counts(pin)
    out = client.run("ping", "-c", "20", "-i", "0.02", "-W", "1", "198.18.2.2").stdout
    assert re.search(r"20 received", out), out

    after = wait_until(lambda: (c := verdict_counts(pin)) and c[1] - before.get(1, 0) >= 20 and c,
                       5, what="20 more pass_not_vip packets")
    # XDPLB_R_PASS_NOT_VIP = 1: the echo requests entering r-in. ARP goes to pass_non_ip (0).
    assert after[1] - before.get(1, 0) >= 20

    # xdplbctl reads the same map.
    stats = json.loads(run([bin_path("xdplbctl"), "--instance", instance, "--json", "stats"]).stdout)
    assert stats["verdicts"]["pass_not_vip"]["packets"] >= after[1]
    assert stats["verdicts"]["pass_not_vip"]["bytes"] >= 20 * 98

    # A clean stop detaches the program and removes the pins.
    assert agent.stop() == 0
    assert router.xdp_prog_id("r-in") is None
    assert run(["test", "-e", pin], check=False).returncode != 0
    # The kernel path still works without us.
    client.run("ping", "-c", "1", "-W", "1", "198.18.2.2")


def test_keep_pins_leaves_maps_for_a_restart(lab, procs):
    client, router, server = build_routed_lab(lab)
    agent, instance, pin = start_agent(procs, lab, router, "r-in")
    agent.stop()
    assert run(["test", "-e", pin], check=False).returncode != 0

    agent = procs.start("xdplbd", agent_argv(lab, instance, "r-in", "--keep-pins"), ns=router, share_bpffs=True)
    wait_until(lambda: run(["test", "-e", pin], check=False).returncode == 0, 10, what=pin)
    client.run("ping", "-c", "5", "-i", "0.02", "198.18.2.2")
    counted = wait_until(lambda: verdict_counts(pin).get(1, 0) >= 5, 5, what="5 packets counted")
    assert counted
    assert agent.stop() == 0
    # The pins stay (the lab removes them at teardown); the counts survive into the next run.
    assert verdict_counts(pin)[1] >= 5
    left_attached = router.xdp_prog_id("r-in")
    assert left_attached is not None, "--keep-pins leaves the program attached for the next run"
    agent = procs.start("xdplbd", agent_argv(lab, instance, "r-in"), ns=router, share_bpffs=True)
    wait_until(lambda: "started in" in agent.log(), 10, what="the new run started")
    assert router.xdp_prog_id("r-in") not in (None, left_attached), "the new run replaces the program"
    assert verdict_counts(pin)[1] >= 5, "pinned counters were not reused"
    assert agent.stop() == 0
