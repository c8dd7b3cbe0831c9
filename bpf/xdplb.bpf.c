// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xdplb XDP entry point: parse -> classify (VIP?) -> pick backend -> forward.
 * Everything that is not traffic for a served VIP passes to the kernel untouched.
 */
#include "lib/common.h"
#include "lib/parse.h"
#include "lib/stats.h"

static always_inline enum xdplb_reason reason_of_parse(int status)
{
	switch (status) {
	case PARSE_NON_IP:
		return XDPLB_R_PASS_NON_IP;
	case PARSE_TRUNCATED:
		return XDPLB_R_PASS_TRUNCATED;
	case PARSE_MALFORMED:
		return XDPLB_R_PASS_MALFORMED;
	case PARSE_FRAGMENT:
		return XDPLB_R_PASS_FRAGMENT;
	default:
		return XDPLB_R_PASS_NOT_VIP;
	}
}

SEC("xdp")
int xdplb_main(struct xdp_md *ctx)
{
	struct packet pkt = {};
	int status = parse_packet(ctx, &pkt);

	count_verdict(reason_of_parse(status), pkt.len);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
