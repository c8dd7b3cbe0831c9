/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * xdplb ABI: the one contract between the BPF programs (bpf/) and the C++ agent (userspace/).
 *
 * Plain C, fixed-width kernel types only, no pointers. Both sides use these definitions verbatim:
 * the BPF side after vmlinux.h, the C++ side after <linux/types.h>. Every struct that is a map key
 * or value has a static size check, so a change on one side that the other does not know about
 * fails the build instead of corrupting maps.
 */
#ifndef XDPLB_ABI_H
#define XDPLB_ABI_H

#ifndef __bpf__
#include <linux/types.h>
#endif

#ifdef __cplusplus
#define XDPLB_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#else
#define XDPLB_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif

/*
 * Bumped whenever a map layout changes; pinned maps of another version are not reused. The loader
 * records it in the pinned map xdplb_abi (struct xdplb_abi) when it creates the pins and checks it
 * before adopting them.
 */
#define XDPLB_ABI_VERSION 4

/* Address families as stored in maps (independent of the host's AF_* values). */
#define XDPLB_FAMILY_V4 4
#define XDPLB_FAMILY_V6 6

/* Limits. Map sizes derive from these; userspace refuses configurations beyond them. */
#define XDPLB_MAX_VIPS 4096           /* entries of xdplb_vips / xdplb_rings / xdplb_vip_stats */
#define XDPLB_MAX_BACKENDS 16384      /* (VIP, real server) pairs: xdplb_backends, xdplb_backend_stats */
#define XDPLB_MAX_RING_SIZE 1048573   /* largest Maglev ring (prime) */
#define XDPLB_DEFAULT_RING_SIZE 65537 /* Maglev ring size when the config does not say */
#define XDPLB_DEFAULT_CONNTRACK 1048576
#define XDPLB_DEFAULT_AFFINITY 65536
#define XDPLB_MAX_NAT_REVERSE XDPLB_MAX_BACKENDS /* entries of xdplb_nat_reverse */
#define XDPLB_DEFAULT_NAT_CONNTRACK 262144        /* reverse flows of NAT servers behind several VIPs */
#define XDPLB_MAX_TX_PORTS 256        /* interfaces a backend can be reached through */

/* A ring slot holding this value means "no backend": the VIP has no healthy server. */
#define XDPLB_NO_BACKEND 0xFFFFFFFFu

/*
 * A ring stores backend ids as 16-bit slots, four to an 8-byte array element (the kernel lays array
 * elements 8 bytes apart whatever their size): a 65537-slot ring takes 128 KiB, not 512, and the
 * slot a new flow reads is more often already in cache. Slot s is element s / 4, id[s % 4].
 */
#define XDPLB_RING_SLOTS_PER_ENTRY 4
#define XDPLB_RING_NO_BACKEND 0xFFFFu /* XDPLB_NO_BACKEND as a ring slot */
#define XDPLB_RING_ENTRIES(slots) (((slots) + XDPLB_RING_SLOTS_PER_ENTRY - 1) / XDPLB_RING_SLOTS_PER_ENTRY)

struct xdplb_ring_slots {
	__u16 id[XDPLB_RING_SLOTS_PER_ENTRY];
};
XDPLB_STATIC_ASSERT(sizeof(struct xdplb_ring_slots) == 8, "xdplb_ring_slots layout");
XDPLB_STATIC_ASSERT(XDPLB_MAX_BACKENDS < XDPLB_RING_NO_BACKEND, "backend ids must fit a 16-bit ring slot");

/*
 * Why the program returned what it returned. One per-CPU counter (packets, bytes) per reason in
 * the `xdplb_verdicts` map. Append only: the numbers are part of the ABI.
 */
enum xdplb_reason {
	XDPLB_R_PASS_NON_IP = 0,      /* ARP, LLDP, anything that is not IPv4/IPv6 */
	XDPLB_R_PASS_NOT_VIP = 1,     /* IP traffic not addressed to a served VIP (host traffic, VRRP) */
	XDPLB_R_PASS_TRUNCATED = 2,   /* a header runs past the end of the frame: the kernel decides */
	XDPLB_R_PASS_MALFORMED = 3,   /* impossible header values (IHL < 5, bad version): kernel drops */
	XDPLB_R_PASS_FRAGMENT = 4,    /* non-first IPv4/IPv6 fragment: no L4 header to steer by */
	XDPLB_R_FWD_TX = 5,           /* forwarded back out of the ingress interface (XDP_TX) */
	XDPLB_R_FWD_REDIRECT = 6,     /* forwarded out of another interface (bpf_redirect_map) */
	XDPLB_R_FWD_SORRY = 7,        /* no healthy backend: sent to the sorry server */
	XDPLB_R_DROP_NO_BACKEND = 8,  /* no healthy backend and no sorry server */
	XDPLB_R_FWD_ICMP_ERROR = 9,   /* frag-needed / packet-too-big for a VIP flow, sent to its backend */
	XDPLB_R_DROP_BAD_BACKEND = 10,/* the chosen backend record is unusable (no interface) */
	XDPLB_R_PASS_INACTIVE = 11,   /* VIP known but this node does not serve it now (VRRP backup) */
	XDPLB_R_FWD_NAT_REPLY = 12,   /* NAT: a real server's reply, source set back to VIP:vport, redirected */
	XDPLB_R_PASS_NAT_NO_NEIGH = 13, /* NAT reply translated, client's next hop unresolved: the kernel resolves it */
	XDPLB_R_PASS_NAT_AMBIGUOUS = 14, /* NAT reply from a server behind several VIPs, no reverse conntrack entry */
	XDPLB_R_DROP_TTL_EXPIRED = 15, /* NAT inbound with TTL / hop limit <= 1 (its destination is local) */
	XDPLB_R_PASS_TTL_EXPIRED = 16, /* NAT reply with TTL <= 1: untouched, the kernel sends time-exceeded */
	XDPLB_R_PASS_NAT_NO_ROUTE = 17, /* NAT reply the FIB cannot forward (no route, blackhole, MTU): untouched */
	XDPLB_R__COUNT                /* keep last */
};

/* Per-CPU packet/byte counter, the value of xdplb_verdicts. */
struct xdplb_counter {
	__u64 packets;
	__u64 bytes;
};
XDPLB_STATIC_ASSERT(sizeof(struct xdplb_counter) == 16, "xdplb_counter layout");

/* Per-CPU traffic counters of one VIP or one backend: xdplb_vip_stats, xdplb_backend_stats. */
struct xdplb_traffic {
	__u64 packets;
	__u64 bytes;
	__u64 new_flows; /* conntrack misses that chose this VIP's / backend's server */
	__u64 pad;
};
XDPLB_STATIC_ASSERT(sizeof(struct xdplb_traffic) == 32, "xdplb_traffic layout");

/*
 * A flow as the data plane sees it: addresses and ports in network byte order, IPv4 addresses in
 * word 0 with the rest zero. The conntrack key.
 */
struct xdplb_flow {
	__u32 src[4];
	__u32 dst[4];
	__u16 sport;
	__u16 dport;
	__u8 proto;  /* IPPROTO_TCP, IPPROTO_UDP, ... */
	__u8 family; /* XDPLB_FAMILY_V4 / XDPLB_FAMILY_V6 */
	__u8 pad[2];
};
XDPLB_STATIC_ASSERT(sizeof(struct xdplb_flow) == 40, "xdplb_flow layout");

/* Key of xdplb_vips: address, port (network order, 0 = every port) and protocol. */
struct xdplb_vip_key {
	__u32 addr[4];
	__u16 port;
	__u8 proto;
	__u8 family;
};
XDPLB_STATIC_ASSERT(sizeof(struct xdplb_vip_key) == 20, "xdplb_vip_key layout");

/* How a new flow picks its backend. */
enum xdplb_algo {
	XDPLB_ALGO_MAGLEV = 0,      /* mh: 5-tuple hash over the Maglev ring */
	XDPLB_ALGO_SOURCE_HASH = 1, /* sh: client-address hash over the same ring */
	XDPLB_ALGO_ROTATION = 2,    /* rr / wrr: the ring holds a (weighted) rotation order */
};

#define XDPLB_VIP_F_ACTIVE 0x1      /* forward this VIP's traffic (else pass it to the stack) */
#define XDPLB_VIP_F_AFFINITY 0x2    /* persistence_timeout: client affinity via xdplb_affinity */
#define XDPLB_VIP_F_SORRY 0x4       /* sorry_backend is valid */
#define XDPLB_VIP_F_PORT_ANY 0x8    /* this entry is a port-0 VIP (all ports) */

/* Value of xdplb_vips. The ring of VIP vip_id is the inner map xdplb_rings[vip_id]. */
struct xdplb_vip {
	__u32 vip_id;
	__u32 flags;             /* XDPLB_VIP_F_* */
	__u32 ring_size;         /* slots in the inner ring map (prime for Maglev) */
	__u32 sorry_backend;     /* backend id of the sorry server, with XDPLB_VIP_F_SORRY */
	__u32 affinity_timeout;  /* seconds, with XDPLB_VIP_F_AFFINITY */
	__u8 algo;               /* enum xdplb_algo */
	__u8 pad[3];
};
XDPLB_STATIC_ASSERT(sizeof(struct xdplb_vip) == 24, "xdplb_vip layout");

/* How a packet reaches its backend. */
enum xdplb_forward {
	XDPLB_FWD_DR = 0,  /* direct routing: rewrite MACs only */
	XDPLB_FWD_NAT = 1, /* masquerading: destination VIP:vport -> RS:port, replies translated back */
};

#define XDPLB_BACKEND_F_IN_SERVICE 0x1 /* established flows may stay; absent = flows re-choose */
/*
 * NAT: the server's (address, port, protocol) is behind more than one VIP, so its replies cannot be
 * translated from xdplb_nat_reverse alone: the inbound path records each flow in xdplb_nat_conntrack.
 */
#define XDPLB_BACKEND_F_NAT_AMBIGUOUS 0x2

/* Value of xdplb_backends (ARRAY indexed by backend id). */
struct xdplb_backend {
	__u32 addr[4];     /* real server address (network order) */
	__u32 generation;  /* bumped whenever the id is given to another server */
	__u32 ifindex;     /* interface that reaches the server's MAC */
	__u16 port;        /* real server port (network order; DR keeps the VIP's port) */
	__u8 family;
	__u8 flags;        /* XDPLB_BACKEND_F_* */
	__u8 mac[6];       /* next-hop MAC: the server itself for DR */
	__u8 src_mac[6];   /* MAC of ifindex, the new source MAC */
	__u8 forward;      /* enum xdplb_forward */
	__u8 pad[3];
	__u32 vip_id;      /* the VIP this (VIP, server) pair belongs to */
};
XDPLB_STATIC_ASSERT(sizeof(struct xdplb_backend) == 48, "xdplb_backend layout");

/*
 * Key of xdplb_nat_reverse: a NAT real server's endpoint as its replies carry it in their source.
 * port 0: a port-0 service (every port): the reply's source port is kept.
 */
struct xdplb_nat_key {
	__u32 addr[4];
	__u16 port; /* network order */
	__u8 proto;
	__u8 family;
};
XDPLB_STATIC_ASSERT(sizeof(struct xdplb_nat_key) == 20, "xdplb_nat_key layout");

#define XDPLB_NAT_F_AMBIGUOUS 0x1 /* the endpoint is behind several VIPs: vip_* unset, use conntrack */
#define XDPLB_NAT_F_ACTIVE 0x2    /* the VIP is served by this node now (else: pass the reply) */

/*
 * Value of xdplb_nat_reverse (written by the agent from the configuration, so every node holds the
 * same) and of xdplb_nat_conntrack (written by the inbound path, keyed by the reply's 5-tuple
 * RS:port -> client:port, for servers behind several VIPs): the source a reply gets back.
 */
struct xdplb_nat_reverse {
	__u32 vip_addr[4];
	__u16 vip_port; /* network order; 0: keep the reply's source port */
	__u8 flags;     /* XDPLB_NAT_F_* */
	__u8 pad;
	__u32 vip_id;
};
XDPLB_STATIC_ASSERT(sizeof(struct xdplb_nat_reverse) == 24, "xdplb_nat_reverse layout");

/*
 * Conntrack time: milliseconds of the kernel's coarse monotonic clock (bpf_ktime_get_coarse_ns() /
 * 1e6, CLOCK_MONOTONIC_COARSE for userspace), kept in 32 bits: differences are taken modulo 2^32, so
 * idle times are right up to 49 days. A packet of a tracked flow writes last_seen only when it is
 * XDPLB_CT_TOUCH_MS or more behind, so a busy flow dirties its entry once a second, not per packet;
 * last_seen is then at most that much older than the flow's last packet.
 */
#define XDPLB_CT_TOUCH_MS 1000

/* Value of xdplb_conntrack (LRU hash keyed by struct xdplb_flow). */
struct xdplb_ct_entry {
	__u32 backend_id;
	__u32 generation; /* of the backend when the flow was pinned to it */
	__u32 last_seen;  /* conntrack time (above) of the flow's last packet, within XDPLB_CT_TOUCH_MS */
	__u32 pad;
};
XDPLB_STATIC_ASSERT(sizeof(struct xdplb_ct_entry) == 16, "xdplb_ct_entry layout");

/* Key and value of xdplb_affinity (persistence_timeout): one client of one VIP. */
struct xdplb_affinity_key {
	__u32 client[4];
	__u32 vip_id;
	__u8 family;
	__u8 pad[3];
};
XDPLB_STATIC_ASSERT(sizeof(struct xdplb_affinity_key) == 24, "xdplb_affinity_key layout");

struct xdplb_affinity {
	__u64 expires_ns; /* bpf_ktime_get_ns() deadline */
	__u32 backend_id;
	__u32 generation;
};
XDPLB_STATIC_ASSERT(sizeof(struct xdplb_affinity) == 16, "xdplb_affinity layout");

/* The one value of xdplb_settings: knobs userspace can turn without reloading the program. */
struct xdplb_settings {
	/*
	 * Conntrack flood guard: once a CPU has seen this many new flows in the current one-second
	 * window, further new flows are forwarded (by the ring) without being recorded, so a flood of
	 * new 5-tuples cannot evict the established flows. 0 = record every flow.
	 */
	__u32 flood_rate;
	/*
	 * Number of port-0 (every port) VIPs. While it is 0 a packet that misses (address, port) is not
	 * looked up again as (address, 0): non-VIP traffic pays one hash lookup, not two.
	 */
	__u32 port_any_vips;
	/*
	 * Entries of xdplb_nat_reverse, and how many of them are port 0. While nat_reverse is 0 a
	 * packet that is no VIP's pays no reverse lookup; while nat_port_any is 0 a miss is final.
	 */
	__u32 nat_reverse;
	__u32 nat_port_any;
};
XDPLB_STATIC_ASSERT(sizeof(struct xdplb_settings) == 16, "xdplb_settings layout");

/*
 * The one value of xdplb_abi: the XDPLB_ABI_VERSION of the maps pinned beside it. Unlike every other
 * layout here, this one never changes, nor does the map's shape (array, key __u32, one entry): it is
 * how a version recognises the pins of another.
 */
struct xdplb_abi {
	__u32 version;
};
XDPLB_STATIC_ASSERT(sizeof(struct xdplb_abi) == 4, "xdplb_abi layout");

/*
 * Per-CPU value of xdplb_flood: the guard's current window and what it did. It counts conntrack
 * misses, i.e. packets of flows not (yet) recorded: while a flow stays untracked, each of its packets
 * counts again.
 */
struct xdplb_flood_state {
	__u64 window_start_ns;   /* bpf_ktime_get_coarse_ns() when the window began */
	__u64 window_flows;      /* conntrack misses on this CPU in the window */
	__u64 window_untracked;  /* of which forwarded without a conntrack entry */
	__u64 untracked;         /* packets forwarded without a conntrack entry, ever */
	__u64 windows_flooded;   /* windows in which the guard acted */
};
XDPLB_STATIC_ASSERT(sizeof(struct xdplb_flood_state) == 40, "xdplb_flood_state layout");

#endif /* XDPLB_ABI_H */
