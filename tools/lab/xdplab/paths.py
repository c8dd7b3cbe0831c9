"""Where the repository and its build outputs are."""
import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
BUILD_DIR = Path(os.environ.get("XDPLB_BUILD_DIR", REPO / "build"))
BIN_DIR = BUILD_DIR / "bin"


def bin_path(name: str) -> str:
    """Path of a built executable; fails clearly when the build has not produced it."""
    p = BIN_DIR / name
    if not p.exists():
        raise FileNotFoundError(f"{p} not found: build first (cmake --build {BUILD_DIR})")
    return str(p)


def bpf_object(name: str) -> str:
    """Path of a compiled BPF object of the build (e.g. 'xdp_pass' -> build/bpf/xdp_pass.bpf.o)."""
    p = BUILD_DIR / "bpf" / f"{name}.bpf.o"
    if not p.exists():
        raise FileNotFoundError(f"{p} not found: build first (cmake --build {BUILD_DIR})")
    return str(p)
