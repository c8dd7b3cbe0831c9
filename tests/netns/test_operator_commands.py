"""Every xdplbctl command as an operator types it (issues 12 and 13): plain text and --json, against
real agents in the states that matter - a VRRP pair's BACKUP and MASTER, FAULT, after a reload, with
a real server down and with one drained. The plain form must print what the JSON form says; a
formatter that only ever saw the documented shape would fail here first."""
import json

from xdplab import DrLab, bin_path, configs, run, wait_until

VIP = "198.18.0.100"


def pair_config(dr, router_id, state, priority, servers=2):
    return configs.config(
        router_id,
        configs.vrrp_instance("VI_1", 51, priority, [f"{VIP}/32"], state=state),
        configs.virtual_server(VIP, [dr.server_address(i) for i in range(servers)]))


def xdplbctl(agent, *args):
    return run([bin_path("xdplbctl"), "--instance", agent.instance, *args], check=False)


def both(agent, *args, exit_status=0):
    """The command in plain and --json form: both exit with `exit_status`, print something, and
    nothing on stderr; returns (text, decoded JSON)."""
    plain = xdplbctl(agent, *args)
    assert plain.returncode == exit_status, f"xdplbctl {' '.join(args)}: {plain.stderr}"
    assert plain.stdout.strip(), f"xdplbctl {' '.join(args)} printed nothing"
    assert plain.stderr == "", plain.stderr
    answer = xdplbctl(agent, "--json", *args)
    assert answer.returncode == exit_status, f"xdplbctl --json {' '.join(args)}: {answer.stderr}"
    return plain.stdout, json.loads(answer.stdout)


def plain(agent, *args):
    """The plain form of a command that changes the agent: exit 0, its text."""
    p = xdplbctl(agent, *args)
    assert p.returncode == 0 and p.stderr == "", f"xdplbctl {' '.join(args)}: {p.stderr}"
    return p.stdout


def json_answer(agent, *args):
    p = xdplbctl(agent, "--json", *args)
    assert p.returncode == 0 and p.stderr == "", f"xdplbctl --json {' '.join(args)}: {p.stderr}"
    return json.loads(p.stdout)


def instance_row(text, name):
    """The status table's row of a VRRP instance, as cells split on runs of spaces."""
    for line in text.splitlines():
        if line.startswith(name + " "):
            return line.split()
    raise AssertionError(f"no row for {name} in:\n{text}")


def check_every_command(agent, state):
    """status, list, stats, stats --rate and verify agree between plain and JSON, in `state`."""
    text, status = both(agent, "status")
    assert status["vrrp_instances"][0]["state"] == state
    row = instance_row(text, "VI_1")
    assert row[1] == state and row[4] == "51", text
    last = status["vrrp_instances"][0]["last_transition"]
    assert last["to"] == state and f"{last['from']}->{state}" in text
    assert last["duration_ms"] is not None and last["duration_ms"] >= 0

    text, listing = both(agent, "list")
    [server] = listing["virtual_servers"]
    assert server["vip"] == f"tcp/{VIP}:80"
    assert server["active"] == (state == "MASTER")
    assert f"TCP  {VIP}:80 mh" + ("" if state == "MASTER" else " standby") in text
    for backend in server["backends"]:
        line = next(line for line in text.splitlines() if f"-> {backend['backend']} " in line)
        assert str(backend["weight"]) in line.split()

    text, stats = both(agent, "stats")
    assert stats["source"] == "agent"
    assert f"TCP  {VIP}:80" in text and "Verdict" in text and "Conntrack flood guard" in text
    text, rates = both(agent, "stats", "--rate")
    assert rates["interval_seconds"] >= 1 and "Packets/s" in text

    text, verify = both(agent, "verify")
    assert verify["discrepancies"] == [] and text.startswith("OK: ")

    text, conns = both(agent, "conns")
    assert conns["matched"] == len(conns["conns"]) <= conns["entries"] and conns["active_window_seconds"] == 60
    summary = text.splitlines()[-1]
    assert summary.startswith(f"{conns['matched']} entr") and f"of {conns['conntrack_size']}" in summary, text
    for flow in conns["conns"]:
        # The flows the client opened through the VIP (a backup knows them only when it served them).
        # A server taken out of the data plane leaves its flows stale: they choose afresh.
        assert flow["protocol"] == "tcp" and flow["vip"] == f"tcp/{VIP}:80", flow
        assert flow["state"] == "active" if flow["backend"] else flow["state"] == "stale", flow
        line = next(line for line in text.splitlines() if f" {flow['client']} " in line)
        assert line.split()[0] == "TCP" and line.split()[2] == flow["state"], line
        assert line.split()[-1] == (flow["backend"] or "-"), line
    return conns


def test_every_command_in_plain_and_json_through_the_states_of_a_pair(lab, procs, tmp_path):
    dr = DrLab(lab, procs, tmp_path, lbs=2, servers=3)
    lb1, lb2 = dr.lbs
    master = dr.start_agent(lb1, dr.write_config("lb1.conf", pair_config(dr, "LB1", "MASTER", 100, servers=3)))
    backup_config = dr.write_config("lb2.conf", pair_config(dr, "LB2", "BACKUP", 90))
    backup = dr.start_agent(lb2, backup_config)
    wait_until(lambda: json.loads(xdplbctl(master, "--json", "status").stdout)["vrrp_instances"][0]["state"]
               == "MASTER", 15, what="lb1 MASTER")
    wait_until(lambda: json.loads(xdplbctl(backup, "--json", "status").stdout)["vrrp_instances"][0]["state"]
               == "BACKUP", 15, what="lb2 BACKUP")
    wait_until(lambda: dr.get(f"http://{VIP}/"), 15, what="the VIP answering")
    for _ in range(10):
        dr.get(f"http://{VIP}/")

    conns = check_every_command(master, "MASTER")
    clients = {flow["client"].rsplit(":", 1)[0] for flow in conns["conns"]}
    assert conns["matched"] >= 10 and clients == {dr.client.address4}, conns
    assert all(flow["idle_seconds"] < 30 for flow in conns["conns"]), conns
    rs1 = f"{dr.server_address(0)}:80"
    text, only_rs1 = both(master, "conns", "--backend", rs1, "--limit", "2")
    assert len(only_rs1["conns"]) <= 2 and all(f["backend"] == rs1 for f in only_rs1["conns"]), only_rs1
    assert only_rs1["matched"] == sum(f["backend"] == rs1 for f in conns["conns"]), (only_rs1, conns)
    assert check_every_command(backup, "BACKUP")["matched"] == 0

    # Drained: plain list says so, JSON too; undrain gives the weight back. (These commands change
    # the agent, so the plain and the JSON form run one after the other, each with its own answer.)
    rs2_key = f"{dr.server_address(1)}:80"
    rs2_flows = sum(flow["backend"] == rs2_key for flow in conns["conns"])
    assert rs2_flows > 0, conns
    text = plain(master, "drain", rs2_key)
    assert text.startswith(f"drained {rs2_key} on tcp/{VIP}:80 (weight 0"), text
    # The client's connections closed, but without TCP state a flow counts until it is a minute idle.
    assert f"{rs2_flows} active flow" in text, text
    assert json_answer(master, "drain", rs2_key) == {"backend": rs2_key, "vips": [f"tcp/{VIP}:80"], "changed": False,
                                                     "active_flows": rs2_flows, "persistence_error": None}
    assert plain(master, "drain", rs2_key) == (f"{rs2_key} was already drained on tcp/{VIP}:80\n"
                                               f"{rs2_flows} active flow{'s' if rs2_flows > 1 else ''} left\n")
    waited = xdplbctl(master, "drain", rs2_key, "--wait", "1")
    assert waited.returncode == 1, waited
    assert f"xdplbctl: {rs2_key} still has {rs2_flows} active flow" in waited.stderr, waited.stderr
    # The backup forwarded nothing: its drain has no flow to wait for.
    waited = xdplbctl(backup, "drain", rs2_key, "--wait", "5")
    assert waited.returncode == 0 and waited.stdout.endswith("no active flows left\n"), waited
    assert plain(backup, "undrain", rs2_key).startswith(f"undrained {rs2_key}")
    text, listing = both(master, "list")
    rs2 = next(b for b in listing["virtual_servers"][0]["backends"] if b["backend"] == rs2_key)
    assert rs2["drained"] and rs2["weight"] == 0
    assert any(f"-> {rs2_key}" in line and "drained" in line for line in text.splitlines()), text
    assert json_answer(master, "undrain", rs2_key)["changed"] is True
    assert plain(master, "undrain", rs2_key) == f"{rs2_key} was not drained on tcp/{VIP}:80\n"
    both(master, "verify")

    # A real server down (its port refuses): status and every other command still answer.
    dr.servers[2].run("nft", "-f", "-", input="table inet xdplb_test {\n chain input {\n"
                      "  type filter hook input priority 0;\n  tcp dport 80 reject with tcp reset\n }\n}\n")
    down = f"{dr.server_address(2)}:80"
    def listed_down():
        listing = json.loads(xdplbctl(master, "--json", "list").stdout)
        backend = next(b for b in listing["virtual_servers"][0]["backends"] if b["backend"] == down)
        return backend if backend["health"] == "down" and not backend["in_dataplane"] else None
    failed = wait_until(listed_down, 15, what=f"{down} marked down")
    # One log line for the event, at warning level.
    assert master.log().count(f"{down}: real server DOWN") == 1, master.log()
    assert f"[warning] tcp/{VIP}:80 / {down}: real server DOWN" in master.log()
    # Still listed (ipvsadm would have dropped it), with why and since when.
    assert failed["weight"] == 0 and failed["health_since"] and "refused" in failed["last_check_error"].lower()
    text = plain(master, "list")
    line = next(line for line in text.splitlines() if f"-> {down}" in line)
    assert " down " in line and failed["last_check_error"] in line, line
    check_every_command(master, "MASTER")

    # After a reload that changes the backup's real servers: the reload prints its changes.
    backup_config.write_text(pair_config(dr, "LB2", "BACKUP", 90, servers=3))
    text = plain(backup, "reload")
    assert text.startswith(f"reloaded {backup_config}: 1 change\n"), text
    assert "added real server" in text
    assert json_answer(backup, "reload") == {"config_file": str(backup_config), "changes": [], "warnings": []}
    check_every_command(backup, "BACKUP")

    # FAULT: the backup's interface goes down.
    lb2.ip("link", "set", "eth0", "down")
    wait_until(lambda: json.loads(xdplbctl(backup, "--json", "status").stdout)["vrrp_instances"][0]["state"]
               == "FAULT", 10, what="lb2 FAULT")
    text, status = both(backup, "status")
    assert instance_row(text, "VI_1")[1] == "FAULT"
    text, listing = both(backup, "list")
    assert " standby" in text and listing["virtual_servers"][0]["active"] is False
    both(backup, "stats")
    text, conns = both(backup, "conns")
    assert conns["matched"] == 0 and text.startswith("Pro  Idle"), text
    both(backup, "verify")
    lb2.ip("link", "set", "eth0", "up")
    assert master.stop() == 0 and backup.stop() == 0


def test_an_agent_without_vrrp_answers_every_command(lab, procs, tmp_path):
    dr = DrLab(lab, procs, tmp_path, servers=1)
    dr.hold_vips(dr.lbs[0])
    agent = dr.start_agent(dr.lbs[0], dr.write_config("lb.conf", configs.config(
        "LB1", configs.virtual_server(VIP, [dr.server_address(0)]))), "--interface", "eth0")
    wait_until(lambda: dr.get(f"http://{VIP}/"), 15, what="the VIP answering")
    text, status = both(agent, "status")
    assert status["vrrp_instances"] == [] and "No VRRP instance" in text
    assert "attached to eth0 (native)" in text
    text, listing = both(agent, "list")
    assert f"TCP  {VIP}:80 mh\n" in text and listing["virtual_servers"][0]["active"] is True
    both(agent, "stats")
    both(agent, "verify")

    # A drain outlives the agent: the next run of the instance starts with the server drained.
    rs1 = f"{dr.server_address(0)}:80"
    assert plain(agent, "drain", rs1).startswith(f"drained {rs1}")
    assert agent.stop() == 0
    again = dr.start_agent(dr.lbs[0], tmp_path / "lb.conf", "--interface", "eth0", name="xdplbd-again")
    wait_until(lambda: xdplbctl(again, "--json", "list").returncode == 0, 15, what="the agent again")
    assert f"{rs1} in tcp/{VIP}:80 stays drained" in again.log()
    text, listing = both(again, "list")
    [backend] = listing["virtual_servers"][0]["backends"]
    assert backend["drained"] and backend["weight"] == 0, listing
    assert plain(again, "undrain", rs1).startswith(f"undrained {rs1}")
    assert again.stop() == 0
    # Undrained before this stop: the run after it serves with the configured weight.
    third = dr.start_agent(dr.lbs[0], tmp_path / "lb.conf", "--interface", "eth0", name="xdplbd-third")
    wait_until(lambda: dr.get(f"http://{VIP}/"), 15, what="the VIP answering again")
    assert not json_answer(third, "list")["virtual_servers"][0]["backends"][0]["drained"]
    assert third.stop() == 0


def test_conns_list_and_drain_walk_a_table_of_many_batches(lab, procs, tmp_path):
    """20,000 entries: the agent walks them a batch (4,096) per loop turn and answers at the end;
    the answers count every entry, and `conns` sends at most its limit."""
    dr = DrLab(lab, procs, tmp_path, servers=1)
    dr.hold_vips(dr.lbs[0])
    agent = dr.start_agent(dr.lbs[0], dr.write_config("lb.conf", configs.config(
        "LB1", configs.virtual_server(VIP, [dr.server_address(0)]))), "--interface", "eth0")
    wait_until(lambda: dr.get(f"http://{VIP}/"), 15, what="the VIP answering")
    conntrack = f"{agent.pin_dir}/xdplb_conntrack"
    # The client's real entry (key: src[16] dst[16] sport dport proto family pad[2], ports in network
    # order), copied with other client ports.
    [real] = [e for e in json.loads(run(["bpftool", "-j", "map", "dump", "pinned", conntrack]).stdout)
              if [int(b, 16) for b in e["key"][34:36]] == [0, 80]][:1]
    key, value = [int(b, 16) for b in real["key"]], [int(b, 16) for b in real["value"]]
    extra = 20000
    batch = tmp_path / "fill.batch"
    with open(batch, "w") as out:
        for port in range(1024, 1024 + extra):
            key[32:34] = [port >> 8, port & 0xff]
            out.write(f"map update pinned {conntrack} key hex {' '.join(f'{b:02x}' for b in key)} "
                      f"value hex {' '.join(f'{b:02x}' for b in value)}\n")
    run(["bpftool", "batch", "file", str(batch)])

    text, conns = both(agent, "conns", "--limit", "5")
    assert conns["entries"] >= extra and conns["matched"] >= extra and len(conns["conns"]) == 5, conns
    assert text.splitlines()[-1].startswith(f"{conns['matched']} entries in a table"), text
    text, listing = both(agent, "list")
    assert listing["virtual_servers"][0]["backends"][0]["flows"] >= extra, listing
    rs = f"{dr.server_address(0)}:80"
    answer = json_answer(agent, "drain", rs)
    assert answer["active_flows"] >= extra, answer
    assert plain(agent, "undrain", rs).startswith(f"undrained {rs}")
    assert agent.stop() == 0
