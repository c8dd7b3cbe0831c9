"""Signals (issue 21): keepalived's operator signals keep their meaning, with keepalived 2.2.7's
numbers for the real-time ones (36 JSON, 63 STATS_CLEAR); a signal that would end the agent without
its clean-up stops it as SIGTERM does, logged; an unassigned real-time signal is logged and ignored;
the dump files go with the socket and the pid file."""
import json
import os
import signal

import pytest

from test_control import ctl
from test_failover import VIP, holds_vip
from xdplab import DrLab, configs, wait_until

SIGJSON = signal.SIGRTMIN + 2         # keepalived --signum=JSON
SIGSTATS_CLEAR = signal.SIGRTMAX - 1  # keepalived --signum=STATS_CLEAR


@pytest.fixture
def master(lab, procs, tmp_path):
    """One xdplbd that is VRRP master of VIP: it added the VIP itself, so it must remove it."""
    dr = DrLab(lab, procs, tmp_path, servers=1)
    config = dr.write_config("lb1.conf", configs.config(
        "LB1", configs.vrrp_instance("VI_1", 51, 100, [f"{VIP}/32"], state="MASTER"),
        configs.virtual_server(VIP, [dr.server_address(0)])))
    dr.agent = dr.start_agent(dr.lbs[0], config)
    wait_until(lambda: holds_vip(dr.lbs[0]), 15, what="lb1 master with the VIP")
    wait_until(lambda: dr.get(f"http://{VIP}/"), 15, what="the VIP answering")
    return dr


def dump_path(agent, suffix):
    return f"/run/xdplb/{agent.instance}.{suffix}"


def assert_clean_exit(dr):
    """What SIGTERM leaves: nothing of the agent's."""
    agent, lb = dr.agent, dr.lbs[0]
    assert not holds_vip(lb), "the VIP stayed on the interface"
    assert lb.xdp_prog_id("eth0") is None, "the program stayed attached"
    assert not os.path.exists(agent.pin_dir), "the pins stayed"
    for leftover in [f"/run/xdplb/{agent.instance}.sock", dr.workdir / f"{agent.instance}.pid",
                     *(dump_path(agent, s) for s in ("data", "stats", "json"))]:
        assert not os.path.exists(leftover), f"{leftover} stayed"


def test_keepalived_signals_do_their_job_and_the_dumps_go_with_the_agent(master):
    dr, agent = master, master.agent
    for _ in range(5):
        dr.get(f"http://{VIP}/")

    agent.send_signal(SIGJSON)
    wait_until(lambda: os.path.exists(dump_path(agent, "json")), 5, what="the JSON dump")
    dump = json.loads(open(dump_path(agent, "json")).read())
    assert dump["instance"] == agent.instance
    assert dump["status"]["vrrp_instances"][0]["state"] == "MASTER"
    assert dump["list"]["virtual_servers"][0]["vip"] == f"tcp/{VIP}:80"
    assert dump["stats"]["virtual_servers"][0]["new_flows"] >= 5

    agent.send_signal(signal.SIGUSR1)
    agent.send_signal(signal.SIGUSR2)
    wait_until(lambda: os.path.exists(dump_path(agent, "data")) and os.path.exists(dump_path(agent, "stats")),
               5, what="the SIGUSR1 and SIGUSR2 dumps")

    # STATS_CLEAR: the stats dump shows the counters being cleared, then stats counts from zero.
    os.unlink(dump_path(agent, "stats"))
    agent.send_signal(SIGSTATS_CLEAR)
    wait_until(lambda: "statistics cleared" in agent.log(), 5, what="the clear")
    header, body = open(dump_path(agent, "stats")).read().split("\n", 1)
    assert header.endswith("stats dump") and json.loads(body)["virtual_servers"][0]["new_flows"] >= 5
    cleared = ctl(agent, "stats")
    assert cleared["cleared_at"] is not None
    assert cleared["virtual_servers"][0]["new_flows"] == 0
    dr.get(f"http://{VIP}/")
    assert ctl(agent, "stats")["virtual_servers"][0]["new_flows"] == 1

    # Unassigned real-time signals and SIGPIPE: logged (or not), the agent serves on.
    agent.send_signal(signal.SIGRTMIN + 5)
    agent.send_signal(signal.SIGPIPE)
    wait_until(lambda: "SIGRTMIN+5 (39) has no meaning for xdplbd; ignored" in agent.log(), 5,
               what="the ignored signal logged")
    assert agent.alive() and dr.get(f"http://{VIP}/") is not None

    assert agent.stop() == 0
    assert_clean_exit(dr)


@pytest.mark.parametrize("sig", [signal.SIGALRM, signal.SIGPWR, signal.SIGXCPU], ids=lambda s: s.name)
def test_a_terminating_signal_stops_the_agent_cleanly(master, sig):
    dr, agent = master, master.agent
    agent.send_signal(signal.SIGUSR1)
    wait_until(lambda: os.path.exists(dump_path(agent, "data")), 5, what="the state dump")
    agent.send_signal(sig)
    assert agent.wait(10) == 128 + sig
    assert f"{sig.name} received, stopping" in agent.log()
    assert_clean_exit(dr)
