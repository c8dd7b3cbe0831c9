/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Packet parsing: Ethernet (one 802.1Q/802.1ad tag), IPv4 with options, IPv6 with extension
 * headers, and the TCP/UDP ports. Every read is bounds-checked against data_end; the parser never
 * guesses. The result says what was found and where, so later stages read headers at known offsets.
 */
#ifndef XDPLB_BPF_PARSE_H
#define XDPLB_BPF_PARSE_H

#include "common.h"

/* How far parsing got. Anything but PARSE_OK means "do not steer this packet". */
enum parse_status {
	PARSE_OK = 0,
	PARSE_NON_IP,    /* not IPv4/IPv6 (ARP, LLDP, ...) */
	PARSE_TRUNCATED, /* a header does not fit in the frame */
	PARSE_MALFORMED, /* a header field is impossible */
	PARSE_FRAGMENT,  /* a non-first fragment: addresses known, no L4 header */
};

#define PKT_F_VLAN 0x01       /* one VLAN tag was present */
#define PKT_F_FRAG_FIRST 0x02 /* first fragment of a fragmented datagram */
#define PKT_F_IP_OPTIONS 0x04 /* IPv4 header longer than 20 bytes */
#define PKT_F_EXT_HDRS 0x08   /* IPv6 extension headers were skipped */
#define PKT_F_TCP_SYN 0x10    /* a TCP SYN without ACK: the first packet of a connection */

struct packet {
	struct xdplb_flow flow; /* addresses always; ports when l4 was parsed (TCP/UDP) */
	__u32 len;              /* frame length */
	__u16 l3_proto;         /* ETH_P_IP or ETH_P_IPV6, host order */
	__u16 l3_off;           /* offset of the IP header */
	__u16 l4_off;           /* offset of the L4 header (after options/extension headers) */
	__u16 vlan_tci;         /* host order, valid with PKT_F_VLAN */
	__u8 flags;             /* PKT_F_* */
	__u8 ttl;               /* IPv4 TTL / IPv6 hop limit */
};

/* At most this many IPv6 extension headers are walked before giving up (verifier bound). */
#define PARSE_MAX_IPV6_EXT 4

static always_inline int parse_l4_ports(void *data_end, void *l4, struct packet *pkt)
{
	if (pkt->flow.proto == IPPROTO_TCP) {
		struct tcphdr *tcp = l4;
		if ((void *)(tcp + 1) > data_end)
			return PARSE_TRUNCATED;
		if (tcp->doff < 5)
			return PARSE_MALFORMED;
		if (tcp->syn && !tcp->ack)
			pkt->flags |= PKT_F_TCP_SYN;
		pkt->flow.sport = tcp->source;
		pkt->flow.dport = tcp->dest;
	} else if (pkt->flow.proto == IPPROTO_UDP) {
		struct udphdr *udp = l4;
		if ((void *)(udp + 1) > data_end)
			return PARSE_TRUNCATED;
		pkt->flow.sport = udp->source;
		pkt->flow.dport = udp->dest;
	}
	return PARSE_OK;
}

static always_inline int parse_ipv4(void *data, void *data_end, struct packet *pkt)
{
	struct iphdr *ip = data + pkt->l3_off;
	if ((void *)(ip + 1) > data_end)
		return PARSE_TRUNCATED;
	if (ip->version != 4 || ip->ihl < 5)
		return PARSE_MALFORMED;
	__u32 hdr_len = ip->ihl * 4;
	__u32 tot_len = bpf_ntohs(ip->tot_len);
	if (tot_len < hdr_len)
		return PARSE_MALFORMED;
	/* Ethernet may pad a short datagram, so the frame can be longer, never shorter. */
	if (pkt->l3_off + tot_len > pkt->len)
		return PARSE_TRUNCATED;
	if (hdr_len > sizeof(*ip))
		pkt->flags |= PKT_F_IP_OPTIONS;

	pkt->flow.family = XDPLB_FAMILY_V4;
	pkt->flow.proto = ip->protocol;
	pkt->flow.src[0] = ip->saddr;
	pkt->flow.dst[0] = ip->daddr;
	pkt->ttl = ip->ttl;
	pkt->l4_off = pkt->l3_off + hdr_len;

	__u16 frag = bpf_ntohs(ip->frag_off);
	if (frag & IP_OFFSET)
		return PARSE_FRAGMENT;
	if (frag & IP_MF)
		pkt->flags |= PKT_F_FRAG_FIRST;

	/* hdr_len is at most 60: keep the offset provably small for the verifier. */
	void *l4 = data + (pkt->l4_off & 0x3ff);
	return parse_l4_ports(data_end, l4, pkt);
}

static always_inline int parse_ipv6(void *data, void *data_end, struct packet *pkt)
{
	struct ipv6hdr *ip6 = data + pkt->l3_off;
	if ((void *)(ip6 + 1) > data_end)
		return PARSE_TRUNCATED;
	if (ip6->version != 6)
		return PARSE_MALFORMED;
	if (pkt->l3_off + sizeof(*ip6) + bpf_ntohs(ip6->payload_len) > pkt->len)
		return PARSE_TRUNCATED;

	pkt->flow.family = XDPLB_FAMILY_V6;
	__builtin_memcpy(pkt->flow.src, &ip6->saddr, 16);
	__builtin_memcpy(pkt->flow.dst, &ip6->daddr, 16);
	pkt->ttl = ip6->hop_limit;

	__u8 next = ip6->nexthdr;
	__u32 off = pkt->l3_off + sizeof(*ip6);
#pragma unroll
	for (int i = 0; i < PARSE_MAX_IPV6_EXT; i++) {
		if (next != NEXTHDR_HOP && next != NEXTHDR_ROUTING && next != NEXTHDR_DEST &&
		    next != NEXTHDR_FRAGMENT)
			break;
		pkt->flags |= PKT_F_EXT_HDRS;
		/* Offsets stay below 1 KiB here: headers beyond that are not steered. */
		struct ipv6_opt_hdr *ext = data + (off & 0x3ff);
		if ((void *)(ext + 1) > data_end)
			return PARSE_TRUNCATED;
		if (next == NEXTHDR_FRAGMENT) {
			struct frag_hdr *fh = (void *)ext;
			if ((void *)(fh + 1) > data_end)
				return PARSE_TRUNCATED;
			next = fh->nexthdr;
			off += sizeof(*fh);
			if (bpf_ntohs(fh->frag_off) & IP6_OFFSET_MASK) {
				pkt->flow.proto = next;
				pkt->l4_off = off;
				return PARSE_FRAGMENT;
			}
			pkt->flags |= PKT_F_FRAG_FIRST;
			continue;
		}
		next = ext->nexthdr;
		off += (ext->hdrlen + 1) * 8;
	}
	if (next == NEXTHDR_HOP || next == NEXTHDR_ROUTING || next == NEXTHDR_DEST ||
	    next == NEXTHDR_FRAGMENT)
		return PARSE_MALFORMED; /* longer chain than we walk: not ours to steer */
	if (off >= 0x400)
		return PARSE_TRUNCATED;

	pkt->flow.proto = next;
	pkt->l4_off = off;
	void *l4 = data + (off & 0x3ff);
	return parse_l4_ports(data_end, l4, pkt);
}

/* Parses the frame into *pkt. The caller zeroes *pkt first. */
static always_inline int parse_packet(struct xdp_md *ctx, struct packet *pkt)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	pkt->len = data_end - data;
	if ((void *)(eth + 1) > data_end)
		return PARSE_TRUNCATED;

	__u16 proto = bpf_ntohs(eth->h_proto);
	pkt->l3_off = sizeof(*eth);
	if (proto == ETH_P_8021Q || proto == ETH_P_8021AD) {
		struct vlan_hdr *vlan = (void *)(eth + 1);
		if ((void *)(vlan + 1) > data_end)
			return PARSE_TRUNCATED;
		pkt->flags |= PKT_F_VLAN;
		pkt->vlan_tci = bpf_ntohs(vlan->h_vlan_TCI);
		proto = bpf_ntohs(vlan->h_vlan_encapsulated_proto);
		pkt->l3_off += sizeof(*vlan);
	}
	pkt->l3_proto = proto;
	if (proto == ETH_P_IP)
		return parse_ipv4(data, data_end, pkt);
	if (proto == ETH_P_IPV6)
		return parse_ipv6(data, data_end, pkt);
	return PARSE_NON_IP;
}

#endif
