#!/usr/bin/python3
"""The xdplb demo: the classic keepalived DR pair, with xdplbd in place of keepalived + IPVS.

Lab (network namespaces, one bridge in its own namespace): a client, two load-balancer nodes running
xdplbd (VRRP master/backup, VIP 198.18.0.100), three real servers holding the VIP on lo and running
nginx. The story, with live numbers:
  1. requests spread over the three real servers through the VIP (XDP, DR);
  2. one real server's service dies: the health check takes it out of the ring;
  3. the master node dies while a long download runs: the backup takes over the VIP and the same
     Maglev ring sends the download's packets to the same server, so it keeps going;
  4. the master returns and preempts.
Everything is torn down on exit, also on Ctrl-C.
"""
import json
import sys
import time
from collections import Counter
from pathlib import Path
from tempfile import mkdtemp

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lab"))

from xdplab import DrLab, Lab, configs, ProcessLauncher, bin_path, run, start_nginx, wait_until  # noqa: E402

VIP = "198.18.0.100"
DOWNLOAD_BYTES = 12 * 1024 * 1024
RATE = "1M"  # curl --limit-rate: the download lasts ~12 s, long enough to live through a failover

# The classic keepalived DR pair of the seed article, adapted to the lab: interface eth0, the lab's
# addresses, health checks every second, and lb_algo mh (Maglev): both nodes compute the same ring, so a
# flow keeps its real server when the backup takes over. (rr works too, but its choices live only on the
# node that made them.)
NODES = [("lb1", "LB1", "MASTER", 100), ("lb2", "LB2", "BACKUP", 90)]


def node_config(dr, router_id, state, priority):
    return configs.config(
        router_id,
        configs.vrrp_instance("VI_1", 51, priority, [f"{VIP}/32"], state=state),
        configs.virtual_server(VIP, [dr.server_address(i) for i in range(len(dr.servers))]))


def say(text):
    print(f"demo: {text}", flush=True)


def holds_vip(ns):
    """The node answers for the VIP: it has the address on an interface that is up (a dead node's
    stale address on a downed link does not count)."""
    info = json.loads(ns.ip("-j", "addr", "show", "dev", "eth0").stdout)
    return any(i.get("operstate") == "UP" and a.get("local") == VIP for i in info for a in i.get("addr_info", []))


def vip_owner(dr):
    owners = [lb.role for lb in dr.lbs if holds_vip(lb)]
    return ",".join(owners) if owners else "nobody"


def spread(dr, n=30):
    answers = Counter(dr.get(f"http://{VIP}/") or "failed" for _ in range(n))
    return ", ".join(f"{k}: {v}" for k, v in sorted(answers.items()))


def main():
    workdir = Path(mkdtemp(prefix="xdplb-demo-"))
    procs = ProcessLauncher(workdir / "logs")
    with Lab(prefix="xd") as lab:
        lab.on_close(procs.stop_all)
        dr = DrLab(lab, procs, workdir, lbs=2, servers=3, big_bytes=DOWNLOAD_BYTES)
        agents, config_files = {}, {}
        for lb, (role, router_id, state, priority) in zip(dr.lbs, NODES):
            config_files[role] = dr.write_config(f"{role}.conf", node_config(dr, router_id, state, priority))
            agents[role] = dr.start_agent(lb, config_files[role])
        lb1, lb2 = dr.lbs
        say(f"lab {lab.tag}: client {dr.client.address4}, LB nodes lb1 {lb1.address4} (VRRP priority 100) and "
            f"lb2 {lb2.address4} (90), real servers rs1-rs3 {dr.server_address(0)}-.13, VIP {VIP}")

        t0 = time.monotonic()
        wait_until(lambda: holds_vip(lb1), 15, what="lb1 to become VRRP master")
        wait_until(lambda: dr.get(f"http://{VIP}/"), 15, what="the VIP to answer")
        say(f"lb1 is VRRP master after {time.monotonic() - t0:.1f} s and holds {VIP}; lb2 is backup")

        say(f"1. 30 new connections through the VIP: {spread(dr)}")

        nginx2 = next(p for p in procs.processes if p.name == "nginx-rs2")
        nginx2.stop()
        t0 = time.monotonic()
        wait_until(lambda: "rs2" not in spread(dr, 10) and "failed" not in spread(dr, 10), 20,
                   what="rs2 to leave the ring")
        say(f"2. rs2's nginx stopped: its TCP_CHECK failed and rs2 left the ring within "
            f"{time.monotonic() - t0:.1f} s; 30 connections: {spread(dr)}")
        start_nginx(procs, dr.servers[1], "rs2", workdir, big_bytes=DOWNLOAD_BYTES)
        wait_until(lambda: "rs2" in spread(dr, 15), 20, what="rs2 to come back")
        say(f"   rs2's nginx is back and so is rs2 in the ring: {spread(dr)}")

        download = procs.start("download", ["curl", "-s", "-o", "/dev/null", "--limit-rate", RATE, "-w",
                                            "%{http_code} %{size_download} %{remote_ip}", f"http://{VIP}/big"],
                               ns=dr.client)
        time.sleep(2)
        say(f"3. a {DOWNLOAD_BYTES // (1024 * 1024)} MiB download through the VIP runs (limited to {RATE}B/s); "
            "now lb1 dies: every process of xdplbd is killed and its link goes down")
        agents["lb1"].kill_group()
        lb1.ip("link", "set", "eth0", "down")
        t0 = time.monotonic()
        wait_until(lambda: holds_vip(lb2), 15, what="lb2 to take over")
        say(f"   lb2 took over the VIP {time.monotonic() - t0:.1f} s later (VRRP master down interval); "
            f"VIP held by: {vip_owner(dr)}")
        say(f"   30 new connections through lb2: {spread(dr)}")
        download.wait(60)
        result = download.log().splitlines()[-1]
        ok = result.startswith("200") and str(DOWNLOAD_BYTES) in result
        say(f"   the download finished through the failover: HTTP {result.split()[0]}, "
            f"{result.split()[1]} bytes {'(complete)' if ok else '(INCOMPLETE)'}")

        lb1.ip("link", "set", "eth0", "up")
        agents["lb1"] = dr.start_agent(lb1, config_files["lb1"], name="xdplbd-lb1-again")
        t0 = time.monotonic()
        wait_until(lambda: holds_vip(lb1) and not holds_vip(lb2), 20, what="lb1 to preempt")
        say(f"4. lb1 is back and preempted lb2 after {time.monotonic() - t0:.1f} s (higher priority); "
            f"VIP held by: {vip_owner(dr)}; 30 connections: {spread(dr)}")

        say("what lb1's XDP program counted (xdplbctl stats):")
        print(run([bin_path("xdplbctl"), "--instance", agents["lb1"].instance, "stats"], check=False).stdout,
              flush=True)
        if not ok:
            say("FAILED: the download did not survive the failover")
            return 1
        say("tearing the lab down")
    say("done")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("demo: interrupted, lab removed", flush=True)
        sys.exit(130)
