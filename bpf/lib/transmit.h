/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Sending a rewritten frame toward a backend: XDP_TX out of the ingress, else the tx-port devmap. */
#ifndef XDPLB_BPF_TRANSMIT_H
#define XDPLB_BPF_TRANSMIT_H

#include "common.h"
#include "maps.h"

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

/* The backend's next-hop MACs, in a frame whose Ethernet header the parser has checked. */
static always_inline int set_backend_macs(struct xdp_md *ctx, const struct xdplb_backend *b)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end)
		return -1;
	__builtin_memcpy(eth->h_dest, b->mac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, b->src_mac, ETH_ALEN);
	return 0;
}

#endif
