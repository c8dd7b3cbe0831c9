"""The Debian package, end to end on this machine's real root (no namespaces): tools/package.sh makes
the .deb from an existing build ($XDPLB_BUILD_DIR, default build/), `apt-get install` installs it,
the installed commands, man pages, unit and completion work, nothing starts, and a purge leaves
nothing behind. The package is purged on every exit path.

Needs root, dpkg-dev, help2man, pandoc, man-db and systemd-analyze (tools/setup.sh). Refuses to run
where an xdplb package is installed already: it would replace the operator's.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("XDPLB_BUILD_DIR", REPO / "build")).resolve()
EXAMPLES = Path("/usr/share/doc/xdplb/examples")
APT_ENV = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
APT_LOCK = ["-o", "DPkg::Lock::Timeout=120"]

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="installs a package: needs root")


def run(*argv, check=True, env=None, timeout=120):
    result = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, argv))} exited {result.returncode}\n"
                             f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}")
    return result


def installed(package):
    result = run("dpkg-query", "-W", "-f=${Status}", package, check=False)
    return result.returncode == 0 and "install ok installed" in result.stdout


def purge():
    # Also a package removed but not purged (its conffiles are still known to dpkg).
    packages = [p for p in ("xdplb-dbgsym", "xdplb") if run("dpkg-query", "-W", p, check=False).returncode == 0]
    if packages:
        run("apt-get", "remove", "--purge", "-y", *APT_LOCK, *packages, env=APT_ENV)


def agents_running_installed_binary():
    """Processes whose program is the packaged /usr/sbin/xdplbd (agents of other tests run the build's)."""
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if os.readlink(proc / "exe") == "/usr/sbin/xdplbd":
                    pids.append(int(proc.name))
            except OSError:
                pass
    return pids


def systemd_runs():
    return Path("/run/systemd/system").is_dir()


@pytest.fixture(scope="module")
def debs(tmp_path_factory):
    if installed("xdplb") or installed("xdplb-dbgsym"):
        pytest.fail("an xdplb package is installed on this machine already; this test would replace it")
    if not (BUILD / "CMakeCache.txt").is_file():
        pytest.fail(f"{BUILD} is not a build directory (set XDPLB_BUILD_DIR)")
    out = tmp_path_factory.mktemp("debs")
    made = run(str(REPO / "tools/package.sh"),
               env={**os.environ, "XDPLB_BUILD_DIR": str(BUILD), "OUT": str(out)}, timeout=600)
    paths = [Path(line) for line in made.stdout.split()]
    main = [p for p in paths if re.fullmatch(r"xdplb_[0-9][^_]*_amd64\.deb", p.name)]
    dbgsym = [p for p in paths if p.name.startswith("xdplb-dbgsym_")]
    assert len(main) == 1 and len(dbgsym) == 1, made.stdout
    return main[0], dbgsym[0]


@pytest.fixture(scope="module")
def package(debs):
    """The packages, installed; purged afterwards whatever happened."""
    deb, dbgsym = debs
    try:
        run("apt-get", "install", "-y", *APT_LOCK, str(deb), str(dbgsym), env=APT_ENV, timeout=300)
        yield deb
    finally:
        purge()


def test_package_contents(debs):
    deb, _ = debs
    listing = run("dpkg-deb", "-c", str(deb)).stdout
    for path in ("./usr/sbin/xdplbd", "./usr/sbin/xdplbctl", "./lib/systemd/system/xdplbd.service",
                 "./etc/default/xdplbd", "./usr/share/man/man8/xdplbd.8.gz",
                 "./usr/share/man/man8/xdplbctl.8.gz", "./usr/share/man/man5/xdplb.conf.5.gz",
                 "./usr/share/bash-completion/completions/xdplbctl",
                 "./usr/share/bash-completion/completions/xdplbd -> xdplbctl",
                 "./usr/share/doc/xdplb/README.md", "./usr/share/doc/xdplb/configuration.md",
                 "./usr/share/doc/xdplb/examples/keepalived-dr-master.conf"):
        assert path in listing, f"{path} is not in {deb.name}:\n{listing}"
    version = run(str(BUILD / "bin/xdplbd"), "--version").stdout.split()[-1]
    assert deb.name == f"xdplb_{version}_amd64.deb"
    fields = run("dpkg-deb", "-f", str(deb), "Depends", "Version").stdout
    assert "libbpf1" in fields and "libnl-route-3-200" in fields and f"Version: {version}" in fields
    assert run("dpkg-deb", "-f", str(deb), "Version").stdout.strip() == version


def test_installed_config_test_on_shipped_examples(package):
    for example in ("keepalived-dr-master.conf", "keepalived-dr-backup.conf",
                    "keepalived-http-master.conf", "keepalived-http-backup.conf"):
        result = run("/usr/sbin/xdplbd", "-t", "-f", str(EXAMPLES / example))
        assert result.stdout == "" and result.stderr == "", f"{example}: {result.stderr}"
    # The full example names scripts under /etc/xdplb/ that the package does not ship: each is
    # disabled with a warning, and the file is usable.
    result = run("/usr/sbin/xdplbd", "-t", "-f", str(EXAMPLES / "xdplb-full.conf"))
    lines = result.stderr.splitlines()
    assert lines, "xdplb-full.conf: expected the disabled-script warnings"
    for line in lines:
        assert re.fullmatch(r"/usr/share/doc/xdplb/examples/xdplb-full\.conf:\d+:\d+: warning: .* is "
                            r"disabled: cannot access /etc/xdplb/[a-z_-]+\.sh: No such file or directory",
                            line), line


def test_installed_commands(package):
    assert run("/usr/sbin/xdplbd", "--version").stdout.startswith("xdplbd ")
    help_text = run("/usr/sbin/xdplbctl", "--help").stdout
    assert "Subcommands:" in help_text and "drain" in help_text
    # No agent runs: a one-line answer and exit 1, not a crash.
    status = run("/usr/sbin/xdplbctl", "--instance", "xdplb-package-test", "status", check=False)
    assert status.returncode == 1 and "xdplb-package-test" in status.stderr


def test_man_pages_render(package):
    env = {**os.environ, "MANWIDTH": "80"}
    for args, heading, keyword in ((["8", "xdplbd"], "XDPLBD(8)", "--config-test"),
                                   (["8", "xdplbctl"], "XDPLBCTL(8)", "undrain"),
                                   (["5", "xdplb.conf"], "XDPLB.CONF(5)", "virtual_router_id")):
        text = run("man", *args, env=env).stdout
        assert heading in text and keyword in text, f"man {' '.join(args)}:\n{text[:500]}"


def test_unit_verifies(package):
    if shutil.which("systemd-analyze") is None:
        pytest.fail("systemd-analyze is missing (apt-get install systemd)")
    result = run("systemd-analyze", "verify", "/lib/systemd/system/xdplbd.service", check=False)
    assert result.returncode == 0 and result.stdout == "" and result.stderr == "", result.stderr
    unit = Path("/lib/systemd/system/xdplbd.service").read_text()
    assert "ExecStart=/usr/sbin/xdplbd --dont-fork --log-console -f /etc/xdplb/xdplb.conf $XDPLBD_OPTS" in unit
    assert "ConditionFileNotEmpty=/etc/xdplb/xdplb.conf" in unit


def test_conffile_and_debug_symbols(package):
    conffiles = run("dpkg-query", "-W", "-f=${Conffiles}", "xdplb").stdout
    assert "/etc/default/xdplbd" in conffiles
    for binary in ("/usr/sbin/xdplbd", "/usr/sbin/xdplbctl"):
        sections = run("readelf", "-S", "-W", binary).stdout
        assert ".debug_info" not in sections and ".symtab" not in sections, f"{binary} is not stripped"
        assert ".gnu_debuglink" in sections
        build_id = re.search(r"Build ID: ([0-9a-f]+)", run("readelf", "-n", binary).stdout).group(1)
        debug = Path(f"/usr/lib/debug/.build-id/{build_id[:2]}/{build_id[2:]}.debug")
        assert debug.is_file(), f"no debug symbols for {binary} at {debug}"
        assert ".debug_info" in run("readelf", "-S", "-W", str(debug)).stdout


def test_bash_completion_loads(package):
    result = run("bash", "-c", "source /usr/share/bash-completion/completions/xdplbd && complete -p xdplbd xdplbctl")
    assert "-F _xdplbd xdplbd" in result.stdout and "-F _xdplbctl xdplbctl" in result.stdout


def test_nothing_started(package):
    assert agents_running_installed_binary() == []
    if systemd_runs():
        active = run("systemctl", "is-active", "xdplbd.service", check=False).stdout.strip()
        assert active != "active", "installing the package started xdplbd"


def test_purge_leaves_nothing(package):
    owned = [line for line in run("dpkg", "-L", "xdplb").stdout.splitlines()
             if line and not Path(line).is_dir()]
    assert "/usr/sbin/xdplbd" in owned
    purge()
    assert run("dpkg", "-L", "xdplb", check=False).returncode != 0, "xdplb is still known to dpkg"
    assert not installed("xdplb-dbgsym")
    left = [path for path in owned if os.path.lexists(path)]
    assert left == [], f"left after purge: {left}"
    for path in ("/etc/default/xdplbd", "/etc/xdplb", "/var/lib/xdplb", "/usr/share/doc/xdplb",
                 "/lib/systemd/system/xdplbd.service"):
        assert not os.path.lexists(path), f"{path} is left after purge"
