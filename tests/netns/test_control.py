"""The agent at work (issue 7): xdplbctl over the control socket, drain, reload with traffic running,
a broken reload, malformed and non-root requests, the metrics endpoint and keepalived's dump signals."""
import json
import os
import signal
import socket
import time

import pytest

from test_dr import dr_config
from xdplab import DrLab, bin_path, configs, ctl, run, verify_clean, wait_until


@pytest.fixture
def served(lab, procs, tmp_path):
    dr = DrLab(lab, procs, tmp_path)
    dr.hold_vips(dr.lbs[0])
    dr.config = dr.write_config("xdplb.conf", dr_config(dr))
    dr.agent = dr.start_agent(dr.lbs[0], dr.config, "--interface", "eth0", "--metrics-listen", "9469")
    wait_until(lambda: dr.get(f"http://{dr.vip4}/"), 15, what="the VIP answering")
    wait_until(lambda: all(b["resolved"] for v in ctl(dr.agent, "list")["virtual_servers"] for b in v["backends"]),
               10, what="every backend resolved")
    return dr


def auto_flood_rate(conntrack_size=1 << 20):
    """The agent's default flood guard rate: each possible CPU's share of the table, turned over in 10 s."""
    cpus = 0
    for part in open("/sys/devices/system/cpu/possible").read().strip().split(","):
        first, _, last = part.partition("-")
        cpus += int(last or first) - int(first) + 1
    return max(1000, conntrack_size // cpus // 10)


def test_status_list_and_stats(served):
    dr = served
    status = ctl(dr.agent, "status")
    assert status["instance"] == dr.agent.instance
    assert status["dataplane"]["interfaces"] == [{"name": "eth0", "mode": "native"}]
    assert status["dataplane"]["vips_total"] == 2
    listing = ctl(dr.agent, "list")
    vips = {v["vip"]: v for v in listing["virtual_servers"]}
    assert set(vips) == {"tcp/198.18.0.100:80", "tcp/[fd00::100]:80"}
    v4 = vips["tcp/198.18.0.100:80"]
    assert v4["algorithm"] == "mh" and v4["active"] and v4["ring_size"] == 65537
    assert [b["backend"] for b in v4["backends"]] == ["198.18.0.11:80", "198.18.0.12:80", "198.18.0.13:80"]
    assert all(b["health"] == "up" and b["weight"] == 1 for b in v4["backends"])

    for _ in range(30):
        dr.get(f"http://{dr.vip4}/")
    stats = ctl(dr.agent, "stats")
    s4 = next(v for v in stats["virtual_servers"] if v["vip"] == "tcp/198.18.0.100:80")
    assert s4["new_flows"] >= 30
    assert sum(b["new_flows"] for b in s4["backends"]) == s4["new_flows"]
    assert stats["verdicts"]["fwd_tx"]["packets"] >= s4["packets"]
    # 30 requests are far below the flood guard's default rate: every flow was recorded.
    assert stats["conntrack_guard"] == {"flood_rate": auto_flood_rate(), "flood_rate_auto": True,
                                        "untracked_packets": 0, "windows_flooded": 0}
    # Flows are counted from conntrack.
    assert sum(b["flows"] for b in ctl(dr.agent, "list")["virtual_servers"][0]["backends"]) > 0
    # The table reads like ipvsadm -Ln.
    table = run([bin_path("xdplbctl"), "--instance", dr.agent.instance, "list"]).stdout
    assert "TCP  198.18.0.100:80 mh" in table and "-> 198.18.0.11:80" in table


def test_drain_keeps_flows_and_sends_new_ones_elsewhere(served):
    dr = served
    result = ctl(dr.agent, "drain", "198.18.0.12:80", "--vip", "198.18.0.100:80")
    assert result == {"backend": "198.18.0.12:80", "vips": ["tcp/198.18.0.100:80"], "changed": True,
                      "active_flows": result["active_flows"], "persistence_error": None}
    assert isinstance(result["active_flows"], int)
    assert all(dr.get(f"http://{dr.vip4}/") != "rs2" for _ in range(30))
    assert "rs2" in {dr.get(f"http://[{dr.vip6}]/") for _ in range(30)}, "only the named VIP is drained"
    assert ctl(dr.agent, "undrain", "198.18.0.12:80")["changed"] is True
    wait_until(lambda: "rs2" in {dr.get(f"http://{dr.vip4}/") for _ in range(30)}, 5, what="rs2 back")
    bad = ctl(dr.agent, "drain", "198.18.0.99:80", check=False)
    assert bad.returncode == 1 and "no real server 198.18.0.99:80" in bad.stderr


def test_reload_adds_and_removes_backends_while_traffic_runs(served, procs, tmp_path):
    dr = served
    from xdplab import start_http_stream, stream_answers
    streams = [start_http_stream(procs, dr.client, tmp_path, dr.vip4, count=50, interval=0.1, name=f"s{i}")
               for i in range(6)]
    for s in streams:
        wait_until(lambda s=s: stream_answers(s), 10, what=f"{s.name} answering")
    first = {s.name: stream_answers(s)[0] for s in streams}

    # rs3 leaves the IPv4 VIP, rs3 stays in the IPv6 one.
    servers = [dr.server_address(0), dr.server_address(1)]
    dr.config.write_text(configs.config("LB_TEST", configs.virtual_server(dr.vip4, servers),
                                        configs.virtual_server(dr.vip6, [dr.server_address(i, True) for i in range(3)])))
    result = ctl(dr.agent, "reload")
    assert "tcp/198.18.0.100:80: removed real server 198.18.0.13:80" in result["changes"]
    assert all(dr.get(f"http://{dr.vip4}/") in ("rs1", "rs2") for _ in range(20))
    for s in streams:
        s.wait(30)
        answers = stream_answers(s)
        if first[s.name] != "rs3":  # flows of the removed server may move; every other one stays
            assert answers[-1] == "done" and set(answers[:-1]) == {first[s.name]}, (s.name, answers[-3:])

    # A broken file changes nothing and says why, with file:line.
    dr.config.write_text("virtual_server 198.18.0.100 80 {\n    lb_algo bogus\n")
    bad = ctl(dr.agent, "reload", check=False)
    assert bad.returncode == 1 and "the running configuration stays" in bad.stderr
    assert "xdplb.conf:2" in bad.stderr
    assert all(dr.get(f"http://{dr.vip4}/") in ("rs1", "rs2") for _ in range(10))
    # SIGHUP does the same as xdplbctl reload.
    dr.config.write_text(dr_config(dr))
    dr.agent.send_signal(signal.SIGHUP)
    wait_until(lambda: "rs3" in {dr.get(f"http://{dr.vip4}/") for _ in range(20)}, 10, what="rs3 back after SIGHUP")
    # The flood guard's rate is a data plane setting: a reload applies it at once, nothing restarts.
    dr.config.write_text(dr_config(dr).replace("global_defs {", "global_defs {\n    xdp_conntrack_flood_rate 0", 1))
    result = ctl(dr.agent, "reload")
    assert result["changes"] == [f"xdp_conntrack_flood_rate auto = {auto_flood_rate()} -> 0"], result
    assert ctl(dr.agent, "stats")["conntrack_guard"]["flood_rate"] == 0
    dr.config.write_text(dr_config(dr))
    assert ctl(dr.agent, "reload")["changes"] == [f"xdp_conntrack_flood_rate 0 -> auto = {auto_flood_rate()}"]


def raw_request(agent, payload: bytes, uid=None):
    """Sends raw bytes to the control socket (optionally as another user) and returns the reply line."""
    path = f"/run/xdplb/{agent.instance}.sock"
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            if uid is not None:
                os.setgid(uid)
                os.setuid(uid)
            s = socket.socket(socket.AF_UNIX)
            s.settimeout(5)
            s.connect(path)
            s.sendall(payload)
            os.write(w, s.recv(65536))
        except OSError as e:
            os.write(w, f"OSError: {e}".encode())
        os._exit(0)
    os.close(w)
    os.waitpid(pid, 0)
    data = os.read(r, 65536)
    os.close(r)
    return data.decode()


def test_bad_control_requests_are_refused_and_nothing_changes(served):
    dr = served
    for payload, error in [(b"{not json\n", "JSON"), (b'{"command":"explode"}\n', "unknown command"),
                           (b'{"command":"drain"}\n', "backend"), (b'["status"]\n', "object")]:
        reply = json.loads(raw_request(dr.agent, payload))
        assert reply["ok"] is False and error.lower() in reply["error"].lower(), reply
    refused = raw_request(dr.agent, b'{"command":"status"}\n', uid=65534)
    assert "ok\": true" not in refused and ("Permission denied" in refused or "root" in refused), refused
    assert dr.get(f"http://{dr.vip4}/") is not None
    assert ctl(dr.agent, "status")["instance"] == dr.agent.instance


def test_metrics_and_dump_signals(served):
    dr = served
    dr.get(f"http://{dr.vip4}/")
    text = dr.lbs[0].run("curl", "-s", "http://127.0.0.1:9469/metrics").stdout
    assert 'xdplb_vip_packets_total{vip="tcp/198.18.0.100:80"}' in text
    assert 'xdplb_backend_up{vip="tcp/198.18.0.100:80",backend="198.18.0.11:80"} 1' in text
    assert "# TYPE xdplb_verdict_packets_total counter" in text
    assert f"\nxdplb_conntrack_flood_rate {auto_flood_rate()}\n" in text
    assert "# TYPE xdplb_conntrack_untracked_packets_total counter" in text
    for sig, suffix in ((signal.SIGUSR1, "data"), (signal.SIGUSR2, "stats")):
        path = f"/run/xdplb/{dr.agent.instance}.{suffix}"
        dr.agent.send_signal(sig)
        wait_until(lambda: os.path.exists(path) and os.path.getsize(path) > 0, 5, what=path)
        os.unlink(path)


def test_verify_reports_a_ring_lost_behind_the_agents_back(served):
    """xdplbctl verify as an operator runs it: OK on a healthy agent; after a ring is deleted from the
    pinned map by hand, exit status 1 and the VIP named with what it does to traffic."""
    dr = served
    ok = run([bin_path("xdplbctl"), "--instance", dr.agent.instance, "verify"], check=False)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout == "OK: the data plane serves what the agent intends (2 VIPs, 6 backends)\n"
    # The VIP's id, as bpftool decodes the pinned map with its BTF.
    entries = json.loads(run(["bpftool", "-j", "map", "dump", "pinned", f"{dr.agent.pin_dir}/xdplb_vips"]).stdout)
    vip_id = next(e["formatted"]["value"]["vip_id"] for e in entries if e["formatted"]["key"]["family"] == 4)
    run(["bpftool", "map", "delete", "pinned", f"{dr.agent.pin_dir}/xdplb_rings", "key",
         *[str(b) for b in vip_id.to_bytes(4, "little")]])
    broken = run([bin_path("xdplbctl"), "--instance", dr.agent.instance, "verify"], check=False)
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert "1 difference between the intended state and the live maps" in broken.stdout, broken.stdout
    assert f"tcp/198.18.0.100:80  no ring in xdplb_rings[{vip_id}]: its new flows are dropped" in broken.stdout
    answer = ctl(dr.agent, "verify", check=False)
    assert answer.returncode == 1
    assert json.loads(answer.stdout)["discrepancies"] == [
        {"subject": "tcp/198.18.0.100:80", "problem": f"no ring in xdplb_rings[{vip_id}]: its new flows are dropped"}]
