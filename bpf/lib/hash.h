/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Bob Jenkins' lookup3 hash over 32-bit words (the kernel's jhash2). The flow hash decides which
 * ring slot a new flow lands on, so it is fixed: same seed, same words, on every node, so a backup
 * that takes over sends a flow where the master sent it.
 */
#ifndef XDPLB_BPF_HASH_H
#define XDPLB_BPF_HASH_H

#include "common.h"

#define XDPLB_HASH_SEED 0x5844504cu /* "XDPL" */
#define JHASH_INITVAL 0xdeadbeefu

static always_inline __u32 rol32(__u32 word, unsigned int shift)
{
	return (word << (shift & 31)) | (word >> ((-shift) & 31));
}

#define jhash_mix(a, b, c)                      \
	do {                                    \
		a -= c; a ^= rol32(c, 4);  c += b; \
		b -= a; b ^= rol32(a, 6);  a += c; \
		c -= b; c ^= rol32(b, 8);  b += a; \
		a -= c; a ^= rol32(c, 16); c += b; \
		b -= a; b ^= rol32(a, 19); a += c; \
		c -= b; c ^= rol32(b, 4);  b += a; \
	} while (0)

#define jhash_final(a, b, c)                  \
	do {                                  \
		c ^= b; c -= rol32(b, 14);    \
		a ^= c; a -= rol32(c, 11);    \
		b ^= a; b -= rol32(a, 25);    \
		c ^= b; c -= rol32(b, 16);    \
		a ^= c; a -= rol32(c, 4);     \
		b ^= a; b -= rol32(a, 14);    \
		c ^= b; c -= rol32(b, 24);    \
	} while (0)

/* Hash of exactly six words: the flow hash input. */
static always_inline __u32 jhash_6words(const __u32 *k, __u32 seed)
{
	__u32 a, b, c;

	a = b = c = JHASH_INITVAL + (6 << 2) + seed;
	a += k[0];
	b += k[1];
	c += k[2];
	jhash_mix(a, b, c);
	a += k[3];
	b += k[4];
	c += k[5];
	jhash_final(a, b, c);
	return c;
}

/* Hash of a client's flow: source address, both ports, protocol. */
static always_inline __u32 flow_hash(const struct xdplb_flow *f)
{
	__u32 words[6] = {
		f->src[0], f->src[1], f->src[2], f->src[3],
		((__u32)f->sport << 16) | f->dport,
		f->proto,
	};
	return jhash_6words(words, XDPLB_HASH_SEED);
}

/* Hash of a client address alone (lb_algo sh). */
static always_inline __u32 source_hash(const struct xdplb_flow *f)
{
	__u32 words[6] = {f->src[0], f->src[1], f->src[2], f->src[3], 0, f->family};
	return jhash_6words(words, XDPLB_HASH_SEED);
}

#endif
