"""End-to-end benchmarks of xdplb (issue 8). One module per benchmark; bench.py runs them in the
order below. A new benchmark adds its module here: it needs NAME, TITLE, REQUIRES (executables it
runs) and measure(ctx) -> list[core.Table]."""
from . import control_plane, failover, http_load, packet_rate, per_packet

MODULES = [per_packet, packet_rate, http_load, failover, control_plane]
