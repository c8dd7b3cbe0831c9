"""VRRP track_file (issue 14): a file's value drives an xdplbd instance against a keepalived 2.2.7
peer. With weight 0 a non-zero value is FAULT; with a weight, value x weight moves the priority. The
file is written in place or renamed into place; the agent sees it through inotify."""
import signal
import time

from test_vrrp import conf, instance, lan  # noqa: F401 (lan is the fixture)
from xdplab import wait_until


def track_file_block(path, weight):
    return f"""
track_file state {{
  file {path}
  weight {weight}
}}
"""


def test_track_file_non_zero_value_is_fault_and_zero_recovers(lan, tmp_path):
    state = tmp_path / "state"
    state.write_text("0\n")
    agent = lan.start_xdplbd("lb1", conf(instance(150, version=3, advert="0.1",
                                                   extra="track_file {\n    state\n  }")) + track_file_block(state, 0))
    lan.assert_master("lb1")
    lan.start_keepalived("lb2", conf(instance(120, version=3, advert="0.1")))
    time.sleep(1)
    assert lan.holders() == ["lb1"]
    tmp = tmp_path / "state.new"
    tmp.write_text("1\n")
    tmp.rename(state)  # renamed into place
    lan.assert_master("lb2", timeout=5)
    assert "(VI_1) Entering FAULT STATE" in agent.log()
    state.write_text("0\n")  # written in place
    lan.assert_master("lb1", timeout=5)


def test_sync_group_track_file_weight_moves_the_priority(lan, tmp_path):
    state = tmp_path / "state"
    state.write_text("0\n")
    tracking = track_file_block(state, -6) + """
vrrp_sync_group G1 {
  group {
    VI_1
  }
  track_file {
    state
  }
}
"""
    agent = lan.start_xdplbd("lb1", conf(instance(150, version=3, advert="0.1")) + tracking)
    lan.assert_master("lb1")
    lan.start_keepalived("lb2", conf(instance(120, version=3, advert="0.1")))
    time.sleep(1)
    assert lan.holders() == ["lb1"]
    state.write_text("10\n")  # 10 x -6: priority 90
    lan.assert_master("lb2", timeout=5)
    assert "priority changed from 150 to 90" in agent.log()
    state.write_text("0\n")
    lan.assert_master("lb1", timeout=5)


def test_init_file_at_start_and_on_reload_as_keepalived(lan, tmp_path):
    """keepalived 2.2.7, measured: init_file writes at start (always with overwrite); on a reload a
    missing file is written again and an existing one is left as it is, also with overwrite."""
    kept, created = tmp_path / "kept", tmp_path / "created"
    kept.write_text("4\n")
    blocks = f"""
track_file kept {{
  file {kept}
  weight 0
  init_file 0 overwrite
}}
track_file created {{
  file {created}
  weight 0
  init_file 0
}}
"""
    agent = lan.start_xdplbd("lb1", conf(instance(150, version=3, advert="0.1",
                                                   extra="track_file {\n    kept\n    created\n  }")) + blocks)
    lan.assert_master("lb1")
    assert kept.read_text() == "0\n"  # overwrite at start
    assert created.read_text() == "0\n"  # created at start
    kept.write_text("0 \n")  # still 0: no fault, but not what init_file writes
    created.unlink()
    agent.send_signal(signal.SIGHUP)
    wait_until(lambda: "reload of" in agent.log(), 10, what="the reload applied")
    assert kept.read_text() == "0 \n"  # not overwritten on a reload
    wait_until(created.exists, 5, what="the missing track file written again")
    assert created.read_text() == "0\n"
    lan.assert_master("lb1")
