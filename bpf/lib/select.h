/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Backend choice for a VIP flow: conntrack first, then client affinity (persistence_timeout), then
 * the VIP's ring (Maglev 5-tuple hash, source hash, or rotation), then the sorry server.
 */
#ifndef XDPLB_BPF_SELECT_H
#define XDPLB_BPF_SELECT_H

#include "common.h"
#include "conntrack.h"
#include "hash.h"
#include "maps.h"

#define NSEC_PER_SEC 1000000000ull

struct choice {
	struct xdplb_backend *backend; /* NULL: nothing can serve the flow */
	__u32 id;
	__u8 new_flow; /* not tracked before this packet */
	__u8 sorry;    /* sent to the sorry server */
};

/* Backend id in slot (hash mod ring size) of the VIP's current ring. */
static always_inline __u32 ring_lookup(const struct xdplb_vip *vip, __u32 hash)
{
	__u32 vip_id = vip->vip_id;
	void *ring = bpf_map_lookup_elem(&xdplb_rings, &vip_id);
	__u32 slot, index;
	__u16 *ids, id;

	if (!ring || vip->ring_size == 0)
		return XDPLB_NO_BACKEND;
	slot = hash % vip->ring_size;
	index = slot / XDPLB_RING_SLOTS_PER_ENTRY;
	ids = bpf_map_lookup_elem(ring, &index);
	if (!ids)
		return XDPLB_NO_BACKEND;
	id = ids[slot % XDPLB_RING_SLOTS_PER_ENTRY];
	return id == XDPLB_RING_NO_BACKEND ? XDPLB_NO_BACKEND : id;
}

static always_inline __u32 ring_choose(const struct xdplb_vip *vip, const struct xdplb_flow *flow)
{
	__u32 vip_id = vip->vip_id;
	__u32 *pos;

	switch (vip->algo) {
	case XDPLB_ALGO_SOURCE_HASH:
		return ring_lookup(vip, source_hash(flow));
	case XDPLB_ALGO_ROTATION:
		/* Per-CPU position: exact rotation per CPU, close to it overall. */
		pos = bpf_map_lookup_elem(&xdplb_rotation, &vip_id);
		if (!pos)
			return XDPLB_NO_BACKEND;
		return ring_lookup(vip, (*pos)++);
	default:
		return ring_lookup(vip, flow_hash(flow));
	}
}

static always_inline struct xdplb_backend *affinity_lookup(const struct xdplb_vip *vip,
							   const struct xdplb_affinity_key *key, __u64 now,
							   __u32 *id)
{
	struct xdplb_affinity *a = bpf_map_lookup_elem(&xdplb_affinity, key);
	struct xdplb_backend *b;

	if (!a || now > a->expires_ns)
		return NULL;
	b = backend_in_service(a->backend_id, a->generation);
	if (!b)
		return NULL;
	a->expires_ns = now + (__u64)vip->affinity_timeout * NSEC_PER_SEC;
	*id = a->backend_id;
	return b;
}

/*
 * Chooses the backend of `flow` for `vip`. With `track` the choice is recorded in conntrack (and in
 * the affinity table); ICMP errors about a flow look it up without recording anything.
 * `new_connection`: the packet is a TCP SYN.
 */
static always_inline struct choice choose_backend(const struct xdplb_vip *vip, const struct xdplb_flow *flow,
						  int track, int new_connection)
{
	struct choice c = {};
	struct xdplb_affinity_key akey = {};
	__u64 now = 0;

	/*
	 * A SYN starts a connection: it is chosen afresh without the conntrack lookup that would miss
	 * anyway (a retransmitted SYN of a tracked flow gets the same answer unless the backend set
	 * changed, and then the handshake simply restarts on the new backend).
	 */
	if (!new_connection) {
		c.backend = conntrack_lookup(flow, &c.id, track);
		if (c.backend)
			return c;
	}
	c.new_flow = 1;

	if (vip->flags & XDPLB_VIP_F_AFFINITY) {
		now = bpf_ktime_get_ns();
		__builtin_memcpy(akey.client, flow->src, sizeof(akey.client));
		akey.vip_id = vip->vip_id;
		akey.family = flow->family;
		c.backend = affinity_lookup(vip, &akey, now, &c.id);
	}
	if (!c.backend) {
		c.id = ring_choose(vip, flow);
		if (c.id != XDPLB_NO_BACKEND)
			c.backend = bpf_map_lookup_elem(&xdplb_backends, &c.id);
		if (c.backend && (vip->flags & XDPLB_VIP_F_AFFINITY) && track) {
			struct xdplb_affinity a = {
				.expires_ns = now + (__u64)vip->affinity_timeout * NSEC_PER_SEC,
				.backend_id = c.id,
				.generation = c.backend->generation,
			};
			bpf_map_update_elem(&xdplb_affinity, &akey, &a, BPF_ANY);
		}
	}
	if (!c.backend && (vip->flags & XDPLB_VIP_F_SORRY)) {
		c.id = vip->sorry_backend;
		c.backend = bpf_map_lookup_elem(&xdplb_backends, &c.id);
		c.sorry = 1;
	}
	if (c.backend && track && !conntrack_flooded())
		conntrack_record(flow, c.id, c.backend->generation);
	return c;
}

#endif
