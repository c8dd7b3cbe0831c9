"""Counting delivered packets where they arrive: the xdp_count_drop lab program on the receiving
veth counts each frame in a per-CPU map and drops it (tools/bpf/xdp_count_drop.bpf.c)."""
import json
import time

from xdplab import bpf_object, run


class PacketSink:
    def __init__(self, ns, ifname):
        self.ns, self.ifname = ns, ifname
        ns.load_xdp_object(ifname, bpf_object("xdp_count_drop"))
        prog_id = ns.xdp_prog_id(ifname)
        if prog_id is None:
            raise RuntimeError(f"xdp_count_drop did not attach to {ns.name}:{ifname}")
        prog = json.loads(run(["bpftool", "-j", "prog", "show", "id", str(prog_id)]).stdout)
        map_ids = prog.get("map_ids") or []
        if len(map_ids) != 1:
            raise RuntimeError(f"xdp_count_drop (prog {prog_id}) should own exactly one map, has {map_ids}")
        self.map_id = map_ids[0]

    def packets(self):
        """(monotonic time of the read, packets counted so far over every CPU)."""
        before = time.monotonic()
        out = run(["bpftool", "-j", "map", "lookup", "id", str(self.map_id), "key", "0", "0", "0", "0"]).stdout
        after = time.monotonic()
        entry = json.loads(out)
        if isinstance(entry, list):
            entry = entry[0]
        formatted = entry.get("formatted")
        if formatted:
            total = sum(int(v["value"]) for v in formatted["values"])
        else:
            total = sum(int.from_bytes(bytes(int(b, 16) for b in v["value"]), "little") for v in entry["values"])
        return (before + after) / 2, total

    def rate_over(self, window):
        """Packets per second delivered over `window` seconds from now."""
        t0, n0 = self.packets()
        time.sleep(window)
        t1, n1 = self.packets()
        return (n1 - n0) / (t1 - t0), n1 - n0
