/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Connection tracking: an LRU map from 5-tuple to backend keeps an established flow on its backend
 * while that backend stays in service. A flow whose backend left (removed, or its id given to another
 * server: the generation differs) is chosen again. Under a flood the LRU evicts the coldest flows; it
 * never stops recording.
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

/* The backend an established flow is pinned to, or NULL when the flow must be (re)chosen. */
static always_inline struct xdplb_backend *conntrack_lookup(const struct xdplb_flow *flow, __u32 *id)
{
	struct xdplb_ct_entry *ct = bpf_map_lookup_elem(&xdplb_conntrack, flow);
	struct xdplb_backend *b;

	if (!ct)
		return NULL;
	b = backend_in_service(ct->backend_id, ct->generation);
	if (b)
		*id = ct->backend_id;
	return b;
}

static always_inline void conntrack_record(const struct xdplb_flow *flow, __u32 id, __u32 generation)
{
	struct xdplb_ct_entry ct = {.backend_id = id, .generation = generation};

	bpf_map_update_elem(&xdplb_conntrack, flow, &ct, BPF_ANY);
}

#endif
