/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * VIP lookup: (address, port, protocol), then (address, any port, protocol) when some VIP serves
 * every port.
 */
#ifndef XDPLB_BPF_VIP_H
#define XDPLB_BPF_VIP_H

#include "common.h"
#include "maps.h"

/* The VIP serving traffic to (dst, dport, proto), or NULL. */
static always_inline struct xdplb_vip *lookup_vip(const __u32 *dst, __u16 dport, __u8 proto, __u8 family)
{
	struct xdplb_vip_key key = {};
	struct xdplb_vip *vip;

	__builtin_memcpy(key.addr, dst, sizeof(key.addr));
	key.port = dport;
	key.proto = proto;
	key.family = family;
	vip = bpf_map_lookup_elem(&xdplb_vips, &key);
	if (vip)
		return vip;
	__u32 zero = 0;
	struct xdplb_settings *settings = bpf_map_lookup_elem(&xdplb_settings, &zero);
	if (!settings || settings->port_any_vips == 0)
		return NULL;
	key.port = 0;
	return bpf_map_lookup_elem(&xdplb_vips, &key);
}

#endif
