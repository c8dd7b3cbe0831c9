// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Test probe: runs bpf/lib/parse.h on the packet and stores the result for the C++ test to read. */
#include "lib/common.h"
#include "lib/parse.h"
#include "parse_probe.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct parse_probe_result);
} probe_result SEC(".maps");

SEC("xdp")
int parse_probe(struct xdp_md *ctx)
{
	struct packet pkt = {};
	struct parse_probe_result r = {};
	__u32 key = 0;

	r.status = parse_packet(ctx, &pkt);
	r.len = pkt.len;
	r.flow = pkt.flow;
	r.l3_proto = pkt.l3_proto;
	r.l3_off = pkt.l3_off;
	r.l4_off = pkt.l4_off;
	r.vlan_tci = pkt.vlan_tci;
	r.flags = pkt.flags;
	r.ttl = pkt.ttl;
	bpf_map_update_elem(&probe_result, &key, &r, BPF_ANY);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
