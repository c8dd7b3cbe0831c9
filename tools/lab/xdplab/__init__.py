"""xdplab: network-namespace labs for xdplb's tests, demo and benchmarks.

Everything a lab creates (namespaces, links, processes, pins) carries the lab's unique run id and
is removed by Lab.close(), which runs on every exit path (normal end, exception, SIGINT, SIGTERM).
Nothing is ever configured in the root namespace.
"""
from .wait import wait_until, TimeoutExpired
from .topology import Lab, Netns, hold_pin_root, run
from .process import ProcessLauncher, Process
from .paths import REPO, BUILD_DIR, BIN_DIR, bin_path, bpf_object
from . import configs
from .dr_lab import DrLab
from .servers import start_nginx, start_http_stream, stream_answers
from .keepalived import Keepalived
from .control import ctl, verify_clean

__all__ = [
    "Lab", "Netns", "hold_pin_root", "run", "wait_until", "TimeoutExpired", "ProcessLauncher", "Process",
    "REPO", "BUILD_DIR", "BIN_DIR", "bin_path", "bpf_object", "start_nginx", "start_http_stream",
    "stream_answers", "DrLab", "configs", "ctl", "verify_clean",
]
