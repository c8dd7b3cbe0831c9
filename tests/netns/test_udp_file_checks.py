"""UDP_CHECK and FILE_CHECK on a DR lab (issue 14): a real server whose UDP service stops leaves the
virtual server and comes back when it answers again; a FILE_CHECK real server follows its file."""
import sys

import pytest

from xdplab import DrLab, ctl, wait_until

UDP_ECHO = ("import socket\n"
            "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
            "s.bind(('0.0.0.0', 5353))\n"
            "while True:\n"
            "    data, peer = s.recvfrom(2048)\n"
            "    s.sendto(b'OK' + data, peer)\n")


def config_text(dr, track_path):
    rs = [dr.server_address(i) for i in range(2)]
    return f"""global_defs {{
    router_id LB_TEST
}}
track_file rs2_state {{
    file {track_path}
    weight 0
}}
virtual_server {dr.vip4} 53 {{
    delay_loop 1
    lb_algo mh
    lb_kind DR
    protocol UDP
    real_server {rs[0]} 53 {{
        UDP_CHECK {{
            connect_port 5353
            connect_timeout 1
            retry 0
            warmup 0
            payload 6869
            require_reply 4f4b
        }}
    }}
    real_server {rs[1]} 53 {{
        FILE_CHECK {{
            track_file rs2_state
        }}
    }}
}}
"""


def health(agent):
    listing = ctl(agent, "list")
    return {b["backend"]: b["health"] for v in listing["virtual_servers"] for b in v["backends"]}


@pytest.fixture
def udp_lab(lab, procs, tmp_path):
    dr = DrLab(lab, procs, tmp_path, servers=2)
    lb = dr.lbs[0]
    dr.hold_vips(lb)
    track = tmp_path / "rs2_state"
    track.write_text("0\n")
    dr.track = track
    dr.echo = procs.start("udp-echo", [sys.executable, "-c", UDP_ECHO], ns=dr.servers[0])
    dr.config = dr.write_config("xdplb.conf", config_text(dr, track))
    dr.agent = dr.start_agent(lb, dr.config, "--interface", "eth0")
    return dr


def test_udp_check_follows_the_service_and_file_check_follows_the_file(udp_lab, procs):
    dr = udp_lab
    rs1 = f"{dr.server_address(0)}:53"
    rs2 = f"{dr.server_address(1)}:53"
    wait_until(lambda: health(dr.agent) == {rs1: "up", rs2: "up"}, 10, what="both real servers up")

    dr.echo.stop()  # the port closes: ICMP port unreachable
    wait_until(lambda: health(dr.agent)[rs1] != "up", 10, what="the UDP_CHECK server down")
    dr.echo = procs.start("udp-echo-2", [sys.executable, "-c", UDP_ECHO], ns=dr.servers[0])
    wait_until(lambda: health(dr.agent)[rs1] == "up", 10, what="the UDP_CHECK server up again")

    tmp = dr.track.with_name("rs2_state.tmp")
    tmp.write_text("1\n")
    tmp.rename(dr.track)  # renamed into place
    wait_until(lambda: health(dr.agent)[rs2] != "up", 5, what="the FILE_CHECK server down")
    dr.track.write_text("0\n")  # written in place
    wait_until(lambda: health(dr.agent)[rs2] == "up", 5, what="the FILE_CHECK server up again")
    assert health(dr.agent)[rs1] == "up"
