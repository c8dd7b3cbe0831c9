// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Lab helper: passes every frame. Loaded on the far end of a veth that receives XDP_TX or redirected
 * frames: veth only accepts those into a peer that runs an XDP program of its own.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
