/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Sending a VIP packet to its backend, by the backend's `forward` field. DR (direct routing) rewrites
 * the Ethernet addresses only: the real server holds the VIP on a non-ARPing interface and answers
 * the client directly. NAT (nat.h) rewrites the destination to the server and translates its replies
 * back. Tunnels slot in beside them.
 */
#ifndef XDPLB_BPF_FORWARD_H
#define XDPLB_BPF_FORWARD_H

#include "common.h"
#include "maps.h"
#include "nat.h"
#include "parse.h"
#include "transmit.h"

static always_inline int forward_dr(struct xdp_md *ctx, const struct xdplb_backend *b, enum xdplb_reason *reason)
{
	if (set_backend_macs(ctx, b)) {
		*reason = XDPLB_R_PASS_TRUNCATED;
		return XDP_PASS;
	}
	return transmit(ctx, b, reason);
}

/* `icmp`: the packet is an ICMP error about the flow of pkt->flow's VIP, steered like the flow. */
static always_inline int forward(struct xdp_md *ctx, const struct packet *pkt, int icmp,
				 const struct xdplb_backend *b, enum xdplb_reason *reason)
{
	if (b->ifindex == 0) {
		*reason = XDPLB_R_DROP_BAD_BACKEND;
		return XDP_DROP;
	}
	switch (b->forward) {
	case XDPLB_FWD_DR:
		return forward_dr(ctx, b, reason);
	case XDPLB_FWD_NAT:
		return forward_nat(ctx, pkt, icmp, b, reason);
	default:
		*reason = XDPLB_R_DROP_BAD_BACKEND;
		return XDP_DROP;
	}
}

#endif
