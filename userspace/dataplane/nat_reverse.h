// The NAT reverse table (xdplb_nat_reverse): which VIP a NAT real server's replies come from, keyed
// by the server's (address, port, protocol). A pure function of the VIPs served, so every node that
// serves the same configuration holds the same table and translates replies of flows it never saw.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <xdplb/abi.h>

#include "dataplane/spec.h"

namespace xdplb::dataplane {

using NatKeyBytes = std::array<unsigned char, sizeof(xdplb_nat_key)>;

NatKeyBytes bytes_of(const xdplb_nat_key& key);
xdplb_nat_key nat_key_of(const BackendSpec& server, std::uint8_t protocol);
// "tcp/198.18.0.11:8080", "udp/[fd00::11]:*": a key as the operator reads it.
std::string nat_key_text(const xdplb_nat_key& key);

// A VIP as the reverse table needs it: its spec (NAT backends and sorry server) and its map id.
struct NatServedVip {
  const VipSpec* spec;
  std::uint32_t vip_id;
};

struct NatReverseTable {
  std::map<NatKeyBytes, xdplb_nat_reverse> entries;
  std::set<NatKeyBytes> ambiguous;  // keys marked XDPLB_NAT_F_AMBIGUOUS (their backends record flows)
  std::uint32_t port_any = 0;       // entries with port 0
};

// Keys behind more than one VIP of `vips`, or marked nat_shared by the configuration.
std::set<NatKeyBytes> nat_ambiguous_keys(const std::vector<const VipSpec*>& vips);

// The table for `vips`: one entry per NAT server key; a key behind one VIP names it (active when
// the VIP is); a key in `ambiguous` names none and is active when any of its VIPs is.
NatReverseTable build_nat_reverse(const std::vector<NatServedVip>& vips, const std::set<NatKeyBytes>& ambiguous);

}  // namespace xdplb::dataplane
