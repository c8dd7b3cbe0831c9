#!/usr/bin/python3
"""The xdplb demo: a namespace lab that shows the XDP data plane at work, told in plain lines.

Lab: a bridge in its own namespace; a client, a load-balancer node and two real servers plugged in.
xdplbd attaches its XDP program to the LB node's interface; the client sends traffic; the demo reads
what the program counted from its pinned map. Everything is torn down on exit, also on Ctrl-C.
"""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lab"))

from xdplab import Lab, ProcessLauncher, bin_path, run, wait_until  # noqa: E402


def say(text):
    print(f"demo: {text}", flush=True)


def main():
    procs = ProcessLauncher()
    with Lab(prefix="xd") as lab:
        lab.on_close(procs.stop_all)
        br = lab.bridge()
        client, lb = lab.netns("client"), lab.netns("lb")
        rs = [lab.netns(f"rs{i}") for i in (1, 2)]
        addrs = {client: "198.18.0.10", lb: "198.18.0.2", rs[0]: "198.18.0.11", rs[1]: "198.18.0.12"}
        for ns, addr in addrs.items():
            lab.plug(br, ns)
            ns.addr("eth0", f"{addr}/24")
        say(f"lab {lab.tag}: client 198.18.0.10, LB node 198.18.0.2, real servers 198.18.0.11/.12, "
            "one bridge in its own namespace")

        instance = f"{lab.tag}-lb"
        agent = procs.start("xdplbd", [bin_path("xdplbd"), "--instance", instance, "--interface", "eth0", "-n",
                                       "-l"], ns=lb, share_bpffs=True)
        pin = f"/sys/fs/bpf/xdplb/{instance}/xdplb_verdicts"
        wait_until(lambda: Path(pin).exists(), 10, what="the pinned counter map")
        mode = json.loads(lb.ip("-j", "-d", "link", "show", "eth0").stdout)[0]["xdp"]["mode"]
        say(f"xdplbd attached its XDP program to the LB node's eth0 "
            f"({'native' if mode == 1 else 'generic'} mode), maps pinned under {Path(pin).parent}")

        say("client pings the LB node 50 times and the real servers 10 times each")
        client.run("ping", "-c", "50", "-i", "0.01", "-W", "1", addrs[lb])
        for server in rs:
            client.run("ping", "-c", "10", "-i", "0.01", "-W", "1", addrs[server])

        say(f"what the XDP program counted (xdplbctl --instance {instance} stats):")
        print(run([bin_path("xdplbctl"), "--instance", instance, "stats"]).stdout, flush=True)
        stats = json.loads(run([bin_path("xdplbctl"), "--instance", instance, "--json", "stats"]).stdout)
        seen = stats["verdicts"]["pass_not_vip"]["packets"]
        say(f"read back with bpftool map dump pinned {pin}: "
            f"{sum(v['value']['packets'] for e in json.loads(run(['bpftool', '-j', 'map', 'dump', 'pinned', pin]).stdout) if e['formatted']['key'] == 1 for v in e['formatted']['values'])} "
            "IP packets passed to the LB node's stack")
        if seen < 50:
            say(f"FAILED: expected at least 50 counted packets, saw {seen}")
            return 1
        say("traffic to real servers never crossed the LB node: the bridge delivered it directly")

        agent.stop()
        say("xdplbd stopped: program detached, pins removed; tearing the lab down")
    say("done")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("demo: interrupted, lab removed", flush=True)
        sys.exit(130)
