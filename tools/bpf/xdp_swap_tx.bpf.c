// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Benchmark floor (tools/bench/xdp_bench): the least a forwarder must do. It parses Ethernet, the IPv4
 * or IPv6 header and the TCP/UDP ports with the same bounds checks as the product, swaps the MAC
 * addresses and sends the frame back out (XDP_TX). No map is read, so the gap between this program
 * and xdplb is the cost of classification, backend choice and conntrack.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define ETH_ALEN 6
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD

/* Written so the verifier and the optimiser cannot drop the parse: the ports feed the result. */
static __always_inline int ports_present(void *l4, void *data_end, __u8 proto)
{
	if (proto == IPPROTO_TCP) {
		struct tcphdr *tcp = l4;
		if ((void *)(tcp + 1) > data_end)
			return 0;
		return tcp->dest != 0 || tcp->source != 0;
	}
	if (proto == IPPROTO_UDP) {
		struct udphdr *udp = l4;
		if ((void *)(udp + 1) > data_end)
			return 0;
		return udp->dest != 0 || udp->source != 0;
	}
	return 0;
}

SEC("xdp")
int xdp_swap_tx(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	unsigned char mac[ETH_ALEN];
	void *l4;
	__u8 proto;

	if ((void *)(eth + 1) > data_end)
		return XDP_PASS;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);
		if ((void *)(ip + 1) > data_end || ip->ihl < 5)
			return XDP_PASS;
		l4 = (void *)ip + ip->ihl * 4;
		proto = ip->protocol;
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);
		if ((void *)(ip6 + 1) > data_end)
			return XDP_PASS;
		l4 = ip6 + 1;
		proto = ip6->nexthdr;
	} else {
		return XDP_PASS;
	}
	if (!ports_present(l4, data_end, proto))
		return XDP_PASS;

	__builtin_memcpy(mac, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, mac, ETH_ALEN);
	return XDP_TX;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
