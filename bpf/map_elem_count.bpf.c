// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * How many elements one map holds, read without walking its keys: a bpf_map iterator that visits
 * every map of the system and, for the one userspace names by id, writes the kernel's own element
 * count (bpf_map_sum_elem_count, Linux 6.6 and later: hash maps, LRU ones included, keep a per-CPU
 * count of their elements). userspace/dataplane/map_elem_count.cpp loads it; reading the count costs
 * a visit of each map's header, not of the map's entries.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

extern __s64 bpf_map_sum_elem_count(const struct bpf_map *map) __ksym;

/* Set by userspace after load: the id of the map to count. */
__u32 target_map_id;

SEC("iter/bpf_map")
int count_map_elements(struct bpf_iter__bpf_map *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct bpf_map *map = ctx->map;
	__s64 count;

	if (!map || map->id != target_map_id)
		return 0;
	count = bpf_map_sum_elem_count(map);
	bpf_seq_write(seq, &count, sizeof(count));
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
