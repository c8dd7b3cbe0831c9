/* What the parse probe records for the C++ test: the fields of bpf/lib/parse.h's struct packet. */
#ifndef XDPLB_TEST_PARSE_PROBE_H
#define XDPLB_TEST_PARSE_PROBE_H

#ifndef __bpf__
#include <linux/types.h>
#endif
#include <xdplb/abi.h>

struct parse_probe_result {
	__s32 status;
	__u32 len;
	struct xdplb_flow flow;
	__u16 l3_proto;
	__u16 l3_off;
	__u16 l4_off;
	__u16 vlan_tci;
	__u8 flags;
	__u8 ttl;
	__u8 pad[2];
};

#endif
