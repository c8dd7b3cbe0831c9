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
#define ICMP_TIME_EXCEEDED 11
#define ICMP_PARAMETERPROB 12
#define ICMPV6_DEST_UNREACH 1
#define ICMPV6_PKT_TOOBIG 2
#define ICMPV6_TIME_EXCEED 3
#define ICMPV6_PARAMPROB 4
#define ICMP_ERROR_HDR_LEN 8 /* type, code, checksum, 4 bytes (unused / MTU) */

/* The quoted transport ports: the first four bytes of the TCP or UDP header. */
struct quoted_ports {
	__u16 source;
	__u16 dest;
};

/*
 * True when the packet is an ICMP error quoting a TCP/UDP header, with *flow the quoted packet's flow
 * turned around: the flow the quoted packet answered. *pmtu: it is frag-needed / packet-too-big, the
 * kind steered to a VIP flow's backend. (Any error kind is translated for NAT replies: nat.h.)
 */
static always_inline int icmp_error_flow(struct xdp_md *ctx, const struct packet *pkt, struct xdplb_flow *flow,
					 int *pmtu)
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
		if (icmp->type != ICMP_DEST_UNREACH && icmp->type != ICMP_TIME_EXCEEDED &&
		    icmp->type != ICMP_PARAMETERPROB)
			return 0;
		*pmtu = icmp->type == ICMP_DEST_UNREACH && icmp->code == ICMP_FRAG_NEEDED;
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
		if (icmp6->icmp6_type < ICMPV6_DEST_UNREACH || icmp6->icmp6_type > ICMPV6_PARAMPROB)
			return 0;
		*pmtu = icmp6->icmp6_type == ICMPV6_PKT_TOOBIG;
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
	/* A quoted VIP -> client reply becomes the client's flow; a quoted client -> RS packet the RS's reply. */
	flow->sport = ports->dest;
	flow->dport = ports->source;
	return 1;
}

#endif
