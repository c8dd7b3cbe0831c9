/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Sending a VIP packet to its backend. DR (direct routing) rewrites the Ethernet addresses only: the
 * real server holds the VIP on a non-ARPing interface and answers the client directly. Tunnel and NAT
 * forwarding slot in beside forward_dr, selected by the backend's `forward` field.
 */
#ifndef XDPLB_BPF_FORWARD_H
#define XDPLB_BPF_FORWARD_H

#include "common.h"
#include "maps.h"

/* Out of the ingress interface with XDP_TX, else through the tx-port devmap. */
static always_inline int transmit(struct xdp_md *ctx, const struct xdplb_backend *b, enum xdplb_reason *reason)
{
	if (b->ifindex == ctx->ingress_ifindex) {
		*reason = XDPLB_R_FWD_TX;
		return XDP_TX;
	}
	*reason = XDPLB_R_FWD_REDIRECT;
	/* An interface missing from the devmap is a loader bug: drop rather than let the stack answer. */
	return bpf_redirect_map(&xdplb_tx_ports, b->ifindex, XDP_DROP);
}

static always_inline int forward_dr(struct xdp_md *ctx, const struct xdplb_backend *b, enum xdplb_reason *reason)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end) {
		*reason = XDPLB_R_PASS_TRUNCATED;
		return XDP_PASS;
	}
	__builtin_memcpy(eth->h_dest, b->mac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, b->src_mac, ETH_ALEN);
	return transmit(ctx, b, reason);
}

static always_inline int forward(struct xdp_md *ctx, const struct xdplb_backend *b, enum xdplb_reason *reason)
{
	if (b->ifindex == 0) {
		*reason = XDPLB_R_DROP_BAD_BACKEND;
		return XDP_DROP;
	}
	switch (b->forward) {
	case XDPLB_FWD_DR:
		return forward_dr(ctx, b, reason);
	default:
		*reason = XDPLB_R_DROP_BAD_BACKEND;
		return XDP_DROP;
	}
}

#endif
