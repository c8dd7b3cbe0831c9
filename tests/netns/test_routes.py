"""keepalived's routes, rules and static addresses on a real kernel.

lb1 runs xdplbd, lb2 a keepalived that preempts it. virtual_routes / virtual_rules are in the kernel
while lb1 is MASTER and gone while it is BACKUP; static_ipaddress / static_routes / static_rules
are there from the agent's start to its stop, whatever the VRRP state; a reload applies the
difference. Everything is read back with `ip route show table N` and `ip rule` inside lb1.
"""
import signal

from xdplab import bin_path, run, wait_until

from test_vrrp import VrrpLan, conf, instance  # noqa: F401  (the lan fixture's class)

import pytest

TABLE = 100
TABLE2 = 101


@pytest.fixture
def lan(lab, procs, tmp_path):
    return VrrpLan(lab, procs, tmp_path)


STATIC = f"""
static_ipaddress {{
  198.18.5.1/32 dev eth0
  fd00:5::1/128 dev eth0
}}
static_routes {{
  198.19.50.0/24 via 198.18.0.254 dev eth0 table {TABLE}
  blackhole 198.19.51.0/24 table {TABLE}
  fd00:50::/64 via fd00::fe dev eth0 table {TABLE}
}}
static_rules {{
  from 198.18.60.0/24 table {TABLE} priority 1000
  from fd00:60::/64 table {TABLE} priority 1000
}}
"""

VIRTUAL = f"""
  virtual_routes {{
    198.19.70.0/24 via 198.18.0.253 or 198.18.0.252 dev eth0 table {TABLE}
    198.19.71.0/24 table {TABLE} nexthop via 198.18.0.253 dev eth0 weight 2 nexthop via 198.18.0.252 dev eth0 weight 3
    unreachable 198.19.72.0/24 table {TABLE}
    198.19.73.0/24 dev eth0 table {TABLE} mtu lock 1400 metric 5 protocol bird
    default via 198.18.0.254 table {TABLE2}
    fd00:70::/64 via fd00::fe dev eth0 table {TABLE} pref high expires 3600
  }}
  virtual_rules {{
    from 198.18.80.0/24 table {TABLE} priority 2000
    to 198.19.80.0/24 fwmark 5/0xff ipproto tcp dport 80-90 goto 3000 priority 2001
    not from 198.18.81.0/24 table {TABLE} priority 2002
    from 198.18.82.0/24 table {TABLE} uidrange 100-200 suppress_prefixlength 0 priority 2003
  }}
"""


def routes(ns, table, family="-4"):
    return ns.ip(family, "-o", "route", "show", "table", str(table)).stdout


def rules(ns, family="-4"):
    return ns.ip(family, "rule", "show").stdout


def static_installed(ns):
    addrs = ns.ip("-o", "addr", "show", "dev", "eth0").stdout
    return ("198.18.5.1/32" in addrs and "fd00:5::1/128" in addrs
            and "198.19.50.0/24 via 198.18.0.254 dev eth0" in routes(ns, TABLE)
            and "blackhole 198.19.51.0/24" in routes(ns, TABLE)
            and "fd00:50::/64 via fd00::fe dev eth0" in routes(ns, TABLE, "-6")
            and "1000:\tfrom 198.18.60.0/24 lookup 100" in rules(ns)
            and "1000:\tfrom fd00:60::/64 lookup 100" in rules(ns, "-6"))


def static_removed(ns):
    addrs = ns.ip("-o", "addr", "show", "dev", "eth0").stdout
    return ("198.18.5.1/" not in addrs and "fd00:5::1/" not in addrs
            and "198.19.5" not in routes(ns, TABLE) and "fd00:50::" not in routes(ns, TABLE, "-6")
            and "1000:" not in rules(ns) and "1000:" not in rules(ns, "-6"))


def virtual_installed(ns):
    t = routes(ns, TABLE)
    r = rules(ns)
    return ("198.19.70.0/24" in t and "nexthop via 198.18.0.253 dev eth0 weight 1" in t
            and "nexthop via 198.18.0.252 dev eth0 weight 1" in t
            and "nexthop via 198.18.0.253 dev eth0 weight 2" in t
            and "nexthop via 198.18.0.252 dev eth0 weight 3" in t
            and "unreachable 198.19.72.0/24" in t
            and "198.19.73.0/24 dev eth0 proto bird scope link metric 5 mtu lock 1400" in t
            and "default via 198.18.0.254 dev eth0" in routes(ns, TABLE2)
            and "fd00:70::/64 via fd00::fe dev eth0" in routes(ns, TABLE, "-6")
            and "pref high" in routes(ns, TABLE, "-6") and "expires " in routes(ns, TABLE, "-6")
            and "2000:\tfrom 198.18.80.0/24 lookup 100" in r
            and "2001:\tfrom all to 198.19.80.0/24 fwmark 0x5/0xff ipproto tcp dport 80-90 goto 3000" in r
            and "2002:\tnot from 198.18.81.0/24 lookup 100" in r
            and "2003:\tfrom 198.18.82.0/24 uidrange 100-200 lookup 100 suppress_prefixlength 0" in r)


def virtual_removed(ns):
    t = routes(ns, TABLE)
    r = rules(ns)
    return ("198.19.7" not in t and routes(ns, TABLE2).strip() == "" and "fd00:70::" not in routes(ns, TABLE, "-6")
            and not any(f"{p}:" in r for p in (2000, 2001, 2002, 2003)))


def describe(ns):
    return (f"table {TABLE}:\n{routes(ns, TABLE)}{routes(ns, TABLE, '-6')}table {TABLE2}:\n{routes(ns, TABLE2)}"
            f"rules:\n{rules(ns)}{rules(ns, '-6')}")


def test_virtual_routes_and_rules_follow_master_and_static_ones_the_agent(lan):
    lb1 = lan.nodes["lb1"]
    agent = lan.start_xdplbd("lb1", STATIC + conf(instance(100, extra=VIRTUAL)))
    # Static items are in place from the start, before the instance is MASTER.
    wait_until(lambda: static_installed(lb1), 10, what="static address, routes and rules installed")
    wait_until(lambda: "(VI_1) Entering MASTER STATE" in agent.log(), 10, what="xdplbd MASTER")
    wait_until(lambda: virtual_installed(lb1), 5, what="virtual routes and rules installed by the MASTER")
    # A higher-priority keepalived preempts: lb1 goes BACKUP and takes its routes and rules away.
    ka = lan.start_keepalived("lb2", conf(instance(150)))
    lan.assert_master("lb2")
    wait_until(lambda: virtual_removed(lb1), 5, what="virtual routes and rules removed on BACKUP")
    assert static_installed(lb1), describe(lb1)
    # keepalived goes: lb1 is MASTER again and puts them back.
    ka.crash()
    wait_until(lambda: virtual_installed(lb1), 10, what="virtual routes and rules back with MASTER")
    # A graceful stop removes everything the agent installed.
    agent.send_signal(signal.SIGTERM)
    assert agent.wait(10) == 0
    assert virtual_removed(lb1), describe(lb1)
    assert static_removed(lb1), describe(lb1)


def test_reload_applies_the_difference_of_static_routes_and_rules(lan):
    lb1 = lan.nodes["lb1"]
    path = lan.workdir / "xdplbd-lb1.conf"
    agent = lan.start_xdplbd("lb1", STATIC + conf(instance(100)))
    wait_until(lambda: static_installed(lb1), 10, what="static items installed")
    changed = (STATIC.replace("blackhole 198.19.51.0/24", "prohibit 198.19.52.0/24")
               .replace("from 198.18.60.0/24 table 100 priority 1000", "from 198.18.61.0/24 table 100 priority 1001"))
    path.write_text(changed + conf(instance(100)))
    # As an operator reloads: xdplbctl's plain answer names what changed.
    answer = run([bin_path("xdplbctl"), "--instance", f"{lan.lab.tag}-lb1", "reload"], check=False)
    assert answer.returncode == 0, answer.stderr
    lines = answer.stdout.splitlines()
    assert lines[0].startswith("reloaded ") and lines[0].endswith("xdplbd-lb1.conf: 4 changes"), answer.stdout
    changes = [line.strip() for line in lines[1:] if not line.strip().startswith("warning: ")]
    warnings = [line.strip() for line in lines[1:] if line.strip().startswith("warning: ")]
    # The new prohibit route has no dev: the reload says what keepalived's -t would report of it.
    assert len(warnings) == 1 and warnings[0].endswith(
        ":8:3: warning: a route without 'dev': keepalived 2.2.7 reports that it cannot track it; xdplb tracks "
        "no route, so this changes nothing (write 'no_track' or 'dev IF' to quiet keepalived's -t)"), answer.stdout
    assert sorted(changes) == [
        "static route blackhole 198.19.51.0/24 table 100 removed",
        "static route prohibit 198.19.52.0/24 table 100 added",
        "static rule from 198.18.60.0/24 lookup 100 priority 1000 removed",
        "static rule from 198.18.61.0/24 lookup 100 priority 1001 added",
    ], answer.stdout
    wait_until(lambda: "prohibit 198.19.52.0/24" in routes(lb1, TABLE), 10, what="new static route added")
    wait_until(lambda: "1001:\tfrom 198.18.61.0/24 lookup 100" in rules(lb1), 5, what="new static rule added")
    assert "198.19.51.0/24" not in routes(lb1, TABLE), describe(lb1)
    assert "1000:\tfrom 198.18.60.0/24" not in rules(lb1), describe(lb1)
    # What did not change stayed.
    assert "198.19.50.0/24 via 198.18.0.254 dev eth0" in routes(lb1, TABLE)
    assert "1000:\tfrom fd00:60::/64 lookup 100" in rules(lb1, "-6")
    agent.send_signal(signal.SIGTERM)
    assert agent.wait(10) == 0
    assert "198.19.5" not in routes(lb1, TABLE), describe(lb1)
    assert "1001:" not in rules(lb1) and "1000:" not in rules(lb1, "-6"), describe(lb1)


def test_crash_leftovers_of_virtual_routes_and_rules_go_at_start(lan):
    lb1 = lan.nodes["lb1"]
    agent = lan.start_xdplbd("lb1", conf(instance(100, extra=VIRTUAL)))
    wait_until(lambda: virtual_installed(lb1), 10, what="virtual routes and rules installed")
    agent.kill_group()
    agent.wait(5)
    assert not virtual_removed(lb1)  # kill -9: nothing removed them
    ka = lan.start_keepalived("lb2", conf(instance(150)))
    lan.assert_master("lb2", crashed="lb1")
    agent2 = lan.start_xdplbd("lb1", conf(instance(100, extra=VIRTUAL)))
    wait_until(lambda: "(VI_1) Entering BACKUP STATE" in agent2.log(), 10, what="xdplbd in BACKUP")
    assert virtual_removed(lb1), describe(lb1)
    assert "removed leftover rule" in agent2.log()
    assert ka.entered("MASTER") >= 1


def test_keepalived_takes_the_forms_this_file_installs(lan, tmp_path):
    """The routes and rules above are keepalived 2.2.7's grammar: its own -t (which needs the
    interfaces, hence lb1) has nothing to say about them but that it would not track some."""
    path = tmp_path / "keepalived-forms.conf"
    path.write_text(STATIC + conf(instance(100, extra=VIRTUAL)))
    p = lan.nodes["lb1"].run("keepalived", "-t", "-f", str(path), "-l", "-D", "-n", check=False)
    allowed = ("cannot track route", "Route cannot be tracked", '"or" for routes is deprecated')
    complaints = [line for line in (p.stdout + p.stderr).splitlines()
                  if line.strip() and not any(a in line for a in allowed)]
    assert '"or" for routes is deprecated' in p.stdout + p.stderr  # it did read the routes
    assert complaints == [], "\n".join(complaints)
