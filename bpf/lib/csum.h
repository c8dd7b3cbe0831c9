/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Incremental Internet checksum updates (RFC 1624, HC' = ~(~HC + ~m + m')). A rewrite collects the
 * change of every 16-bit word it makes into one delta, then applies it to each checksum that covers
 * those words. Words are taken as they lie in memory: one's complement sums do not care about byte
 * order as long as every word is read the same way.
 */
#ifndef XDPLB_BPF_CSUM_H
#define XDPLB_BPF_CSUM_H

#include "common.h"

/* Adds the change of one 16-bit word from `from` to `to` to `delta`. */
static always_inline __u32 csum_delta16(__u32 delta, __u16 from, __u16 to)
{
	return delta + (__u16)~from + to;
}

static always_inline __u32 csum_delta32(__u32 delta, __u32 from, __u32 to)
{
	delta = csum_delta16(delta, (__u16)from, (__u16)to);
	return csum_delta16(delta, (__u16)(from >> 16), (__u16)(to >> 16));
}

/* The change of an address of `words` 32-bit words (1: IPv4, 4: IPv6). */
static always_inline __u32 csum_delta_addr(__u32 delta, const __u32 *from, const __u32 *to, int words)
{
#pragma unroll
	for (int i = 0; i < 4; i++)
		if (i < words)
			delta = csum_delta32(delta, from[i], to[i]);
	return delta;
}

static always_inline __u16 csum_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)sum;
}

/* `check` after the changes summed in `delta`. */
static always_inline __u16 csum_apply(__u16 check, __u32 delta)
{
	return (__u16)~csum_fold((__u16)~check + delta);
}

#endif
