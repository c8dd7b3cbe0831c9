"""Processes a lab starts: each one logged to its own file, stopped by PID, shown when a test fails."""
import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path


class Process:
    def __init__(self, name, argv, log_path, popen):
        self.name = name
        self.argv = argv
        self.log_path = Path(log_path)
        self.popen = popen
        self.pid = popen.pid

    def alive(self):
        return self.popen.poll() is None

    @property
    def returncode(self):
        return self.popen.poll()

    def log(self):
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def send_signal(self, sig):
        if self.alive():
            os.kill(self.pid, sig)

    def kill_group(self, sig=signal.SIGKILL):
        """Signals the process and every child it started (its own session): a crash, not a stop."""
        if self.alive():
            try:
                os.killpg(self.pid, sig)
            except ProcessLookupError:
                pass

    def stop(self, timeout=10.0, sig=signal.SIGTERM):
        """Asks the process to stop, waits, then kills its group. Returns the exit status."""
        if self.alive():
            self.send_signal(sig)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill_group(signal.SIGKILL)
                self.popen.wait(5)
        # Children left behind in its session (scripts it started) go too.
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        return self.popen.returncode

    def wait(self, timeout):
        return self.popen.wait(timeout)


class ProcessLauncher:
    """Starts processes (optionally inside a namespace), keeps their logs, stops them all."""

    def __init__(self, log_dir=None):
        self.log_dir = Path(log_dir or tempfile.mkdtemp(prefix="xdplab-logs-"))
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.processes = []

    def start(self, name, argv, ns=None, share_bpffs=False, env=None, cwd=None):
        argv = [str(a) for a in argv]
        full = ns.argv(argv, share_bpffs=share_bpffs) if ns is not None else argv
        log_path = self.log_dir / f"{len(self.processes):02d}-{name}.log"
        with open(log_path, "wb") as log:
            log.write(f"$ {' '.join(full)}\n".encode())
            log.flush()
            popen = subprocess.Popen(full, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     start_new_session=True, env={**os.environ, **(env or {})}, cwd=cwd)
        proc = Process(name, full, log_path, popen)
        self.processes.append(proc)
        return proc

    def stop_all(self):
        for p in reversed(self.processes):
            p.stop(timeout=5)

    def logs(self):
        out = []
        for p in self.processes:
            status = "running" if p.alive() else f"exit {p.returncode}"
            out.append(f"----- {p.name} (pid {p.pid}, {status}) -----\n{p.log()}")
        return "\n".join(out)
