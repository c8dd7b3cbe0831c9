"""Under systemd (`xdplbd -n -l` with stderr as the journal stream, as the unit runs it) every log line
reaches the journal with its level's priority, so `journalctl -p warning` filters them (issue 13).

No journald runs here: the agent runs in a private mount namespace whose /run/systemd is a directory
of this test, where a datagram socket at journal/socket reads what sd_journal_send(3) writes, in the
journal's native protocol (systemd's JOURNAL_NATIVE_PROTOCOL)."""
import socket
import struct
import threading

from xdplab import DrLab, configs, wait_until

VIP = "198.18.0.100"
WARNING, INFO = 4, 6


def parse_native(datagram):
    """KEY=VALUE lines, or KEY, newline, a little-endian 64-bit length, the value, newline."""
    fields, rest = {}, datagram
    while rest:
        line_end = rest.index(b"\n")
        head = rest[:line_end]
        if b"=" in head:
            key, value = head.split(b"=", 1)
            rest = rest[line_end + 1:]
        else:
            key = head
            (size,) = struct.unpack("<Q", rest[line_end + 1:line_end + 9])
            value = rest[line_end + 9:line_end + 9 + size]
            rest = rest[line_end + 10 + size:]
        fields[key.decode()] = value.decode(errors="replace")
    return fields


class FakeJournal:
    def __init__(self, run_systemd):
        (run_systemd / "journal").mkdir(parents=True)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(run_systemd / "journal" / "socket"))
        self.sock.settimeout(0.2)
        self.entries, self.stopping = [], False
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        while not self.stopping:
            try:
                data = self.sock.recv(1 << 20)
            except socket.timeout:
                continue
            self.entries.append(parse_native(data))

    def close(self):
        self.stopping = True
        self.thread.join(2)
        self.sock.close()

    def with_message(self, text):
        return [e for e in self.entries if text in e.get("MESSAGE", "")]


def test_levels_reach_the_journal_with_their_priority(lab, procs, tmp_path):
    run_systemd = tmp_path / "run-systemd"
    journal = FakeJournal(run_systemd)
    try:
        dr = DrLab(lab, procs, tmp_path, servers=2)
        dr.hold_vips(dr.lbs[0])
        # The second real server answers nothing on port 81: its check fails, a warning.
        config = dr.write_config("lb.conf", configs.config("LB1", configs.virtual_server(
            VIP, [dr.server_address(0), configs.real_server(dr.server_address(1), 81)])))
        # As systemd starts it: stderr is the journal stream that JOURNAL_STREAM names (device:inode).
        wrapper = ["unshare", "--mount", "--propagation", "private", "sh", "-c",
                   'mount --bind "$0" /run/systemd && '
                   'JOURNAL_STREAM=$(stat -L -c %d:%i /proc/self/fd/2) exec "$@"', run_systemd]
        agent = dr.start_agent(dr.lbs[0], config, "--interface", "eth0", wrap=wrapper)
        down = f"{dr.server_address(1)}:81"
        wait_until(lambda: journal.with_message(f"{down}: real server DOWN"), 20, what="the DOWN line in the journal")
        wait_until(lambda: journal.with_message("serving 1 virtual server"), 5, what="the start line")

        [failed] = journal.with_message(f"{down}: real server DOWN")
        assert failed["PRIORITY"] == str(WARNING) and failed["SYSLOG_IDENTIFIER"] == "xdplbd", failed
        [started] = journal.with_message("serving 1 virtual server")
        assert started["PRIORITY"] == str(INFO), started
        # `journalctl -p warning` would show the DOWN line and not the info lines.
        starting = journal.with_message("health checks starting")
        assert starting and all(int(e["PRIORITY"]) > WARNING for e in starting), journal.entries
        # Nothing went to the stream itself (it would reach the journal at one priority for all).
        assert "real server DOWN" not in agent.log()
        assert agent.stop() == 0
    finally:
        journal.close()


def test_without_the_journal_stream_lines_stay_on_stderr(lab, procs, tmp_path):
    """JOURNAL_STREAM naming another file (a shell started from a unit's service) keeps -l on stderr."""
    dr = DrLab(lab, procs, tmp_path, servers=1)
    dr.hold_vips(dr.lbs[0])
    config = dr.write_config("lb.conf", configs.config("LB1", configs.virtual_server(VIP, [dr.server_address(0)])))
    agent = dr.start_agent(dr.lbs[0], config, "--interface", "eth0", env={"JOURNAL_STREAM": "8:12345"})
    wait_until(lambda: "serving 1 virtual server" in agent.log(), 15, what="the start line on stderr")
    assert "[info]" in agent.log()
    assert agent.stop() == 0
