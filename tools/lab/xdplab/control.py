"""xdplbctl as the tests use it: JSON answers, and after every reload the operator's self-check
(`xdplbctl verify`, in plain and JSON form) must find the live maps equal to the intended state."""
import json

from .paths import bin_path
from .topology import run
from .wait import wait_until

# A reload that adds a real server leaves it out of the ring until its MAC is resolved: verify says
# so, and the test waits that long for a clean answer.
VERIFY_SETTLE_SECONDS = 5


def ctl(agent, *args, check=True):
    """Runs `xdplbctl --json ARGS` against `agent`; with check, asserts success and returns the JSON.
    A successful reload is followed by verify_clean."""
    p = run([bin_path("xdplbctl"), "--instance", agent.instance, "--json", *args], check=False)
    if not check:
        return p
    assert p.returncode == 0, p.stderr
    answer = json.loads(p.stdout)
    if args and args[0] == "reload":
        verify_clean(agent)
    return answer


def verify_clean(agent, timeout=VERIFY_SETTLE_SECONDS):
    """Waits until `xdplbctl verify` exits 0 and prints its OK line; fails with every difference."""
    def clean():
        plain = run([bin_path("xdplbctl"), "--instance", agent.instance, "verify"], check=False)
        if plain.returncode != 0:
            raise AssertionError(f"xdplbctl verify exited {plain.returncode}:\n{plain.stdout}{plain.stderr}")
        assert plain.stdout.startswith("OK: the data plane serves what the agent intends"), plain.stdout
        answer = json.loads(run([bin_path("xdplbctl"), "--instance", agent.instance, "--json", "verify"]).stdout)
        assert answer["discrepancies"] == [], answer
        return answer
    return wait_until(clean, timeout, interval=0.2, what=f"xdplbctl verify clean on {agent.instance}")
