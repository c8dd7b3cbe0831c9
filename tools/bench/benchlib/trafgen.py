"""64-byte UDP frames from trafgen (netsniff-ng), pinned to one CPU, started in a session of its own
and stopped by process group.

The traps this module exists for: trafgen forks a worker per --cpus, so stopping the parent alone
leaves the worker sending; without --no-sock-mem it rewrites the host's global socket-memory
sysctls; without -Q it rewrites IRQ affinities. It also binds worker i to CPU i, so the worker of
`--cpus 1` runs on CPU 0 whatever taskset says: the generator CPU is therefore always CPU 0 and
taskset only keeps the parent there too.
"""
import os
import signal
import subprocess

from xdplab import wait_until

# Ethernet 14 + IPv4 20 + UDP 8 + 18 bytes of payload = 60 bytes, 64 on the wire with the FCS.
PAYLOAD_BYTES = 18
FRAME_BYTES = 14 + 20 + 8 + PAYLOAD_BYTES
GENERATOR_CPU = 0


def _mac_bytes(mac):
    return ", ".join(f"0x{b}" for b in mac.split(":"))


def _ip_bytes(address):
    return ", ".join(address.split("."))


def udp_config(src_mac, dst_mac, src_ip, dst_ip, dst_port, src_port=40000, new_flow_per_packet=False):
    """A trafgen packet description of one 64-byte UDP/IPv4 frame.

    new_flow_per_packet: the last two bytes of the source address and the source port are random in
    every frame (2^32 5-tuples), so practically every frame starts a flow the LB has not seen; trafgen
    recomputes the IP checksum per frame because the header holds dynamic fields.
    """
    if new_flow_per_packet:
        prefix = ".".join(src_ip.split(".")[:2])
        source = f"{_ip_bytes(prefix)}, drnd(2)"
        sport = "drnd(2)"
    else:
        source = _ip_bytes(src_ip)
        sport = f"c16({src_port})"
    return f"""{{
  {_mac_bytes(dst_mac)},
  {_mac_bytes(src_mac)},
  c16(0x0800),
  0x45, 0x00, c16({FRAME_BYTES - 14}), c16(0), 0x40, 0x00, 64, 17, csumip(14, 33),
  {source},
  {_ip_bytes(dst_ip)},
  {sport}, c16({dst_port}), c16({FRAME_BYTES - 34}), c16(0),
  fill(0x42, {PAYLOAD_BYTES}),
}}
"""


class Trafgen:
    """One running trafgen; use as a context manager so it is stopped on every exit path."""

    def __init__(self, ns, ifname, config_path, log_path, max_packets):
        argv = ["taskset", "-c", str(GENERATOR_CPU), "trafgen", "--dev", ifname, "--conf", str(config_path),
                "--cpus", "1", "--no-sock-mem", "--notouch-irq", "--no-cpu-stats", "--num", str(max_packets)]
        self.log_path = log_path
        with open(log_path, "wb") as log:
            # start_new_session: trafgen and its worker form a process group we can signal as one.
            self.popen = subprocess.Popen(ns.argv(argv), stdout=log, stderr=subprocess.STDOUT,
                                          stdin=subprocess.DEVNULL, start_new_session=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def running(self):
        return self.popen.poll() is None

    def output(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def stop(self):
        if self.popen.poll() is None:
            self._signal_group(signal.SIGINT)
            try:
                self.popen.wait(5)
            except subprocess.TimeoutExpired:
                pass
        # The worker may outlive the parent: the whole group goes, always.
        self._signal_group(signal.SIGKILL)
        if self.popen.poll() is None:
            self.popen.wait(5)
        wait_until(lambda: not _group_alive(self.popen.pid), 5, what=f"trafgen group {self.popen.pid} gone")

    def _signal_group(self, sig):
        try:
            os.killpg(self.popen.pid, sig)
        except ProcessLookupError:
            pass


def _group_alive(pgid):
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False
