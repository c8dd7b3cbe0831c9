#include "agent/route_plan.h"

#include <linux/fib_rules.h>
#include <linux/icmpv6.h>
#include <linux/rtnetlink.h>

#include "agent/vrrp_plan.h"

namespace xdplb::agent {

namespace {

uint8_t kernel_type(config::RouteType type) {
  switch (type) {
    case config::RouteType::unicast: return RTN_UNICAST;
    case config::RouteType::local: return RTN_LOCAL;
    case config::RouteType::broadcast: return RTN_BROADCAST;
    case config::RouteType::anycast: return RTN_ANYCAST;
    case config::RouteType::multicast: return RTN_MULTICAST;
    case config::RouteType::blackhole: return RTN_BLACKHOLE;
    case config::RouteType::unreachable: return RTN_UNREACHABLE;
    case config::RouteType::prohibit: return RTN_PROHIBIT;
    case config::RouteType::throw_: return RTN_THROW;
  }
  return RTN_UNICAST;
}

int kernel_metric(config::RouteMetric metric) {
  switch (metric) {
    case config::RouteMetric::mtu: return RTAX_MTU;
    case config::RouteMetric::advmss: return RTAX_ADVMSS;
    case config::RouteMetric::hoplimit: return RTAX_HOPLIMIT;
    case config::RouteMetric::window: return RTAX_WINDOW;
    case config::RouteMetric::rtt: return RTAX_RTT;
    case config::RouteMetric::rttvar: return RTAX_RTTVAR;
    case config::RouteMetric::reordering: return RTAX_REORDERING;
    case config::RouteMetric::cwnd: return RTAX_CWND;
    case config::RouteMetric::ssthresh: return RTAX_SSTHRESH;
    case config::RouteMetric::rto_min: return RTAX_RTO_MIN;
    case config::RouteMetric::initcwnd: return RTAX_INITCWND;
    case config::RouteMetric::initrwnd: return RTAX_INITRWND;
    case config::RouteMetric::quickack: return RTAX_QUICKACK;
    case config::RouteMetric::fastopen_no_cookie: return RTAX_FASTOPEN_NO_COOKIE;
    case config::RouteMetric::features: return RTAX_FEATURES;
  }
  return RTAX_MTU;
}

uint8_t kernel_action(config::RuleAction action) {
  switch (action) {
    case config::RuleAction::table: return FR_ACT_TO_TBL;
    case config::RuleAction::goto_: return FR_ACT_GOTO;
    case config::RuleAction::nop: return FR_ACT_NOP;
    case config::RuleAction::blackhole: return FR_ACT_BLACKHOLE;
    case config::RuleAction::unreachable: return FR_ACT_UNREACHABLE;
    case config::RuleAction::prohibit: return FR_ACT_PROHIBIT;
  }
  return FR_ACT_TO_TBL;
}

vrrp::RulePrefix prefix_of(const config::IpAddress& address) {
  return {to_asio(address), address.prefix_length};
}

}  // namespace

vrrp::AddressSpec address_spec(const config::VirtualIp& vip, const std::string& default_device) {
  vrrp::AddressSpec spec;
  spec.address = to_asio(vip.address);
  spec.prefix_length = vip.address.prefix_length;
  spec.device = vip.device.empty() ? default_device : vip.device;
  spec.label = vip.label;
  if (vip.broadcast) spec.broadcast = to_asio(*vip.broadcast);
  spec.scope = vip.scope;
  return spec;
}

vrrp::RouteSpec route_spec(const config::VirtualRoute& route, const std::string& default_device) {
  vrrp::RouteSpec spec;
  spec.destination = to_asio(route.destination);
  spec.prefix_length = route.destination.prefix_length;
  spec.type = kernel_type(route.type);
  if (route.source) spec.source = to_asio(*route.source);
  const bool goes_nowhere = route.type == config::RouteType::blackhole || route.type == config::RouteType::unreachable ||
                            route.type == config::RouteType::prohibit || route.type == config::RouteType::throw_;
  for (const auto& hop : route.nexthops) {
    vrrp::NexthopSpec out;
    if (hop.via) out.via = to_asio(*hop.via);
    out.device = hop.device;
    out.weight = hop.weight.value_or(1);
    out.onlink = hop.onlink;
    out.realms = hop.realms;
    spec.nexthops.push_back(std::move(out));
  }
  const std::string device =
      route.device.empty() && !route.via && route.nexthops.empty() && !goes_nowhere ? default_device : route.device;
  if (route.or_via) {
    // keepalived's `via A or B`: two equal paths, both through the route's device when it names one.
    for (const auto& gateway : {*route.via, *route.or_via})
      spec.nexthops.push_back(vrrp::NexthopSpec{to_asio(gateway), device, 1, route.onlink, route.realms});
  } else if (route.nexthops.empty()) {
    if (route.via) spec.via = to_asio(*route.via);
    spec.device = device;
    spec.onlink = route.onlink;
    spec.realms = route.realms;
  }
  spec.scope = route.scope;
  spec.metric = route.metric;
  spec.table = route.table;
  if (route.protocol) spec.protocol = *route.protocol;
  spec.tos = route.tos;
  for (const auto& [metric, value] : route.metrics) {
    const int kernel = kernel_metric(metric);
    spec.metrics[kernel] = value.value;
    if (value.lock) spec.locked_metrics |= 1u << kernel;
  }
  if (route.pref)
    spec.pref = *route.pref == config::RoutePreference::low    ? ICMPV6_ROUTER_PREF_LOW
                : *route.pref == config::RoutePreference::high ? ICMPV6_ROUTER_PREF_HIGH
                                                               : ICMPV6_ROUTER_PREF_MEDIUM;
  spec.expires = route.expires;
  spec.append = route.append;
  return spec;
}

vrrp::RuleSpec rule_spec(const config::VirtualRule& rule) {
  vrrp::RuleSpec spec;
  spec.ipv6 = rule.family == config::AddressFamily::ipv6;
  if (rule.from) spec.from = prefix_of(*rule.from);
  if (rule.to) spec.to = prefix_of(*rule.to);
  spec.invert = rule.invert;
  spec.action = kernel_action(rule.action);
  spec.table = rule.table;
  spec.goto_target = rule.goto_target;
  spec.l3mdev = rule.l3mdev;
  spec.priority = rule.preference;
  spec.iif = rule.iif;
  spec.oif = rule.oif;
  spec.fwmark = rule.fwmark;
  spec.fwmask = rule.fwmask;
  spec.tos = rule.tos;
  spec.realms = rule.realms;
  spec.protocol = rule.protocol;
  spec.ipproto = rule.ipproto;
  if (rule.sport) spec.sport = std::pair{rule.sport->first, rule.sport->last};
  if (rule.dport) spec.dport = std::pair{rule.dport->first, rule.dport->last};
  if (rule.uidrange) spec.uidrange = std::pair{rule.uidrange->first, rule.uidrange->last};
  spec.suppress_prefixlength = rule.suppress_prefixlength;
  spec.suppress_ifgroup = rule.suppress_ifgroup;
  return spec;
}

}  // namespace xdplb::agent
