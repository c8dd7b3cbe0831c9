"""pytest fixtures for namespace scenarios: a fresh Lab and ProcessLauncher per test.

Every test gets its own uniquely named namespaces; teardown stops the processes and deletes the lab
on every exit path. When a test fails, the logs of every process it started are attached to the
report.

Tests run in parallel (pytest-xdist, `-n N`): nothing of one test is shared with another, every name is
the lab's (namespaces, pins, control sockets, pid files) and every file is under its tmp_path. A test
that measures timing under load or makes load itself is marked `serial`: it runs alone, in a separate
invocation (`-m serial`, as tools/test.sh does), and refuses to run in a parallel worker.
"""
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools" / "lab"))

from xdplab import Lab, ProcessLauncher, hold_pin_root  # noqa: E402


def pytest_configure(config):
    if os.geteuid() != 0:
        pytest.exit("namespace tests need root", returncode=4)
    config.addinivalue_line(
        "markers", "serial: runs alone (times something under load, or floods): never in a parallel worker")


def pytest_runtest_setup(item):
    if item.get_closest_marker("serial") and hasattr(item.config, "workerinput"):
        pytest.fail("a serial test runs alone: deselect it here (-m 'not serial') and run it without -n "
                    "(-m serial), as tools/test.sh does", pytrace=False)


@pytest.fixture(scope="session", autouse=True)
def pin_root():
    # /sys/fs/bpf/xdplb stays while this worker's agents start and stop (see hold_pin_root).
    with hold_pin_root() as anchor:
        yield anchor


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    launcher = getattr(item, "_xdplab_launcher", None)
    if launcher is not None and rep.failed:
        rep.sections.append(("process logs", launcher.logs()))


@pytest.fixture
def procs(request, tmp_path):
    launcher = ProcessLauncher(tmp_path / "logs")
    request.node._xdplab_launcher = launcher
    yield launcher
    launcher.stop_all()


@pytest.fixture
def lab(procs):
    # Depends on procs so that processes stop before their namespaces go away.
    with Lab() as the_lab:
        yield the_lab
    # An agent stopped by kill -9 (crash tests) leaves its control socket and instance lock; every
    # instance of this test is named after the lab's tag.
    for leftover in Path("/run/xdplb").glob(f"{the_lab.tag}-*"):
        leftover.unlink(missing_ok=True)
