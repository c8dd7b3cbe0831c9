// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Packet sink of the end-to-end benchmarks (tools/bench): counts every frame that reaches the
 * interface and drops it. Counting at the first instruction the receiver runs measures what the path
 * under test delivered, not what a socket or the stack behind it could absorb; dropping keeps the sink
 * from spending the shared CPU on frames nobody reads. Per-CPU so that counting adds no contention.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} xdp_count_drop_packets SEC(".maps");

SEC("xdp")
int xdp_count_drop(struct xdp_md *ctx)
{
	__u32 key = 0;
	__u64 *packets = bpf_map_lookup_elem(&xdp_count_drop_packets, &key);

	if (packets)
		*packets += 1;
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
