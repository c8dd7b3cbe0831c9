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
