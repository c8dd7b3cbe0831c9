"""DR load balancing end to end (issue 4): a client, an LB node running xdplbd --interface, three
real servers with the VIP on lo. HTTP through the VIP over IPv4 and IPv6, spread over every server,
with health checks taking a server out and back while an established connection stays put."""
import json
import time
import pytest

from xdplab import DrLab, bin_path, configs, ctl, run, start_http_stream, start_nginx, stream_answers, wait_until

def dr_config(dr):
    """Both VIPs (IPv4, IPv6) over the lab's real servers, served on --interface (no VRRP)."""
    servers = range(len(dr.servers))
    return configs.config("LB_TEST",
                          configs.virtual_server(dr.vip4, [dr.server_address(i) for i in servers]),
                          configs.virtual_server(dr.vip6, [dr.server_address(i, True) for i in servers]))


def verdicts(pin_dir):
    stats = json.loads(run([bin_path("xdplbctl"), "--instance", pin_dir.rsplit("/", 1)[1], "--json", "stats"]).stdout)
    return {k: v["packets"] for k, v in stats["verdicts"].items()}


@pytest.fixture
def dr(lab, procs, tmp_path):
    lab_ = DrLab(lab, procs, tmp_path)
    lb = lab_.lbs[0]
    lab_.hold_vips(lb)
    config = lab_.write_config("xdplb.conf", dr_config(lab_))
    lab_.config = config
    agent = lab_.start_agent(lb, config, "--interface", "eth0")
    lab_.agent = agent
    wait_until(lambda: lab_.get(f"http://{lab_.vip4}/"), 15, what="first answer through the IPv4 VIP")
    wait_until(lambda: lab_.get(f"http://[{lab_.vip6}]/"), 15, what="first answer through the IPv6 VIP")
    return lab_


@pytest.mark.parametrize("family", ["ipv4", "ipv6"])
def test_every_request_succeeds_and_spreads_over_all_servers(dr, family):
    url = f"http://{dr.vip4}/" if family == "ipv4" else f"http://[{dr.vip6}]/"
    before = verdicts(dr.agent.pin_dir)
    answers = [dr.get(url) for _ in range(60)]
    assert None not in answers, answers
    assert set(answers) == {"rs1", "rs2", "rs3"}, answers
    after = verdicts(dr.agent.pin_dir)
    # Each request is at least SYN, ACK, request, ACK, FIN, ACK: all forwarded by XDP_TX.
    assert after["fwd_tx"] - before["fwd_tx"] >= 60 * 4
    assert after["drop_no_backend"] == before["drop_no_backend"]


def test_bpftool_shows_the_vips(dr):
    dump = json.loads(run(["bpftool", "-j", "map", "dump", "pinned", f"{dr.agent.pin_dir}/xdplb_vips"]).stdout)
    keys = [e["formatted"]["key"] for e in dump]
    ports = sorted(k["port"] for k in keys)
    assert len(keys) == 2
    assert ports == [80 << 8, 80 << 8]  # network byte order, as the program sees it
    families = sorted(k["family"] for k in keys)
    assert families == [4, 6]
    # The rings (inner maps the agent creates) carry BTF too.
    vip_ids = [e["formatted"]["value"]["vip_id"] for e in dump]
    rings = json.loads(run(["bpftool", "-j", "map", "dump", "pinned", f"{dr.agent.pin_dir}/xdplb_rings"]).stdout)

    def le(hex_bytes):  # bpftool prints a map-in-map's key and value (an inner map id) as raw bytes
        return int.from_bytes(bytes(int(x, 16) for x in hex_bytes), "little")
    inner = [le(e["value"]) for e in rings if le(e["key"]) in vip_ids]
    assert len(inner) == 2
    for map_id in inner:
        info = json.loads(run(["bpftool", "-j", "map", "show", "id", str(map_id)]).stdout)
        assert info.get("btf_id"), info


@pytest.mark.serial  # time until a dead server leaves the ring (< 3 s + 1.5 s)
@pytest.mark.parametrize("family", ["ipv4", "ipv6"])
def test_established_connection_keeps_its_server_while_another_leaves_and_returns(dr, procs, tmp_path, family):
    host = dr.vip4 if family == "ipv4" else dr.vip6
    stream = start_http_stream(procs, dr.client, tmp_path, host, count=120, interval=0.1)
    first = wait_until(lambda: stream_answers(stream)[:1], 10, what="the stream's first answer")[0]
    others = [i for i in range(3) if f"rs{i + 1}" != first]
    victim = others[0]
    victim_name = f"rs{victim + 1}"
    nginx = next(p for p in procs.processes if p.name == f"nginx-{victim_name}")

    # The victim's service dies: the checker takes it out of the ring within
    # delay_loop + retry * delay_before_retry + connect_timeout (1 + 1 * 1 + 1 s here).
    nginx.stop()
    t0 = time.monotonic()
    wait_until(lambda: all((a := dr.get(f"http://{dr.vip4}/")) is not None and a != victim_name for _ in range(15)), 10,
               what=f"{victim_name} out of the ring")
    assert time.monotonic() - t0 < 3 + 1.5, "the failed server left the ring later than keepalived's rules allow"
    # And comes back.
    start_nginx(procs, dr.servers[victim], victim_name, tmp_path)
    wait_until(lambda: any(dr.get(f"http://{dr.vip4}/") == victim_name for _ in range(30)), 15,
               what=f"{victim_name} back in the ring")

    stream.wait(30)
    answers = stream_answers(stream)
    assert answers[-1] == "done", answers[-5:]
    assert set(answers[:-1]) == {first}, "the established connection changed server"
    assert len(answers) == 121


def test_stopping_the_agent_removes_what_it_added(dr):
    lb = dr.lbs[0]
    assert lb.xdp_prog_id("eth0") is not None
    assert dr.agent.stop() == 0
    assert lb.xdp_prog_id("eth0") is None
    assert run(["test", "-e", dr.agent.pin_dir], check=False).returncode != 0


def test_checker_lines_reach_notify_fifo_and_lvs_notify_fifo(dr, procs, tmp_path):
    """keepalived's checker lines: a real server going down and up is one RS line per virtual server, in
    notify_fifo (everything) and lvs_notify_fifo (checkers only), read by their scripts. The FIFOs
    arrive by reload, which starts the readers without restarting anything else."""
    outputs = {name: tmp_path / f"{name}.lines" for name in ("all", "lvs")}
    readers = {}
    for name, out in outputs.items():
        readers[name] = tmp_path / f"reader-{name}.sh"
        readers[name].write_text(f'#!/bin/sh\nwhile read -r line; do echo "$line" >> {out}; done < "$1"\n')
        readers[name].chmod(0o755)
    fifos = (f"    notify_fifo {tmp_path / 'all.fifo'}\n    notify_fifo_script {readers['all']}\n"
             f"    lvs_notify_fifo {tmp_path / 'lvs.fifo'}\n    lvs_notify_fifo_script {readers['lvs']}\n")
    dr.config.write_text(dr_config(dr).replace("global_defs {\n", "global_defs {\n" + fifos, 1))
    reply = ctl(dr.agent, "reload")
    assert reply["changes"] == ["notify FIFOs changed: their reader scripts restarted"], reply

    victim = dr.servers[1]
    nginx = next(p for p in procs.processes if p.name == "nginx-rs2")
    nginx.stop()
    rs = dr.server_address(1)
    rs6 = dr.server_address(1, True)
    down = [f"RS [{rs}]:tcp:80 [{dr.vip4}]:tcp:80 DOWN", f"RS [{rs6}]:tcp:80 [{dr.vip6}]:tcp:80 DOWN"]
    for out in outputs.values():
        wait_until(lambda out=out: out.exists() and all(line in out.read_text().splitlines() for line in down), 10,
                   what=f"the DOWN lines in {out.name}")
    start_nginx(procs, victim, "rs2", tmp_path)
    up = [line.replace(" DOWN", " UP") for line in down]
    for out in outputs.values():
        wait_until(lambda out=out: all(line in out.read_text().splitlines() for line in up), 15,
                   what=f"the UP lines in {out.name}")
        lines = out.read_text().splitlines()
        # One line per change, in order, and nothing else: the other servers never changed.
        assert sorted(lines) == sorted(down + up), lines
        assert max(lines.index(d) for d in down) < min(lines.index(u) for u in up), lines


@pytest.mark.serial  # time until a dead server leaves the ring (< 3 s + 1.5 s)
def test_reloads_faster_than_the_checks_do_not_keep_a_dead_server_in_the_ring(dr):
    """A reload that does not change a real server's checkers leaves them running: their timers and
    failure counts go on. (Every reload used to restart every check, so reloads more often than
    delay_loop + delay_before_retry kept a dead server in the ring for ever.)"""
    victim = "rs2"
    next(p for p in dr.procs.processes if p.name == f"nginx-{victim}").stop()
    t0 = time.monotonic()
    out = None
    reloads = 0
    while time.monotonic() - t0 < 10:
        reply = ctl(dr.agent, "reload")
        assert reply["changes"] == [], reply
        reloads += 1
        if all((a := dr.get(f"http://{dr.vip4}/")) is not None and a != victim for _ in range(15)):
            out = time.monotonic() - t0
            break
        time.sleep(0.2)
    assert out is not None, f"{victim} still in the ring after {reloads} reloads in 10 s"
    assert out < 3 + 1.5, f"{victim} left the ring after {out:.1f} s, later than keepalived's rules allow"
    assert reloads >= 3, "the reloads did not come faster than the checks"
