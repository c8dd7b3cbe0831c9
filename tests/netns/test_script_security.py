"""Who runs a script (issues 12 and 21): under enable_script_security with script_user nobody a notify
script really runs as nobody, and a world-writable script that would run as root is disabled - never
run - with a log line that says why, while the rest of the configuration runs."""
import pwd
import shutil
import tempfile
from pathlib import Path

import pytest

from xdplab import DrLab, configs, wait_until

VIP = "198.18.0.100"


@pytest.fixture
def script_dir():
    """A per-run directory nobody can reach: /tmp is sticky, the directory root-owned 0755. The
    scripts' output goes to a 0777 subdirectory so that nobody may write there."""
    path = Path(tempfile.mkdtemp(prefix="xdplb-script-security-", dir="/tmp"))
    path.chmod(0o755)
    out = path / "out"
    out.mkdir()
    out.chmod(0o777)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def write_script(path, body, mode):
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(mode)
    return path


def test_notify_runs_as_script_user_and_an_unsafe_root_script_is_disabled(lab, procs, tmp_path, script_dir):
    nobody = pwd.getpwnam("nobody").pw_uid
    out = script_dir / "out"
    # Written aside and renamed: the test may look between the shell's open (which truncates) and
    # its write, and `notify` runs on the BACKUP transition too, rewriting uid-any.
    as_user = write_script(script_dir / "as-user.sh",
                           f'id -u > {out}/.uid-$1.$$ && mv {out}/.uid-$1.$$ {out}/uid-$1\n', 0o755)
    unsafe = write_script(script_dir / "unsafe.sh", f'touch {out}/unsafe-ran\n', 0o777)

    dr = DrLab(lab, procs, tmp_path, servers=1)
    config = f"""global_defs {{
    router_id LB1
    enable_script_security
    script_user nobody
}}

""" + configs.vrrp_instance("VI_1", 51, 100, [f"{VIP}/32"], state="MASTER",
                            extra=f'    notify_master "{as_user} master"\n'
                                  f'    notify_backup "{unsafe}" root\n'
                                  f'    notify "{as_user} any"\n')
    agent = dr.start_agent(dr.lbs[0], dr.write_config("lb1.conf", config))
    wait_until(lambda: (out / "uid-master").exists() and (out / "uid-any").exists(), 15,
               what="the notify scripts of the MASTER transition")
    assert (out / "uid-master").read_text().strip() == str(nobody)
    assert (out / "uid-any").read_text().strip() == str(nobody)
    # The backup transition came first (an instance starts in BACKUP); its script was disabled.
    assert not (out / "unsafe-ran").exists()
    assert "notify_backup is disabled: unsafe permissions" in agent.log()
    assert f"{unsafe} is writable by everyone (mode 0777)" in agent.log()
    assert agent.stop() == 0
    assert not (out / "unsafe-ran").exists()
