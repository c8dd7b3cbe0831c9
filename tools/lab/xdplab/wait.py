"""Polling with a deadline: the only way tests wait for something to happen."""
import time


class TimeoutExpired(AssertionError):
    pass


def wait_until(condition, timeout: float, interval: float = 0.05, what: str = None):
    """Calls condition() until it returns a truthy value, which is returned.

    Raises TimeoutExpired (an AssertionError, so pytest reports it as a failure) naming `what`
    and the last value seen when the deadline passes. Exceptions from condition() count as "not yet"
    until the deadline; the last one is reported.
    """
    deadline = time.monotonic() + timeout
    last, last_exc = None, None
    while True:
        try:
            last = condition()
            last_exc = None
            if last:
                return last
        except Exception as e:  # noqa: BLE001 - reported below
            last_exc = e
        if time.monotonic() >= deadline:
            desc = what or getattr(condition, "__name__", "condition")
            detail = f"last exception: {last_exc!r}" if last_exc else f"last value: {last!r}"
            raise TimeoutExpired(f"timed out after {timeout:.1f}s waiting for {desc} ({detail})")
        time.sleep(interval)
