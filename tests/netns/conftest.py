"""pytest fixtures for namespace scenarios: a fresh Lab and ProcessLauncher per test.

Every test gets its own uniquely named namespaces; teardown stops the processes and deletes the lab
on every exit path. When a test fails, the logs of every process it started are attached to the
report.
"""
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools" / "lab"))

from xdplab import Lab, ProcessLauncher  # noqa: E402


def pytest_configure(config):
    if os.geteuid() != 0:
        pytest.exit("namespace tests need root", returncode=4)


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
