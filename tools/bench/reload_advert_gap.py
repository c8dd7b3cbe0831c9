#!/usr/bin/python3
"""How late a master's VRRP adverts go while it reloads a large configuration (issue 21).

A namespace lab: the agent (VRRPv3 master, advert_int 0.2 s) serves N virtual servers x 10 real
servers; a peer namespace records every advert it receives. The agent is reloaded twice with one
weight changed. Printed: each reload's time as xdplbctl saw it, the adverts seen, the longest gap
between two adverts and its lateness over advert_int (target: at most advert_int / 2). With
--checks every real server has a TCP_CHECK that fails (nothing listens), so a storm of health
changes rebuilds rings while the reloads run; with --change-checks as well, each reload also changes
every checker's connect_timeout, so all 10,000 checkers are replaced (built a batch per loop turn).

    tools/bench/reload_advert_gap.py [--vips 1000] [--checks [--change-checks]]
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lab"))
from xdplab import Lab, ProcessLauncher, bin_path, configs, run, wait_until  # noqa: E402

ADVERT_INT = 0.2
BACKENDS = 10
RECEIVER = """
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 112)
s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, socket.inet_aton("224.0.0.18") + socket.inet_aton(sys.argv[2]))
s.settimeout(5)
end = time.monotonic() + float(sys.argv[1])
while time.monotonic() < end:
    try:
        d = s.recv(2048)
    except socket.timeout:
        break
    print(f"{time.monotonic():.4f} {d[22]}", flush=True)
"""


def config(vips, weight, checks, connect_timeout=1):
    check = f"        TCP_CHECK {{\n            connect_timeout {connect_timeout}\n        }}\n" if checks else ""
    blocks = [configs.vrrp_instance("VI_1", 51, 200, ["198.18.0.100/32"], state="MASTER", advert_int=ADVERT_INT,
                                    password=None, extra="    version 3\n")]
    for i in range(vips):
        servers = "".join(f"    real_server 198.18.1.{b + 1} 80 {{\n        weight {weight if i == b == 0 else 1}\n"
                          f"{check}    }}\n" for b in range(BACKENDS))
        blocks.append(f"virtual_server 198.19.{i // 250}.{i % 250 + 1} 80 {{\n    delay_loop 5\n    lb_algo mh\n"
                      f"    lb_kind DR\n    protocol TCP\n{servers}}}\n")
    return configs.config("GAP", *blocks)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vips", type=int, default=1000)
    parser.add_argument("--checks", action="store_true")
    parser.add_argument("--change-checks", action="store_true")
    args = parser.parse_args()
    if args.change_checks and not args.checks:
        parser.error("--change-checks needs --checks")
    work = Path(tempfile.mkdtemp(prefix="xdplb-gap-"))
    procs = ProcessLauncher(work / "logs")
    with Lab(prefix="xg") as lab:
        try:
            lb, peer = lab.netns("lb"), lab.netns("peer")
            lab.veth(lb, "eth0", peer, "eth0")
            lb.addr("eth0", "198.18.0.2/16")
            peer.addr("eth0", "198.18.0.3/16")
            if not args.checks:  # every ring is built: the servers' MACs as the kernel would have them
                for b in range(BACKENDS):
                    lb.ip("neigh", "add", f"198.18.1.{b + 1}", "lladdr", f"02:00:00:00:01:{b + 1:02x}", "dev",
                          "eth0", "nud", "permanent")
            path = work / "gap.conf"
            path.write_text(config(args.vips, 1, args.checks))
            instance = f"{lab.tag}-lb"
            agent = procs.start("xdplbd", [bin_path("xdplbd"), "-f", path, "--instance", instance, "-n", "-l",
                                           "-p", work / f"{instance}.pid"], ns=lb, share_bpffs=True)
            wait_until(lambda: "started in" in agent.log(), 180, what="the agent programming every VIP")
            wait_until(lambda: "MASTER" in agent.log(), 10, what="VI_1 master")
            receiver = subprocess.Popen(peer.argv(["/usr/bin/python3", "-c", RECEIVER, "14", "198.18.0.3"]),
                                        stdout=subprocess.PIPE, text=True)
            time.sleep(3)
            for weight, timeout in ((5, 2), (7, 1)):
                path.write_text(config(args.vips, weight, args.checks, timeout if args.change_checks else 1))
                t0 = time.monotonic()
                run([bin_path("xdplbctl"), "--instance", instance, "--timeout", "120", "reload"], timeout=150)
                what = "one weight and every checker changed" if args.change_checks else "one weight changed"
                print(f"reload ({what}, {args.vips} virtual servers): {time.monotonic() - t0:.3f} s")
                time.sleep(3)
            out, _ = receiver.communicate(timeout=30)
            times = [float(line.split()[0]) for line in out.splitlines()]
            gaps = [b - a for a, b in zip(times, times[1:])]
            if not gaps:
                raise SystemExit("no adverts were received")
            worst = max(gaps)
            print(f"adverts received: {len(times)}; longest gap {worst * 1000:.0f} ms, "
                  f"{(worst - ADVERT_INT) * 1000:.0f} ms late (target <= {ADVERT_INT / 2 * 1000:.0f} ms)")
        finally:
            procs.stop_all()


if __name__ == "__main__":
    main()
