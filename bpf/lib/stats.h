/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Per-CPU counters: one per verdict reason, per VIP and per backend. */
#ifndef XDPLB_BPF_STATS_H
#define XDPLB_BPF_STATS_H

#include "common.h"
#include "maps.h"

static always_inline void count_verdict(enum xdplb_reason reason, __u32 bytes)
{
	__u32 key = reason;
	struct xdplb_counter *c = bpf_map_lookup_elem(&xdplb_verdicts, &key);
	if (c) {
		c->packets++;
		c->bytes += bytes;
	}
}

static always_inline void count_traffic(void *map, __u32 id, __u32 bytes, int new_flow)
{
	struct xdplb_traffic *t = bpf_map_lookup_elem(map, &id);
	if (t) {
		t->packets++;
		t->bytes += bytes;
		t->new_flows += new_flow;
	}
}

#endif
