// The VRRP multicast groups of global_defs (vrrp_mcast_group4 / vrrp_mcast_group6) and of one
// vrrp_instance (mcast_dst_ip), with keepalived 2.2.7's rules: an IPv4 group is in 224.0.0.0/4, an
// IPv6 group is a link-local scope multicast address (ff02::/16, or ff12::/16 and the like), and
// neither takes a prefix length.
#pragma once

#include <optional>
#include <string_view>

#include "config/address.h"
#include "config/diagnostics.h"
#include "config/lexer.h"

namespace xdplb::config {

bool is_vrrp_multicast_group(const IpAddress& address);

// The group written at `token`; `family`, when given, is the one it must have. Every mistake is an
// error at the token ("vrrp_mcast_group4 must be an IPv4 multicast address, not '10.0.0.1'") and
// nullopt, so the caller keeps its default.
std::optional<IpAddress> read_multicast_group(const Token& token, std::optional<AddressFamily> family,
                                              std::string_view what, Diagnostics& diagnostics);

}  // namespace xdplb::config
