// From the configuration's routes, rules and addresses (virtual_* and static_*) to what the vrrp
// library programs over rtnetlink: keepalived's words become the kernel's numbers here.
#pragma once

#include <string>

#include "config/model.h"
#include "vrrp/addresses.h"
#include "vrrp/rules.h"

namespace xdplb::agent {

// `default_device`: where a route without a gateway or a device goes (a virtual_route's instance
// interface; empty for static_routes).
vrrp::RouteSpec route_spec(const config::VirtualRoute& route, const std::string& default_device);
vrrp::RuleSpec rule_spec(const config::VirtualRule& rule);
// `default_device`: the interface of an address written without `dev`.
vrrp::AddressSpec address_spec(const config::VirtualIp& vip, const std::string& default_device);

}  // namespace xdplb::agent
