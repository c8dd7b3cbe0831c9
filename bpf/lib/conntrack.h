/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Connection tracking: an LRU map from 5-tuple to backend keeps an established flow on its backend
 * while that backend stays in service. A flow whose backend left (removed, or its id given to another
 * server: the generation differs) is chosen again.
 *
 * Flood guard (Katran's is_under_flood): recording a flow costs a free LRU node, an eviction and two
 * hash-bucket walks in a table far larger than the cache. Past `flood_rate` new flows per second on a
 * CPU, new flows are forwarded by the ring without being recorded. That keeps a flood of new 5-tuples
 * from evicting the flows that are established, and makes each flood packet cheaper. An untracked
 * flow still lands where the ring sends it; it is only not protected from a later ring change, and it
 * is recorded on its next packet once the rate is back under the limit.
 */
#ifndef XDPLB_BPF_CONNTRACK_H
#define XDPLB_BPF_CONNTRACK_H

#include "common.h"
#include "maps.h"

/* The backend record of `id` if it still serves flows pinned to it at `generation`. */
static always_inline struct xdplb_backend *backend_in_service(__u32 id, __u32 generation)
{
	struct xdplb_backend *b = bpf_map_lookup_elem(&xdplb_backends, &id);

	if (!b || !(b->flags & XDPLB_BACKEND_F_IN_SERVICE) || b->generation != generation)
		return NULL;
	return b;
}

/* Conntrack time (abi.h): coarse monotonic milliseconds, modulo 2^32. */
static always_inline __u32 conntrack_now_ms(void)
{
	return (__u32)(bpf_ktime_get_coarse_ns() / 1000000);
}

/*
 * The backend an established flow is pinned to, or NULL when the flow must be (re)chosen. With
 * `touch` (a packet of the flow, not an ICMP error about it) the entry's last_seen moves to now when
 * it is XDPLB_CT_TOUCH_MS or more behind: one write per flow and second at most.
 */
static always_inline struct xdplb_backend *conntrack_lookup(const struct xdplb_flow *flow, __u32 *id, int touch)
{
	struct xdplb_ct_entry *ct = bpf_map_lookup_elem(&xdplb_conntrack, flow);
	struct xdplb_backend *b;
	__u32 now;

	if (!ct)
		return NULL;
	b = backend_in_service(ct->backend_id, ct->generation);
	if (!b)
		return NULL;
	*id = ct->backend_id;
	if (touch) {
		now = conntrack_now_ms();
		if (now - ct->last_seen >= XDPLB_CT_TOUCH_MS)
			ct->last_seen = now;
	}
	return b;
}

#define FLOOD_WINDOW_NS 1000000000ull

/* True when the flow just chosen should not be recorded: this CPU is past the flood rate. */
static always_inline int conntrack_flooded(void)
{
	__u32 key = 0;
	struct xdplb_settings *settings = bpf_map_lookup_elem(&xdplb_settings, &key);
	struct xdplb_flood_state *st;
	__u64 now;

	if (!settings || settings->flood_rate == 0)
		return 0;
	st = bpf_map_lookup_elem(&xdplb_flood, &key);
	if (!st)
		return 0;
	/* The coarse clock (jiffies) is plenty for a one-second window and costs no clock read. */
	now = bpf_ktime_get_coarse_ns();
	if (now - st->window_start_ns >= FLOOD_WINDOW_NS) {
		st->window_start_ns = now;
		st->window_flows = 0;
		st->window_untracked = 0;
	}
	if (++st->window_flows <= settings->flood_rate)
		return 0;
	/* Counted on the window's first untracked packet, also when the rate was lowered mid-window. */
	if (st->window_untracked++ == 0)
		st->windows_flooded++;
	st->untracked++;
	return 1;
}

static always_inline void conntrack_record(const struct xdplb_flow *flow, __u32 id, __u32 generation)
{
	struct xdplb_ct_entry ct = {.backend_id = id, .generation = generation, .last_seen = conntrack_now_ms()};

	bpf_map_update_elem(&xdplb_conntrack, flow, &ct, BPF_ANY);
}

#endif
