"""Prometheus metrics of a real agent (issue 13): the names and labels docs/control.md gives, one
{vip, backend} spelling for traffic and health, conntrack entries against the table's size, the last
reload, build and process metrics; and the shipped alert rules (promtool) and Grafana dashboard use
only metric and label names the agent really exports."""
import json
import os
import re
import shutil
import time
from pathlib import Path

import pytest
import yaml

from xdplab import REPO, DrLab, configs, ctl, run, wait_until

def abi_version():
    """XDPLB_ABI_VERSION as include/xdplb/abi.h defines it."""
    return re.search(r"#define XDPLB_ABI_VERSION (\d+)", (REPO / "include" / "xdplb" / "abi.h").read_text()).group(1)


RULES = REPO / "conf" / "monitoring" / "xdplb.rules.yml"
RULES_TEST = REPO / "tests" / "monitoring" / "xdplb_rules_test.yml"
# tools/setup.sh puts it there (Debian ships promtool only with the Prometheus server).
PROMTOOL = "/usr/local/lib/xdplb-test/promtool"
DASHBOARD = REPO / "conf" / "monitoring" / "xdplb-dashboard.json"
# Labels Prometheus adds to every series it scrapes, and PromQL's own.
TARGET_LABELS = {"instance", "job", "le", "quantile"}
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def metered_config(dr):
    """The lab's VIPs; the IPv6 one has a fourth real server no host answers for: down from the start.
    A VRRP instance of its own address (not the served VIPs, which stay active) gives the VRRP series."""
    v4 = [dr.server_address(i) for i in range(3)]
    v6 = [dr.server_address(i, True) for i in range(3)] + [dr.server_address(8, True)]
    return configs.config("LB_TEST", configs.vrrp_instance("VI_M", 51, 100, ["198.18.0.200/32"], state="MASTER"),
                          configs.virtual_server(dr.vip4, v4), configs.virtual_server(dr.vip6, v6))


@pytest.fixture
def metered(lab, procs, tmp_path):
    dr = DrLab(lab, procs, tmp_path)
    dr.hold_vips(dr.lbs[0])
    dr.config = dr.write_config("xdplb.conf", metered_config(dr))
    dr.agent = dr.start_agent(dr.lbs[0], dr.config, "--interface", "eth0", "--metrics-listen", "9469")
    wait_until(lambda: dr.get(f"http://{dr.vip4}/"), 15, what="the VIP answering")
    wait_until(lambda: scrape(dr).value("xdplb_vrrp_state", vrrp_instance="VI_M", state="MASTER") == 1, 15,
               what="VI_M master")
    return dr


class Scrape:
    """One GET /metrics: the families' types and every sample as (labels, value)."""

    def __init__(self, text):
        self.text = text
        self.types = {}
        self.samples = {}
        for line in text.splitlines():
            if line.startswith("# TYPE "):
                _, _, name, kind = line.split(" ")
                self.types[name] = kind
            elif line and not line.startswith("#"):
                m = SAMPLE.match(line)
                assert m, f"not an exposition line: {line!r}"
                labels = dict(LABEL.findall(m.group(2) or ""))
                self.samples.setdefault(m.group(1), []).append((labels, float(m.group(3))))

    def value(self, name, **labels):
        found = [v for l, v in self.samples.get(name, []) if all(l.get(k) == v2 for k, v2 in labels.items())]
        assert len(found) == 1, (name, labels, self.samples.get(name))
        return found[0]

    def label_names(self):
        return {k for series in self.samples.values() for labels, _ in series for k in labels}


def scrape(dr):
    return Scrape(dr.lbs[0].run("curl", "-s", "-f", "http://127.0.0.1:9469/metrics").stdout)


def test_traffic_health_conntrack_build_and_process_metrics(metered):
    dr = metered
    vip4, vip6 = "tcp/198.18.0.100:80", "tcp/[fd00::100]:80"
    rs1 = f"{dr.server_address(0)}:80"
    dead = f"[{dr.server_address(8, True)}]:80"
    assert dr.get(f"http://{dr.vip4}/")
    wait_until(lambda: scrape(dr).value("xdplb_backend_up", vip=vip6, backend=dead) == 0, 15,
               what="the fourth IPv6 real server down")
    s = scrape(dr)
    assert s.types["xdplb_vip_packets_total"] == "counter"
    assert s.value("xdplb_vip_packets_total", vip=vip4) > 0
    # Traffic and health name a backend the same way.
    assert s.value("xdplb_backend_up", vip=vip4, backend=rs1) == 1
    assert s.value("xdplb_backend_packets_total", vip=vip4, backend=rs1) >= 0
    assert s.value("xdplb_check_runs_total", vip=vip4, backend=rs1) > 0
    assert s.value("xdplb_check_failures_total", vip=vip6, backend=dead) > 0
    assert ("vip", vip6) in {(k, v) for l, _ in s.samples["xdplb_backend_weight"] for k, v in l.items()}
    assert not [l for l, _ in s.samples["xdplb_backend_weight"] if l["backend"] == dead]  # not in the ring
    assert not {"instance", "virtual_server", "real_server"} & s.label_names()
    assert s.value("xdplb_vrrp_transitions_total", vrrp_instance="VI_M") >= 1
    assert s.value("xdplb_vrrp_priority", vrrp_instance="VI_M") == 100
    assert s.value("xdplb_vip_active", vip=vip4) == 1  # not one of VI_M's addresses
    # The flows of the requests above are in the table (the kernel's count), of the configured size.
    assert s.value("xdplb_conntrack_entries") >= 1
    assert s.value("xdplb_conntrack_entries_limit") == 1 << 20
    info = s.samples["xdplb_build_info"]
    assert len(info) == 1 and info[0][1] == 1 and info[0][0]["version"] and info[0][0]["abi_version"] == abi_version()
    # The process, in the standard names.
    now = time.time()
    assert now - 120 < s.value("process_start_time_seconds") <= now
    assert s.value("process_resident_memory_bytes") > 1 << 20
    assert s.value("process_open_fds") > 3
    assert s.value("process_cpu_seconds_total") > 0
    assert s.types["process_cpu_seconds_total"] == "counter"


def test_last_reload_refused_then_applied(metered):
    dr = metered
    s = scrape(dr)
    assert s.value("xdplb_config_last_reload_successful") == 1
    loaded = s.value("xdplb_config_last_reload_success_timestamp_seconds")
    assert s.value("xdplb_config_last_reload_timestamp_seconds") == loaded  # no reload yet: the start
    good = dr.config.read_text()
    dr.config.write_text("virtual_server 198.18.0.100 80 {\n    lb_algo bogus\n")
    before = time.time()
    assert ctl(dr.agent, "reload", check=False).returncode == 1
    s = scrape(dr)
    assert s.value("xdplb_config_last_reload_successful") == 0
    assert s.value("xdplb_config_last_reload_success_timestamp_seconds") == loaded
    assert s.value("xdplb_config_last_reload_timestamp_seconds") >= int(before) - 1
    dr.config.write_text(good)
    ctl(dr.agent, "reload")
    s = scrape(dr)
    assert s.value("xdplb_config_last_reload_successful") == 1
    assert s.value("xdplb_config_last_reload_success_timestamp_seconds") >= int(before) - 1


def test_an_ipv6_listen_address_without_civetweb_ipv6_is_refused_and_leaves_nothing(lab, procs, tmp_path):
    """Debian 12's civetweb has no IPv6: the agent says so and exits, its pins and VIPs gone with it."""
    dr = DrLab(lab, procs, tmp_path, servers=1)
    dr.hold_vips(dr.lbs[0])
    config = dr.write_config("xdplb.conf", configs.config("LB_TEST", configs.virtual_server(
        dr.vip4, [dr.server_address(0)])))
    agent = dr.start_agent(dr.lbs[0], config, "--interface", "eth0", "--metrics-listen", "[::1]:9469")
    assert agent.wait(30) != 0
    assert "cannot listen on [::1]:9469: the civetweb library under prometheus-cpp was built without IPv6" in agent.log()
    assert not Path(agent.pin_dir).exists()


# ---- the rules and the dashboard against what the agent exports ----

METRIC_NAME = re.compile(r"\b((?:xdplb|process)_[a-zA-Z0-9_]+)")
# Label names in selectors ({name="..."}, name=~...), in by/without (...) and in {{ $labels.name }} or
# Grafana's {{name}}.
SELECTOR = re.compile(r"\{([^{}]*)\}")
MATCHER = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)")
GROUPING = re.compile(r"\b(?:by|without)\s*\(([^)]*)\)")
TEMPLATE = re.compile(r"\{\{\s*\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}|\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}")


def names_used(texts):
    """(metric names, label names) in PromQL expressions and in label templates."""
    metrics, labels = set(), set()
    for text in texts:
        metrics |= set(METRIC_NAME.findall(text))
        for selector in SELECTOR.findall(text):
            if not selector.strip().startswith("$"):
                labels |= set(MATCHER.findall(selector))
        for group in GROUPING.findall(text):
            labels |= {g.strip() for g in group.split(",") if g.strip()}
        for a, b in TEMPLATE.findall(text):
            labels.add(a or b)
    return metrics, labels


def rules_texts():
    rules = yaml.safe_load(RULES.read_text())
    for group in rules["groups"]:
        for rule in group["rules"]:
            yield rule["expr"]
            yield from rule.get("annotations", {}).values()


def dashboard_texts():
    dashboard = json.loads(DASHBOARD.read_text())
    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            yield target["expr"]
            yield target.get("legendFormat", "")
    for variable in dashboard["templating"]["list"]:
        if variable["type"] == "query":
            yield variable["definition"]


def unknown(texts, scrape_):
    metrics, labels = names_used(texts)
    grafana = {"__rate_interval", "__interval", "__all"}
    return (metrics - set(scrape_.types),
            labels - scrape_.label_names() - TARGET_LABELS - grafana,
            metrics)


def test_the_name_check_catches_a_wrong_name():
    s = Scrape("# TYPE xdplb_backend_up gauge\nxdplb_backend_up{vip=\"v\",backend=\"b\"} 1\n")
    assert unknown(['max by (vip) (xdplb_backend_up{backend="b"})'], s)[:2] == (set(), set())
    assert unknown(['xdplb_real_server_up{real_server="b"} == 0'], s)[:2] == ({"xdplb_real_server_up"},
                                                                             {"real_server"})
    assert unknown(["summary: {{ $labels.virtual_server }}"], s)[1] == {"virtual_server"}


@pytest.mark.parametrize("what", ["rules", "dashboard"])
def test_rules_and_dashboard_use_only_names_the_agent_exports(metered, what):
    s = scrape(metered)
    texts = list(rules_texts() if what == "rules" else dashboard_texts())
    metrics, labels, used = unknown(texts, s)
    assert len(used) >= 5, used  # the check looked at something
    assert not metrics, f"{what} use metrics the agent does not export: {sorted(metrics)}"
    assert not labels, f"{what} use labels the agent does not export: {sorted(labels)}"


def test_docs_name_every_family_the_agent_exports_and_no_other(metered):
    """docs/control.md's Metrics section against a scrape: no family undocumented, none documented
    that the agent does not export."""
    docs = (REPO / "docs" / "control.md").read_text()
    section = docs[docs.index("## Metrics\n"):]
    table = section[:section.index("Renamed from earlier versions")]
    documented = set(re.findall(r"`((?:xdplb|process|exposer)_[a-z0-9_]+)`", table))
    exported = set(scrape(metered).types)
    assert exported - documented == set(), "exported but not in docs/control.md"
    assert documented - exported == set(), "in docs/control.md but not exported"


def test_alert_rules_pass_promtool():
    promtool = PROMTOOL if os.access(PROMTOOL, os.X_OK) else shutil.which("promtool")
    assert promtool, f"promtool is missing: tools/setup.sh extracts it from Debian's prometheus package to {PROMTOOL}"
    checked = run([promtool, "check", "rules", str(RULES)], check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = run([promtool, "test", "rules", str(RULES_TEST)], check=False)
    assert tested.returncode == 0, tested.stdout + tested.stderr


def test_dashboard_is_a_grafana_dashboard():
    """What Grafana's import needs and checks: unique panel ids, panels on its 24-column grid, a query
    and a unique refId per target, and every $variable a query uses defined in the templating."""
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["title"] and dashboard["uid"] and isinstance(dashboard["schemaVersion"], int)
    variables = {v["name"] for v in dashboard["templating"]["list"]} | {"__rate_interval", "__interval"}
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids)), ids
    for panel in dashboard["panels"]:
        grid = panel["gridPos"]
        assert grid["x"] >= 0 and grid["w"] > 0 and grid["x"] + grid["w"] <= 24, panel["title"]
        assert panel["type"] in {"timeseries", "stat", "table", "state-timeline"}, panel["type"]
        assert panel["targets"], panel["title"]
        ref_ids = [t["refId"] for t in panel["targets"]]
        assert len(ref_ids) == len(set(ref_ids)), panel["title"]
        for target in panel["targets"]:
            assert target["expr"].strip(), panel["title"]
            used = set(re.findall(r"\$\{?([a-zA-Z_]+)", target["expr"] + json.dumps(target["datasource"])))
            assert used <= variables, (panel["title"], used - variables)
