// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xdplb XDP entry point: parse -> classify (VIP? NAT server's reply?) -> pick backend -> forward.
 * Everything that is neither traffic for a served VIP nor a NAT reply passes to the kernel untouched.
 */
#include "lib/common.h"
#include "lib/forward.h"
#include "lib/icmp.h"
#include "lib/maps.h"
#include "lib/parse.h"
#include "lib/select.h"
#include "lib/stats.h"
#include "lib/vip.h"

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

static always_inline int pass(enum xdplb_reason reason, __u32 len)
{
	count_verdict(reason, len);
	return XDP_PASS;
}

SEC("xdp")
int xdplb_main(struct xdp_md *ctx)
{
	struct packet pkt = {};
	struct xdplb_flow icmp_flow = {};
	const struct xdplb_flow *flow = &pkt.flow;
	enum xdplb_reason reason;
	int status, action, is_icmp_error = 0, pmtu = 0;

	status = parse_packet(ctx, &pkt);
	if (status != PARSE_OK)
		return pass(reason_of_parse(status), pkt.len);

	if (pkt.flow.proto == IPPROTO_ICMP || pkt.flow.proto == IPPROTO_ICMPV6) {
		/* Echo and the rest go to the stack; errors about a VIP or NAT flow follow that flow. */
		if (!icmp_error_flow(ctx, &pkt, &icmp_flow, &pmtu))
			return pass(XDPLB_R_PASS_NOT_VIP, pkt.len);
		flow = &icmp_flow;
		is_icmp_error = 1;
	} else if (pkt.flow.proto != IPPROTO_TCP && pkt.flow.proto != IPPROTO_UDP) {
		return pass(XDPLB_R_PASS_NOT_VIP, pkt.len);
	}

	struct xdplb_vip *vip = lookup_vip(flow->dst, flow->dport, flow->proto, flow->family);
	/* Only PMTU errors are steered to a VIP flow's backend; any error about a NAT reply is translated. */
	if (!vip || (is_icmp_error && !pmtu)) {
		action = nat_reply(ctx, &pkt, flow, is_icmp_error, &reason);
		if (action < 0)
			return pass(XDPLB_R_PASS_NOT_VIP, pkt.len);
		count_verdict(reason, pkt.len);
		return action;
	}
	if (!(vip->flags & XDPLB_VIP_F_ACTIVE))
		return pass(XDPLB_R_PASS_INACTIVE, pkt.len);

	struct choice c = choose_backend(vip, flow, !is_icmp_error, pkt.flags & PKT_F_TCP_SYN);
	if (!c.backend) {
		count_verdict(XDPLB_R_DROP_NO_BACKEND, pkt.len);
		return XDP_DROP;
	}

	action = forward(ctx, &pkt, is_icmp_error, c.backend, &reason);
	/* Sorry and ICMP steering name the forwarded packets; drops and passes keep their own reason. */
	if (reason == XDPLB_R_FWD_TX || reason == XDPLB_R_FWD_REDIRECT) {
		if (c.sorry)
			reason = XDPLB_R_FWD_SORRY;
		else if (is_icmp_error)
			reason = XDPLB_R_FWD_ICMP_ERROR;
	}
	count_verdict(reason, pkt.len);
	count_traffic(&xdplb_vip_stats, vip->vip_id, pkt.len, c.new_flow && !is_icmp_error);
	count_traffic(&xdplb_backend_stats, c.id, pkt.len, c.new_flow && !is_icmp_error);
	return action;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
