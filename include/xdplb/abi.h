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

/* Bumped whenever a map layout changes; pinned maps of another version are not reused. */
#define XDPLB_ABI_VERSION 1

/* Address families as stored in maps (independent of the host's AF_* values). */
#define XDPLB_FAMILY_V4 4
#define XDPLB_FAMILY_V6 6

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
	XDPLB_R__COUNT                /* keep last */
};

/* Per-CPU packet/byte counter, the value of every counter map. */
struct xdplb_counter {
	__u64 packets;
	__u64 bytes;
};
XDPLB_STATIC_ASSERT(sizeof(struct xdplb_counter) == 16, "xdplb_counter layout");

/*
 * A flow as the data plane sees it: addresses and ports in network byte order, IPv4 addresses in
 * word 0 with the rest zero. Used as the conntrack key.
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

#endif /* XDPLB_ABI_H */
