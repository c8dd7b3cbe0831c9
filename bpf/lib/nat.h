/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * NAT forwarding (keepalived's lb_kind NAT, IPVS masquerading), both directions.
 *
 * Inbound: a client's packet to VIP:vport gets destination RS:port (port 0 keeps the client's), TTL
 * or hop limit one less, every checksum updated incrementally, the server's next-hop MACs.
 * Outbound: the servers' gateway is this node, so their replies arrive here: a reply from RS:port
 * gets source VIP:vport back and goes to the next hop bpf_fib_lookup names. Which VIP a server's
 * replies come from is in xdplb_nat_reverse, written by the agent from the configuration: every node
 * holds the same, so a node that takes over translates replies of flows it never saw. Only a server
 * behind several VIPs needs per-flow state (xdplb_nat_conntrack, written by the inbound path).
 *
 * ICMP errors are translated with their flows: the outer address and the quoted header's opposite
 * end, with the quoted IPv4 header checksum, the quoted UDP/TCP checksum when it was quoted, and the
 * ICMP checksum (its IPv6 pseudo-header too) adjusted for every word changed.
 *
 * A rewrite checks every bound before it writes the first byte: a frame is translated whole or not
 * at all.
 */
#ifndef XDPLB_BPF_NAT_H
#define XDPLB_BPF_NAT_H

#include "common.h"
#include "csum.h"
#include "icmp.h"
#include "maps.h"
#include "parse.h"
#include "transmit.h"

#define AF_INET 2
#define AF_INET6 10

/* Which end of a packet a rewrite changes. */
enum nat_end { NAT_DST = 0, NAT_SRC = 1 };

/* TTL one down; its checksum word (TTL, protocol) changed, added to `delta`. */
static always_inline __u32 nat_ttl_down(struct iphdr *ip, __u32 delta)
{
	__u16 before = ((__u16)ip->ttl << 8) | ip->protocol;

	ip->ttl--;
	/* The word as it lies in memory: TTL first. */
	return csum_delta16(delta, bpf_htons(before), bpf_htons(((__u16)ip->ttl << 8) | ip->protocol));
}

/*
 * One end of a TCP/UDP packet (address; port unless `port` is 0) becomes addr:port; with `hop` the
 * TTL / hop limit goes down by one. 0: rewritten; -1: a header does not fit, frame untouched.
 */
static always_inline int nat_rewrite_l4(struct xdp_md *ctx, const struct packet *pkt, int end, const __u32 *addr,
					__u16 port, int hop)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	void *l4 = data + (pkt->l4_off & 0x3ff);
	int udp = pkt->flow.proto == IPPROTO_UDP;
	__u16 *check, *portp;
	__u32 delta;

	if (udp) {
		struct udphdr *u = l4;
		if ((void *)(u + 1) > data_end)
			return -1;
		check = &u->check;
		portp = end == NAT_SRC ? &u->source : &u->dest;
	} else {
		struct tcphdr *t = l4;
		if ((void *)(t + 1) > data_end)
			return -1;
		check = &t->check;
		portp = end == NAT_SRC ? &t->source : &t->dest;
	}

	if (pkt->flow.family == XDPLB_FAMILY_V4) {
		struct iphdr *ip = data + (pkt->l3_off & 0xff);
		if ((void *)(ip + 1) > data_end)
			return -1;
		__u32 *a = end == NAT_SRC ? &ip->saddr : &ip->daddr;
		delta = csum_delta32(0, *a, addr[0]);
		__u32 ip_delta = delta;
		if (hop)
			ip_delta = nat_ttl_down(ip, ip_delta);
		*a = addr[0];
		ip->check = csum_apply(ip->check, ip_delta);
	} else {
		struct ipv6hdr *ip6 = data + (pkt->l3_off & 0xff);
		if ((void *)(ip6 + 1) > data_end)
			return -1;
		__u32 *a = end == NAT_SRC ? ip6->saddr.in6_u.u6_addr32 : ip6->daddr.in6_u.u6_addr32;
		delta = csum_delta_addr(0, a, addr, 4);
		__builtin_memcpy(a, addr, 16);
		if (hop)
			ip6->hop_limit--;
	}
	if (port) {
		delta = csum_delta16(delta, *portp, port);
		*portp = port;
	}
	/* UDP over IPv4 may carry no checksum (0), and a computed 0 is sent as 0xffff. */
	if (udp && pkt->flow.family == XDPLB_FAMILY_V4 && *check == 0)
		return 0;
	__u16 sum = csum_apply(*check, delta);
	if (udp && sum == 0)
		sum = 0xffff;
	*check = sum;
	return 0;
}

/*
 * The quoted transport header's checksum, when the error quoted enough of it: UDP's at byte 6 (0 in
 * IPv4: none), TCP's at byte 16. NULL when it is not there.
 */
static always_inline __u16 *quoted_check(void *ports, void *data_end, __u8 proto)
{
	if (proto == IPPROTO_UDP) {
		if (ports + 8 > data_end)
			return NULL;
		return ports + 6;
	}
	if (ports + 18 > data_end)
		return NULL;
	return ports + 16;
}

/* The new value of a quoted transport checksum after `delta`, and that change folded into *icmp_delta. */
static always_inline __u16 quoted_check_after(__u16 *check, __u8 proto, int v4, __u32 delta, __u32 *icmp_delta)
{
	__u16 before = *check;

	if (proto == IPPROTO_UDP && v4 && before == 0)
		return 0;
	__u16 after = csum_apply(before, delta);
	if (proto == IPPROTO_UDP && after == 0)
		after = 0xffff;
	*icmp_delta = csum_delta16(*icmp_delta, before, after);
	return after;
}

/*
 * An ICMP error about a NAT flow (icmp_error_flow said so): the outer `end` becomes addr, and the
 * quoted packet's other end addr:port (port 0: kept). NAT_SRC: the error comes from the real server
 * about the client's packet (client -> RS:port quoted); NAT_DST: it comes from the client's side
 * about a reply (VIP:vport -> client quoted). 0: rewritten; -1: untouched.
 */
static always_inline int nat_rewrite_icmp(struct xdp_md *ctx, const struct packet *pkt, int end, const __u32 *addr,
					  __u16 port, int hop)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 off = pkt->l4_off & 0x3ff;
	int quoted_src = end == NAT_DST; /* the quoted packet ran the other way */
	__u32 addr_delta, port_delta = 0, icmp_delta, outer_delta;
	__u16 *qport, *qcheck, qcheck_after = 0;
	void *ports;

	if (pkt->flow.family == XDPLB_FAMILY_V4) {
		struct iphdr *ip = data + (pkt->l3_off & 0xff);
		struct icmphdr *icmp = data + off;
		struct iphdr *in = data + off + ICMP_ERROR_HDR_LEN;

		if ((void *)(ip + 1) > data_end || (void *)(in + 1) > data_end || in->ihl < 5)
			return -1;
		ports = (void *)in + ((in->ihl * 4) & 0x3f);
		if (ports + sizeof(struct quoted_ports) > data_end)
			return -1;
		qcheck = quoted_check(ports, data_end, in->protocol);
		qport = quoted_src ? ports : ports + 2;
		__u32 *qaddr = quoted_src ? &in->saddr : &in->daddr;
		__u32 *oaddr = end == NAT_SRC ? &ip->saddr : &ip->daddr;

		addr_delta = csum_delta32(0, *qaddr, addr[0]);
		if (port)
			port_delta = csum_delta16(0, *qport, port);
		icmp_delta = addr_delta + port_delta;
		__u16 in_check = csum_apply(in->check, addr_delta);
		icmp_delta = csum_delta16(icmp_delta, in->check, in_check);
		if (qcheck)
			qcheck_after = quoted_check_after(qcheck, in->protocol, 1, addr_delta + port_delta, &icmp_delta);
		outer_delta = csum_delta32(0, *oaddr, addr[0]);
		if (hop)
			outer_delta = nat_ttl_down(ip, outer_delta);
		*qaddr = addr[0];
		if (port)
			*qport = port;
		in->check = in_check;
		if (qcheck)
			*qcheck = qcheck_after;
		icmp->checksum = csum_apply(icmp->checksum, icmp_delta);
		*oaddr = addr[0];
		ip->check = csum_apply(ip->check, outer_delta);
		return 0;
	}

	struct ipv6hdr *ip6 = data + (pkt->l3_off & 0xff);
	struct icmp6hdr *icmp6 = data + off;
	struct ipv6hdr *in6 = data + off + ICMP_ERROR_HDR_LEN;

	if ((void *)(ip6 + 1) > data_end || (void *)(in6 + 1) > data_end)
		return -1;
	ports = (void *)(in6 + 1);
	if (ports + sizeof(struct quoted_ports) > data_end)
		return -1;
	qcheck = quoted_check(ports, data_end, in6->nexthdr);
	qport = quoted_src ? ports : ports + 2;
	__u32 *qaddr6 = quoted_src ? in6->saddr.in6_u.u6_addr32 : in6->daddr.in6_u.u6_addr32;
	__u32 *oaddr6 = end == NAT_SRC ? ip6->saddr.in6_u.u6_addr32 : ip6->daddr.in6_u.u6_addr32;

	addr_delta = csum_delta_addr(0, qaddr6, addr, 4);
	if (port)
		port_delta = csum_delta16(0, *qport, port);
	/* ICMPv6 sums a pseudo-header: the outer address change counts too. */
	outer_delta = csum_delta_addr(0, oaddr6, addr, 4);
	icmp_delta = addr_delta + port_delta + outer_delta;
	if (qcheck)
		qcheck_after = quoted_check_after(qcheck, in6->nexthdr, 0, addr_delta + port_delta, &icmp_delta);
	__builtin_memcpy(qaddr6, addr, 16);
	if (port)
		*qport = port;
	if (qcheck)
		*qcheck = qcheck_after;
	icmp6->icmp6_cksum = csum_apply(icmp6->icmp6_cksum, icmp_delta);
	__builtin_memcpy(oaddr6, addr, 16);
	if (hop)
		ip6->hop_limit--;
	return 0;
}

/*
 * For a NAT server behind several VIPs: remembers which VIP this client's flow came in on, keyed by
 * the reply's 5-tuple, so the reply can be given that VIP back. Written only when missing or changed.
 */
static always_inline void nat_record_reverse(const struct packet *pkt, const struct xdplb_backend *b)
{
	struct xdplb_flow reply = {};
	struct xdplb_nat_reverse want = {};
	struct xdplb_nat_reverse *have;

	__builtin_memcpy(reply.src, b->addr, sizeof(reply.src));
	__builtin_memcpy(reply.dst, pkt->flow.src, sizeof(reply.dst));
	reply.sport = b->port ? b->port : pkt->flow.dport;
	reply.dport = pkt->flow.sport;
	reply.proto = pkt->flow.proto;
	reply.family = pkt->flow.family;
	__builtin_memcpy(want.vip_addr, pkt->flow.dst, sizeof(want.vip_addr));
	want.vip_port = pkt->flow.dport;
	want.flags = XDPLB_NAT_F_ACTIVE;
	want.vip_id = b->vip_id;
	have = bpf_map_lookup_elem(&xdplb_nat_conntrack, &reply);
	if (have && have->vip_id == want.vip_id && have->vip_port == want.vip_port &&
	    have->vip_addr[0] == want.vip_addr[0] && have->vip_addr[1] == want.vip_addr[1] &&
	    have->vip_addr[2] == want.vip_addr[2] && have->vip_addr[3] == want.vip_addr[3])
		return;
	bpf_map_update_elem(&xdplb_nat_conntrack, &reply, &want, BPF_ANY);
}

/*
 * Inbound: the client's packet (or, with `icmp`, an error from the client's side about one of the
 * flow's replies) to backend b. TTL 1 is dropped: the destination is a local VIP, so the kernel would
 * deliver the packet here rather than answer time-exceeded.
 */
static always_inline int forward_nat(struct xdp_md *ctx, const struct packet *pkt, int icmp,
				     const struct xdplb_backend *b, enum xdplb_reason *reason)
{
	int err;

	if (pkt->ttl <= 1) {
		*reason = XDPLB_R_DROP_TTL_EXPIRED;
		return XDP_DROP;
	}
	if (!icmp && (b->flags & XDPLB_BACKEND_F_NAT_AMBIGUOUS))
		nat_record_reverse(pkt, b);
	if (icmp)
		err = nat_rewrite_icmp(ctx, pkt, NAT_DST, b->addr, b->port, 1);
	else
		err = nat_rewrite_l4(ctx, pkt, NAT_DST, b->addr, b->port, 1);
	if (err || set_backend_macs(ctx, b)) {
		*reason = XDPLB_R_PASS_TRUNCATED;
		return XDP_PASS;
	}
	return transmit(ctx, b, reason);
}

/*
 * Outbound: `flow` is a packet's flow (or, with `icmp`, the flow an ICMP error quotes, turned into
 * the reply's direction). Returns -1 when it is no NAT server's reply, else the verdict.
 *
 * TTL 1 passes untouched: the kernel routes it and answers time-exceeded to the server. When the
 * client's next hop has no neighbour entry yet, the reply is translated (TTL kept, the kernel takes
 * it off) and passed: the kernel resolves the neighbour and forwards it with the VIP as source. A
 * packet from a local address arriving on an interface is a martian to IPv4 unless that interface
 * has accept_local=1, which the agent sets on the interfaces it serves NAT replies on.
 */
static always_inline int nat_reply(struct xdp_md *ctx, const struct packet *pkt, const struct xdplb_flow *flow,
				   int icmp, enum xdplb_reason *reason)
{
	struct xdplb_nat_key key = {};
	struct bpf_fib_lookup fib = {};
	struct xdplb_nat_reverse *r;
	struct xdplb_settings *settings;
	__u32 zero = 0;
	int rc, err, v4 = flow->family == XDPLB_FAMILY_V4;

	settings = bpf_map_lookup_elem(&xdplb_settings, &zero);
	if (!settings || settings->nat_reverse == 0)
		return -1;
	__builtin_memcpy(key.addr, flow->src, sizeof(key.addr));
	key.port = flow->sport;
	key.proto = flow->proto;
	key.family = flow->family;
	r = bpf_map_lookup_elem(&xdplb_nat_reverse, &key);
	if (!r && settings->nat_port_any) {
		key.port = 0;
		r = bpf_map_lookup_elem(&xdplb_nat_reverse, &key);
	}
	if (!r)
		return -1;
	if (!(r->flags & XDPLB_NAT_F_ACTIVE)) {
		*reason = XDPLB_R_PASS_INACTIVE;
		return XDP_PASS;
	}
	if (r->flags & XDPLB_NAT_F_AMBIGUOUS) {
		r = bpf_map_lookup_elem(&xdplb_nat_conntrack, flow);
		if (!r) {
			*reason = XDPLB_R_PASS_NAT_AMBIGUOUS;
			return XDP_PASS;
		}
	}
	if (pkt->ttl <= 1) {
		*reason = XDPLB_R_PASS_TTL_EXPIRED;
		return XDP_PASS;
	}

	fib.family = v4 ? AF_INET : AF_INET6;
	fib.l4_protocol = pkt->flow.proto;
	if (!icmp) {
		fib.sport = r->vip_port ? r->vip_port : pkt->flow.sport;
		fib.dport = pkt->flow.dport;
	}
	fib.tot_len = pkt->len - pkt->l3_off;
	fib.ifindex = ctx->ingress_ifindex;
	if (v4) {
		fib.ipv4_src = r->vip_addr[0];
		fib.ipv4_dst = pkt->flow.dst[0];
	} else {
		__builtin_memcpy(fib.ipv6_src, r->vip_addr, 16);
		__builtin_memcpy(fib.ipv6_dst, pkt->flow.dst, 16);
	}
	rc = bpf_fib_lookup(ctx, &fib, sizeof(fib), 0);
	if (rc != BPF_FIB_LKUP_RET_SUCCESS && rc != BPF_FIB_LKUP_RET_NO_NEIGH) {
		/* No route, blackhole, too big for the route's MTU...: the kernel answers the server. */
		*reason = XDPLB_R_PASS_NAT_NO_ROUTE;
		return XDP_PASS;
	}
	int hop = rc == BPF_FIB_LKUP_RET_SUCCESS;
	if (icmp)
		err = nat_rewrite_icmp(ctx, pkt, NAT_SRC, r->vip_addr, r->vip_port, hop);
	else
		err = nat_rewrite_l4(ctx, pkt, NAT_SRC, r->vip_addr, r->vip_port, hop);
	if (err) {
		*reason = XDPLB_R_PASS_TRUNCATED;
		return XDP_PASS;
	}
	if (!hop) {
		*reason = XDPLB_R_PASS_NAT_NO_NEIGH;
		return XDP_PASS;
	}

	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > data_end) {
		*reason = XDPLB_R_PASS_TRUNCATED; /* unreachable: parsed */
		return XDP_PASS;
	}
	__builtin_memcpy(eth->h_dest, fib.dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, fib.smac, ETH_ALEN);
	*reason = XDPLB_R_FWD_NAT_REPLY;
	if (fib.ifindex == ctx->ingress_ifindex)
		return XDP_TX;
	return bpf_redirect(fib.ifindex, 0);
}

#endif
