"""Failover with established connections (issue 7): two xdplbd nodes in a VRRP pair serve a DR VIP;
the master dies (every process killed, its link down) while long-lived TCP streams run through the VIP;
the backup takes over and every stream continues to the same real server, because both nodes build the
same Maglev ring and the real servers answer the clients directly."""
import json
import time

from test_control import ctl
from xdplab import DrLab, configs, start_http_stream, stream_answers, wait_until

VIP = "198.18.0.100"


def holds_vip(ns):
    info = json.loads(ns.ip("-j", "addr", "show", "dev", "eth0").stdout)
    return any(a.get("local") == VIP for i in info for a in i.get("addr_info", []))


def pair_config(dr, router_id, state, priority):
    return configs.config(
        router_id,
        configs.vrrp_instance("VI_1", 51, priority, [f"{VIP}/32"], state=state),
        configs.virtual_server(VIP, [dr.server_address(i) for i in range(len(dr.servers))]))


def start_pair(dr):
    lb1, lb2 = dr.lbs
    agents = [dr.start_agent(lb1, dr.write_config("lb1.conf", pair_config(dr, "LB1", "MASTER", 100))),
              dr.start_agent(lb2, dr.write_config("lb2.conf", pair_config(dr, "LB2", "BACKUP", 90)))]
    wait_until(lambda: holds_vip(lb1) and not holds_vip(lb2), 15, what="lb1 master, lb2 backup")
    wait_until(lambda: dr.get(f"http://{VIP}/"), 15, what="the VIP answering through lb1")
    return agents


def test_streams_survive_the_death_of_the_master(lab, procs, tmp_path):
    dr = DrLab(lab, procs, tmp_path, lbs=2)
    lb1, lb2 = dr.lbs
    agents = start_pair(dr)

    streams = [start_http_stream(procs, dr.client, tmp_path, VIP, count=80, interval=0.1, name=f"stream{i}")
               for i in range(8)]
    for s in streams:
        wait_until(lambda s=s: stream_answers(s), 10, what=f"{s.name} answering")
    assert len({stream_answers(s)[0] for s in streams}) > 1, "the streams should spread over servers"

    agents[0].kill_group()
    lb1.ip("link", "set", "eth0", "down")
    wait_until(lambda: holds_vip(lb2), 10, what="lb2 taking over the VIP")

    broken = []
    for s in streams:
        s.wait(60)
        answers = stream_answers(s)
        if answers[-1] != "done" or len(set(answers[:-1])) != 1:
            broken.append((s.name, answers[-3:]))
    assert not broken, f"streams broken by the failover: {broken}"
    # New connections go through lb2 too.
    assert dr.get(f"http://{VIP}/") is not None


def test_graceful_stop_hands_over_and_the_master_preempts_on_return(lab, procs, tmp_path):
    dr = DrLab(lab, procs, tmp_path, lbs=2)
    lb1, lb2 = dr.lbs
    agents = start_pair(dr)
    # Requests back to back, so a segment is on the wire at every moment of both transitions: a node
    # whose kernel owned the VIP before its data plane served it answered one of them with a RST.
    stream = start_http_stream(procs, dr.client, tmp_path, VIP, count=90000, interval=0)  # < keepalive_requests
    wait_until(lambda: stream_answers(stream), 10, what="the stream answering")

    assert agents[0].stop() == 0  # resigns with priority 0: lb2 takes over after Skew_Time
    wait_until(lambda: holds_vip(lb2), 3, what="lb2 taking over within a skew time")
    assert not holds_vip(lb1), "a stopped node must remove the VIPs it added"
    assert lb1.xdp_prog_id("eth0") is None, "a stopped node must detach its program"

    dr.start_agent(lb1, tmp_path / "lb1.conf", name="xdplbd-lb1-again")
    wait_until(lambda: holds_vip(lb1) and not holds_vip(lb2), 15, what="lb1 preempting on return")
    time.sleep(0.5)  # a few thousand more requests through lb1 after the failback
    assert stream.alive(), "the stream ended before the failback: " + repr(stream_answers(stream)[-3:])
    stream.stop()
    answers = stream_answers(stream)
    assert "ConnectionResetError" not in stream.log(), answers[-3:]
    assert len(answers) > 1000 and len(set(answers)) == 1, answers[-3:]


def test_a_master_killed_with_sigkill_and_restarted_comes_back_clean(lab, procs, tmp_path):
    """kill -9 leaves the VIP on the interface and the program attached on stale maps (nothing ran to
    remove them); the unit restarts the agent at once (conf/xdplbd.service.in), and the new run removes
    the leftover VIP before VRRP starts and replaces the program, taking the pinned maps over."""
    dr = DrLab(lab, procs, tmp_path, lbs=2)
    lb1, lb2 = dr.lbs
    agents = start_pair(dr)
    old_program = lb1.xdp_prog_id("eth0")
    assert old_program is not None

    agents[0].kill_group()
    agents[0].wait(5)
    # What the operator sees until the restart: the dead node still holds the VIP and its orphaned
    # program still forwards.
    assert holds_vip(lb1), "nothing can remove the VIP of a SIGKILLed agent"
    assert lb1.xdp_prog_id("eth0") == old_program
    assert dr.get(f"http://{VIP}/") is not None

    again = dr.start_agent(lb1, tmp_path / "lb1.conf", name="xdplbd-lb1-again")
    wait_until(lambda: "removed leftover address" in again.log(), 10, what="the new run removing the stale VIP")
    wait_until(lambda: holds_vip(lb1) and not holds_vip(lb2), 15, what="lb1 master again, lb2 backup")
    new_program = lb1.xdp_prog_id("eth0")
    assert new_program is not None and new_program != old_program, "the orphaned program was not replaced"
    assert "adopted pinned VIP" in again.log()
    wait_until(lambda: dr.get(f"http://{VIP}/"), 10, what="the VIP answering through the new run")
    assert ctl(again, "status")["vrrp_instances"][0]["state"] == "MASTER"
    assert again.stop() == 0
    assert not holds_vip(lb1) and lb1.xdp_prog_id("eth0") is None
