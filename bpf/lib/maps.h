/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Every map of the XDP program. Userspace (dataplane/) is their only writer; the layouts are those
 * of include/xdplb/abi.h. Sizes marked "set by userspace" are the defaults the loader overrides
 * from the configuration before loading.
 */
#ifndef XDPLB_BPF_MAPS_H
#define XDPLB_BPF_MAPS_H

#include "common.h"

/* (address, port, protocol) -> VIP. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XDPLB_MAX_VIPS);
	__type(key, struct xdplb_vip_key);
	__type(value, struct xdplb_vip);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} xdplb_vips SEC(".maps");

/*
 * VIP id -> its ring: backend ids, four 16-bit slots per element (the layout of struct
 * xdplb_ring_slots, declared as an array: clang would describe a struct reached only through this
 * nested definition as a bare forward declaration, whose size libbpf cannot know). Userspace
 * builds a whole new ring in a fresh inner map and swaps it in with one update of the outer slot, so
 * packets never see a half-written ring. BPF_F_INNER_MAP lets every VIP have its own ring size.
 */
struct xdplb_ring_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XDPLB_RING_ENTRIES(XDPLB_DEFAULT_RING_SIZE));
	/* Mmapable: userspace writes a whole ring with one memcpy instead of 16385 syscalls. */
	__uint(map_flags, BPF_F_INNER_MAP | BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __u16[XDPLB_RING_SLOTS_PER_ENTRY]);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, XDPLB_MAX_VIPS);
	__type(key, __u32);
	__array(values, struct xdplb_ring_map);
} xdplb_rings SEC(".maps");

/* Backend id -> real server (address, MACs, egress interface). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XDPLB_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct xdplb_backend);
} xdplb_backends SEC(".maps");

/*
 * 5-tuple -> backend of an established flow. Size set by userspace (conntrack size). Per-CPU LRU
 * lists (BPF_F_NO_COMMON_LRU): a new flow takes a free entry from its own CPU's list, without the
 * shared list's lock; lookups still see every CPU's flows.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(map_flags, BPF_F_NO_COMMON_LRU);
	__uint(max_entries, XDPLB_DEFAULT_CONNTRACK);
	__type(key, struct xdplb_flow);
	__type(value, struct xdplb_ct_entry);
} xdplb_conntrack SEC(".maps");

/*
 * NAT real server (address, port, protocol) -> the VIP its replies come from. Written by userspace
 * from the configuration alone, so a node that takes over translates replies of flows it never saw.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XDPLB_MAX_NAT_REVERSE);
	__type(key, struct xdplb_nat_key);
	__type(value, struct xdplb_nat_reverse);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} xdplb_nat_reverse SEC(".maps");

/*
 * Reply 5-tuple (RS:port -> client:port) -> VIP, recorded by the inbound path for the flows of NAT
 * servers behind several VIPs (XDPLB_BACKEND_F_NAT_AMBIGUOUS), where the address alone cannot tell.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(map_flags, BPF_F_NO_COMMON_LRU);
	__uint(max_entries, XDPLB_DEFAULT_NAT_CONNTRACK);
	__type(key, struct xdplb_flow);
	__type(value, struct xdplb_nat_reverse);
} xdplb_nat_conntrack SEC(".maps");

/* Key 0: struct xdplb_settings, written by userspace. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xdplb_settings);
} xdplb_settings SEC(".maps");

/*
 * Key 0: struct xdplb_abi, the layout version of the maps pinned with it. Written by the loader when
 * it creates the pins, read by the next run before it adopts them; the program never reads it.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_RDONLY_PROG);
	__type(key, __u32);
	__type(value, struct xdplb_abi);
} xdplb_abi SEC(".maps");

/* Key 0: per-CPU state of the conntrack flood guard. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xdplb_flood_state);
} xdplb_flood SEC(".maps");

/* (VIP, client address) -> backend, for VIPs with persistence_timeout. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, XDPLB_DEFAULT_AFFINITY);
	__type(key, struct xdplb_affinity_key);
	__type(value, struct xdplb_affinity);
} xdplb_affinity SEC(".maps");

/* Per-CPU position in each rotation (rr/wrr) VIP's ring. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XDPLB_MAX_VIPS);
	__type(key, __u32);
	__type(value, __u32);
} xdplb_rotation SEC(".maps");

/*
 * Interfaces backends are reached through, for bpf_redirect_map. Key and value: ifindex. (The
 * kernel marks devmaps read-only for programs, which libbpf's pinned-map check does not expect:
 * the loader pins and reuses this one itself.)
 */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, XDPLB_MAX_TX_PORTS);
	__type(key, __u32);
	__type(value, __u32);
} xdplb_tx_ports SEC(".maps");

/* Counters. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XDPLB_R__COUNT);
	__type(key, __u32);
	__type(value, struct xdplb_counter);
} xdplb_verdicts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XDPLB_MAX_VIPS);
	__type(key, __u32);
	__type(value, struct xdplb_traffic);
} xdplb_vip_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XDPLB_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct xdplb_traffic);
} xdplb_backend_stats SEC(".maps");

#endif
