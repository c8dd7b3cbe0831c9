/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Kernel types, libbpf helpers and the protocol constants that vmlinux.h (BTF) cannot carry. */
#ifndef XDPLB_BPF_COMMON_H
#define XDPLB_BPF_COMMON_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <xdplb/abi.h>

#define ETH_ALEN 6
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define ETH_P_ARP 0x0806
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88A8

#define IP_MF 0x2000
#define IP_OFFSET 0x1FFF
#define IP6_OFFSET_MASK 0xFFF8 /* frag_off of struct frag_hdr, network order applied */

#define IPPROTO_ICMPV6 58 /* a uapi #define, absent from BTF */

#define NEXTHDR_HOP 0
#define NEXTHDR_ROUTING 43
#define NEXTHDR_FRAGMENT 44
#define NEXTHDR_AUTH 51
#define NEXTHDR_DEST 60
#define NEXTHDR_NONE 59

#define always_inline inline __attribute__((always_inline))

#endif
