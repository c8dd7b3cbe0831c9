/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * ICMP errors about VIP flows. In DR mode a real server answers with the VIP as source; a router that
 * cannot forward such a reply (IPv4 fragmentation needed, IPv6 packet too big) sends the error to the
 * VIP, so it arrives here. Path MTU discovery only works if the error reaches the backend that owns
 * the flow, so the quoted (VIP -> client) header is turned back into the client's flow and steered
 * like that flow's packets.
 */
#ifndef XDPLB_BPF_ICMP_H
#define XDPLB_BPF_ICMP_H

#include "common.h"
#include "parse.h"

#define ICMP_DEST_UNREACH 3
#define ICMP_FRAG_NEEDED 4
#define ICMPV6_PKT_TOOBIG 2
#define ICMP_ERROR_HDR_LEN 8 /* type, code, checksum, 4 bytes (unused / MTU) */

/* The quoted transport ports: the first four bytes of the TCP or UDP header. */
struct quoted_ports {
	__u16 source;
	__u16 dest;
};

/* True (and *flow filled with the client's flow) when the packet is an error about a VIP flow. */
static always_inline int icmp_error_flow(struct xdp_md *ctx, const struct packet *pkt, struct xdplb_flow *flow)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 off = pkt->l4_off & 0x3ff;
	struct quoted_ports *ports;

	if (pkt->flow.family == XDPLB_FAMILY_V4) {
		struct icmphdr *icmp = data + off;
		struct iphdr *inner;

		if ((void *)(icmp + 1) > data_end)
			return 0;
		if (icmp->type != ICMP_DEST_UNREACH || icmp->code != ICMP_FRAG_NEEDED)
			return 0;
		inner = data + off + ICMP_ERROR_HDR_LEN;
		if ((void *)(inner + 1) > data_end || inner->ihl < 5)
			return 0;
		if (inner->protocol != IPPROTO_TCP && inner->protocol != IPPROTO_UDP)
			return 0;
		ports = (void *)inner + ((inner->ihl * 4) & 0x3f);
		if ((void *)(ports + 1) > data_end)
			return 0;
		flow->family = XDPLB_FAMILY_V4;
		flow->proto = inner->protocol;
		flow->src[0] = inner->daddr;
		flow->dst[0] = inner->saddr;
	} else {
		struct icmp6hdr *icmp6 = data + off;
		struct ipv6hdr *inner;

		if ((void *)(icmp6 + 1) > data_end)
			return 0;
		if (icmp6->icmp6_type != ICMPV6_PKT_TOOBIG)
			return 0;
		inner = data + off + ICMP_ERROR_HDR_LEN;
		if ((void *)(inner + 1) > data_end)
			return 0;
		if (inner->nexthdr != IPPROTO_TCP && inner->nexthdr != IPPROTO_UDP)
			return 0;
		ports = (void *)(inner + 1);
		if ((void *)(ports + 1) > data_end)
			return 0;
		flow->family = XDPLB_FAMILY_V6;
		flow->proto = inner->nexthdr;
		__builtin_memcpy(flow->src, &inner->daddr, 16);
		__builtin_memcpy(flow->dst, &inner->saddr, 16);
	}
	/* The quoted packet went VIP -> client: swap it into the client's direction. */
	flow->sport = ports->dest;
	flow->dport = ports->source;
	return 1;
}

#endif
