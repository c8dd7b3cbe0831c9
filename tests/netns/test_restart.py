"""Restart without loss (issue 7): with --keep-pins the maps stay pinned and the program stays
attached while the agent is away, so established connections keep their server through a stop and
start, and through a kill -9."""
import signal

import pytest

from test_dr import dr_config
from xdplab import DrLab, start_http_stream, stream_answers, wait_until


@pytest.mark.parametrize("how", ["graceful", "kill9"])
def test_established_connections_survive_an_agent_restart(lab, procs, tmp_path, how):
    dr = DrLab(lab, procs, tmp_path)
    lb = dr.lbs[0]
    dr.hold_vips(lb)
    config = dr.write_config("xdplb.conf", dr_config(dr))
    agent = dr.start_agent(lb, config, "--interface", "eth0", "--keep-pins")
    wait_until(lambda: dr.get(f"http://{dr.vip4}/"), 15, what="first answer through the VIP")

    streams = [start_http_stream(procs, dr.client, tmp_path, host, count=60, interval=0.1, name=f"stream{i}")
               for i, host in enumerate([dr.vip4, dr.vip6, dr.vip4, dr.vip6])]
    for s in streams:
        wait_until(lambda s=s: stream_answers(s), 10, what=f"{s.name} answering")

    if how == "graceful":
        assert agent.stop() == 0
    else:
        agent.kill_group()
        agent.wait(5)
    # Nobody home: the attached program keeps serving from the pinned maps.
    assert lb.xdp_prog_id("eth0") is not None
    assert dr.get(f"http://{dr.vip4}/") is not None, "new connections are served while the agent is away"

    again = dr.start_agent(lb, config, "--interface", "eth0", "--keep-pins", name="xdplbd-again")
    wait_until(lambda: "adopted pinned VIP" in again.log(), 10, what="the new run adopting the pinned maps")

    for s in streams:
        s.wait(30)
        answers = stream_answers(s)
        assert answers[-1] == "done", f"{s.name} broke: {answers[-3:]}"
        assert len(set(answers[:-1])) == 1, f"{s.name} changed server: {sorted(set(answers[:-1]))}"
    assert again.stop() == 0


def test_a_second_agent_of_the_same_instance_refuses_before_touching_anything(lab, procs, tmp_path):
    """Issue 13: even with a pid file of its own, a second xdplbd of a running instance stops at the
    instance lock; the first one's pins, socket and traffic are untouched."""
    import os

    from xdplab import bin_path, verify_clean

    dr = DrLab(lab, procs, tmp_path, servers=1)
    lb = dr.lbs[0]
    dr.hold_vips(lb)
    config = dr.write_config("xdplb.conf", dr_config(dr))
    first = dr.start_agent(lb, config, "--interface", "eth0")
    wait_until(lambda: dr.get(f"http://{dr.vip4}/"), 15, what="first answer through the VIP")
    pins = sorted(os.listdir(first.pin_dir))

    second = procs.start("xdplbd-second", [bin_path("xdplbd"), "-f", config, "--instance", first.instance, "-n", "-l",
                                           "-p", tmp_path / "second.pid", "--interface", "eth0"],
                         ns=lb, share_bpffs=True)
    assert second.wait(10) != 0
    assert f"instance {first.instance} is already running" in second.log()
    assert not (tmp_path / "second.pid").exists()
    assert sorted(os.listdir(first.pin_dir)) == pins
    assert first.alive()
    assert dr.get(f"http://{dr.vip4}/") is not None
    verify_clean(first)
    lock = f"/run/xdplb/{first.instance}.lock"
    assert os.path.exists(lock)
    assert first.stop() == 0
    # The lock goes with its agent (the refused second one left it alone).
    assert not os.path.exists(lock)
    # And the instance starts again.
    third = dr.start_agent(lb, config, "--interface", "eth0", name="xdplbd-third")
    wait_until(lambda: dr.get(f"http://{dr.vip4}/"), 15, what="an answer after the restart")
    assert os.path.exists(lock)
    assert third.stop() == 0 and not os.path.exists(lock)
