"""The Debian package, end to end on this machine's real root (no namespaces): tools/package.sh makes
the .deb from an existing build ($XDPLB_BUILD_DIR, default build/), `apt-get install` installs it,
the installed commands, man pages, unit and completion work, the unit is enabled but nothing starts
(there is no configuration), and a purge leaves nothing behind. The package is purged on every exit
path, also on SIGTERM and SIGHUP.

Needs root, dpkg-dev, help2man, pandoc, man-db and systemd-analyze (tools/setup.sh). Refuses to run
where an xdplb package is installed already: it would replace the operator's.
"""

import os
import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("XDPLB_BUILD_DIR", REPO / "build")).resolve()
EXAMPLES = Path("/usr/share/doc/xdplb/examples")
APT_ENV = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
APT_LOCK = ["-o", "DPkg::Lock::Timeout=120"]

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="installs a package: needs root")

# Where the maintainer scripts and dpkg leave traces outside the package's own files: systemd's
# enablement links and deb-systemd-helper's state, the agent's directories.
TRACES = [Path(p) for p in ("/etc/systemd/system", "/var/lib/systemd/deb-systemd-helper-enabled",
                            "/var/lib/systemd/deb-systemd-helper-masked", "/etc/xdplb", "/var/lib/xdplb",
                            "/etc/default/xdplbd")]


def _interrupted(signum, _frame):
    # SIGTERM or SIGHUP (a CI timeout, a closed terminal) end the run like Ctrl-C, so that pytest
    # tears the fixtures down and the package is purged.
    raise KeyboardInterrupt(f"signal {signum}")


signal.signal(signal.SIGTERM, _interrupted)
signal.signal(signal.SIGHUP, _interrupted)


def snapshot(paths):
    """Every path under PATHS (the paths themselves included) that exists."""
    found = set()
    for root in paths:
        if os.path.lexists(root):
            found.add(str(root))
        if root.is_dir() and not root.is_symlink():
            for directory, subdirs, files in os.walk(root):
                found.update(os.path.join(directory, name) for name in subdirs + files)
    return found


def installed_packages():
    return set(run("dpkg-query", "-W", "-f=${binary:Package}\n").stdout.split())


def run(*argv, check=True, env=None, timeout=120):
    result = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, argv))} exited {result.returncode}\n"
                             f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}")
    return result


def config_test(path):
    """The installed `xdplbd -t -f PATH` in a network namespace of its own with the interfaces the
    examples name (eth0 to eth3), so that its answer does not depend on this machine's interfaces.
    The namespace goes with the command."""
    return run("unshare", "--net", "sh", "-c",
               "ip link add eth0 type veth peer name eth1 && ip link add eth2 type veth peer name eth3 && "
               'exec "$@"', "sh", "/usr/sbin/xdplbd", "-t", "-f", str(path))


def known_to_dpkg(package):
    """Installed, or removed with its conffiles kept ("rc"): either way the operator's."""
    result = run("dpkg-query", "-W", "-f=${db:Status-Abbrev}", package, check=False)
    return result.returncode == 0 and result.stdout[:2] not in ("", "un", "pn")


def purge():
    # Also a package removed but not purged (its conffiles are still known to dpkg).
    packages = [p for p in ("xdplb-dbgsym", "xdplb") if run("dpkg-query", "-W", p, check=False).returncode == 0]
    if packages:
        run("apt-get", "purge", "-y", *APT_LOCK, *packages, env=APT_ENV)


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
def debs():
    if known_to_dpkg("xdplb") or known_to_dpkg("xdplb-dbgsym"):
        pytest.fail("an xdplb package is installed on this machine already (or removed with its "
                    "configuration kept); this test would replace and purge it")
    if not (BUILD / "CMakeCache.txt").is_file():
        pytest.fail(f"{BUILD} is not a build directory (set XDPLB_BUILD_DIR)")
    # Not pytest's tmp_path: it keeps the last runs' directories, and these packages are 40 MB.
    out = Path(tempfile.mkdtemp(prefix="xdplb-debs."))
    try:
        made = run(str(REPO / "tools/package.sh"),
                   env={**os.environ, "XDPLB_BUILD_DIR": str(BUILD), "OUT": str(out)}, timeout=600)
        paths = [Path(line) for line in made.stdout.split()]
        main = [p for p in paths if re.fullmatch(r"xdplb_[0-9][^_]*_amd64\.deb", p.name)]
        dbgsym = [p for p in paths if p.name.startswith("xdplb-dbgsym_")]
        assert len(main) == 1 and len(dbgsym) == 1, made.stdout
        yield main[0], dbgsym[0]
    finally:
        shutil.rmtree(out, ignore_errors=True)


def directories_in(deb):
    """The directories a .deb holds, as absolute paths ("./usr/share/doc/xdplb/" -> "/usr/share/doc/xdplb")."""
    listing = run("dpkg-deb", "-c", str(deb)).stdout.splitlines()
    return {line.split()[5].rstrip("/")[1:] for line in listing if line.startswith("d")} - {""}


@pytest.fixture(scope="module")
def machine_before(debs):
    """What the machine looked like before the install: traces, installed packages, and which of
    the packages' directories existed."""
    existing = {d for deb in debs for d in directories_in(deb) if os.path.isdir(d)}
    return snapshot(TRACES), installed_packages(), existing


@pytest.fixture(scope="module")
def package(debs, machine_before):
    """The packages, installed; purged afterwards whatever happened, with any package apt-get
    pulled in for them."""
    deb, dbgsym = debs
    traces_before, packages_before, _ = machine_before
    try:
        run("apt-get", "install", "-y", "--no-install-recommends", *APT_LOCK, str(deb), str(dbgsym),
            env=APT_ENV, timeout=300)
        yield deb
    finally:
        purge()
        pulled_in = installed_packages() - packages_before
        if pulled_in:
            run("apt-get", "purge", "-y", *APT_LOCK, *sorted(pulled_in), env=APT_ENV, check=False)
        # What a faulty purge left (test_purge_leaves_nothing fails on it): gone too, deepest first.
        for path in sorted(snapshot(TRACES) - traces_before, key=len, reverse=True):
            if "xdplb" in path:
                if os.path.isdir(path) and not os.path.islink(path):
                    shutil.rmtree(path, ignore_errors=True)
                elif os.path.lexists(path):
                    os.unlink(path)


def test_package_contents(debs):
    deb, _ = debs
    listing = run("dpkg-deb", "-c", str(deb)).stdout
    for path in ("./usr/sbin/xdplbd", "./usr/sbin/xdplbctl", "./lib/systemd/system/xdplbd.service",
                 "./etc/default/xdplbd", "./usr/share/man/man8/xdplbd.8.gz",
                 "./usr/share/man/man8/xdplbctl.8.gz", "./usr/share/man/man5/xdplb.conf.5.gz",
                 "./usr/share/bash-completion/completions/xdplbctl",
                 "./usr/share/bash-completion/completions/xdplbd -> xdplbctl",
                 "./usr/share/doc/xdplb/README.md", "./usr/share/doc/xdplb/configuration.md",
                 "./usr/share/doc/xdplb/install.md", "./usr/share/doc/xdplb/changelog.Debian.gz",
                 "./usr/share/doc/xdplb/examples/keepalived-dr-master.conf"):
        assert path in listing, f"{path} is not in {deb.name}:\n{listing}"
    version = run(str(BUILD / "bin/xdplbd"), "--version").stdout.split()[-1]
    assert deb.name == f"xdplb_{version}_amd64.deb"
    fields = run("dpkg-deb", "-f", str(deb), "Depends", "Version").stdout
    assert "libbpf1" in fields and "libnl-route-3-200" in fields and f"Version: {version}" in fields
    assert re.search(r"\bprocps\b", fields), "no Depends on procps (the unit's ExecReload runs /bin/kill)"
    assert run("dpkg-deb", "-f", str(deb), "Version").stdout.strip() == version


def test_installed_config_test_on_shipped_examples(package):
    for example in ("keepalived-dr-master.conf", "keepalived-dr-backup.conf",
                    "keepalived-http-master.conf", "keepalived-http-backup.conf"):
        result = config_test(EXAMPLES / example)
        assert result.stdout == "" and result.stderr == "", f"{example}: {result.stderr}"
    # The full example names scripts under /etc/xdplb/ that the package does not ship: each is
    # disabled with a warning, and the file is usable. Its TUN and fwmark services are named as not
    # served.
    result = config_test(EXAMPLES / "xdplb-full.conf")
    lines = result.stderr.splitlines()
    assert lines, "xdplb-full.conf: expected the disabled-script warnings"
    not_served = [line for line in lines if "is not served" in line]
    assert [re.sub(r".*: warning: ", "", line) for line in not_served] == [
        "virtual_server is not served: lb_kind TUN is not implemented yet (DR and NAT are)",
        "virtual_server fwmark 9 is not served: XDP runs before netfilter marks packets"], not_served
    for line in lines:
        if line in not_served:
            continue
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


def test_reinstall_keeps_the_operators_options(package):
    # An upgrade (here a reinstall of the same version: prerm upgrade, postinst configure OLD) keeps
    # an edited conffile and the enablement.
    deb = package
    options = Path("/etc/default/xdplbd")
    original = options.read_text()
    try:
        options.write_text(original + 'XDPLBD_OPTS="--keep-pins"\n')
        run("apt-get", "install", "-y", "--reinstall", *APT_LOCK, "-o", "Dpkg::Options::=--force-confold",
            str(deb), env=APT_ENV, timeout=300)
        assert options.read_text().endswith('XDPLBD_OPTS="--keep-pins"\n')
        assert Path("/etc/systemd/system/multi-user.target.wants/xdplbd.service").is_symlink()
    finally:
        options.write_text(original)


def test_enabled_but_nothing_started(package):
    # Enabled as keepalived's package does (it starts at boot once a configuration exists) ...
    assert Path("/etc/systemd/system/multi-user.target.wants/xdplbd.service").is_symlink()
    # ... and not started: there is no configuration.
    assert not Path("/etc/xdplb/xdplb.conf").exists()
    assert agents_running_installed_binary() == []
    if systemd_runs():
        active = run("systemctl", "is-active", "xdplbd.service", check=False).stdout.strip()
        assert active != "active", "installing the package started xdplbd"


def test_purge_leaves_nothing(package, machine_before):
    traces_before, _, dirs_before = machine_before
    listed = sorted({os.path.normpath(line) for name in ("xdplb", "xdplb-dbgsym")
                     for line in run("dpkg", "-L", name).stdout.splitlines() if line.startswith("/")} - {"/"})
    assert "/usr/sbin/xdplbd" in listed and "/etc/default/xdplbd" in listed
    # The package's directories that it created (not /usr, /etc, ...: those were there before).
    created_dirs = [path for path in listed if Path(path).is_dir() and path not in dirs_before]
    assert "/usr/share/doc/xdplb" in created_dirs
    files = [path for path in listed if not Path(path).is_dir()]
    # A removal keeps the conffile, and nothing else of the package's.
    run("apt-get", "remove", "-y", *APT_LOCK, "xdplb", "xdplb-dbgsym", env=APT_ENV)
    assert Path("/etc/default/xdplbd").is_file(), "apt-get remove took the conffile /etc/default/xdplbd"
    left = [path for path in files if os.path.lexists(path) and path != "/etc/default/xdplbd"]
    assert left == [], f"left after remove: {left}"
    purge()
    assert run("dpkg-query", "-W", "xdplb", check=False).returncode != 0, "xdplb is still known to dpkg"
    assert run("dpkg-query", "-W", "xdplb-dbgsym", check=False).returncode != 0
    left = [path for path in files + created_dirs if os.path.lexists(path)]
    assert left == [], f"left after purge: {left}"
    traces = snapshot(TRACES)
    assert traces - traces_before == set(), f"left after purge: {sorted(traces - traces_before)}"


