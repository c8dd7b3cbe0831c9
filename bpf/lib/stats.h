/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Per-CPU counters: one (packets, bytes) pair per verdict reason. */
#ifndef XDPLB_BPF_STATS_H
#define XDPLB_BPF_STATS_H

#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XDPLB_R__COUNT);
	__type(key, __u32);
	__type(value, struct xdplb_counter);
} xdplb_verdicts SEC(".maps");

static always_inline void count_verdict(enum xdplb_reason reason, __u32 bytes)
{
	__u32 key = reason;
	struct xdplb_counter *c = bpf_map_lookup_elem(&xdplb_verdicts, &key);
	if (c) {
		c->packets++;
		c->bytes += bytes;
	}
}

#endif
