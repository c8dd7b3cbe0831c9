// The typed routes and policy-routing rules of keepalived's virtual_routes / static_routes and
// virtual_rules / static_rules (ip-route(8) and ip-rule(8) forms, keepalived 2.2.7's meaning).
// Plain values with keepalived's names; the kernel's numbers (RTN_*, RT_SCOPE_*, RTAX_*, FR_ACT_*)
// are chosen where they are programmed (agent/route_plan.cpp), never here.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/address.h"
#include "config/diagnostics.h"
#include "config/written_at.h"

namespace xdplb::config {

// "blackhole DEST", "unreachable DEST", ...: ip-route(8)'s TYPE; unicast when none is written.
enum class RouteType : std::uint8_t { unicast, local, broadcast, anycast, multicast, blackhole, unreachable, prohibit, throw_ };

// The route metrics keepalived takes (ip-route(8)'s `mtu [lock] N`, `advmss`, ...). rtt, rttvar
// and rto_min are in milliseconds as written.
enum class RouteMetric : std::uint8_t {
  mtu, advmss, hoplimit, window, rtt, rttvar, reordering, cwnd, ssthresh, rto_min, initcwnd, initrwnd,
  quickack, fastopen_no_cookie, features
};

struct RouteMetricValue {
  std::uint32_t value = 0;
  bool lock = false;  // `mtu lock 1400`: the kernel keeps it (no PMTU discovery)

  bool operator==(const RouteMetricValue&) const = default;
};

// An IPv6 route's preference (RFC 4191), `pref low|medium|high`.
enum class RoutePreference : std::uint8_t { low, medium, high };

// One `nexthop via A dev X weight N onlink` of a multipath route.
struct RouteNexthop {
  std::optional<IpAddress> via;
  std::string device;
  std::optional<std::uint16_t> weight;  // 1-256
  bool onlink = false;
  std::optional<std::uint32_t> realms;
  WrittenAt location;

  bool operator==(const RouteNexthop&) const = default;
};

// A virtual_routes line (installed while the instance is MASTER) or a static_routes line (while the
// agent runs): `[TYPE] [src ADDR] [to] DEST [via|gw GW [or GW2]] [dev IF] [OPTIONS]` or
// `DEST nexthop via A dev X weight N nexthop ...`.
struct VirtualRoute {
  IpAddress destination;  // `default` is 0.0.0.0/0, `default6` ::/0
  RouteType type = RouteType::unicast;
  std::optional<IpAddress> source;  // `src`: the preferred source address
  std::optional<IpAddress> via;     // `via` / `gw`
  std::optional<IpAddress> or_via;  // keepalived's deprecated `or`: a second, equal path
  std::string device;               // `dev`; empty: the instance's interface (virtual_routes, no via)
  bool onlink = false;
  std::vector<RouteNexthop> nexthops;  // multipath; then via/device/onlink are unset
  std::optional<std::uint8_t> scope;   // RT_SCOPE number: global 0, site 200, link 253, host 254, nowhere 255
  std::optional<std::uint32_t> table;  // main 254, local 255, default 253
  std::optional<std::uint32_t> metric;  // `metric` / `priority` / `preference`
  std::optional<std::uint8_t> protocol;
  std::optional<std::uint8_t> tos;
  std::optional<std::uint32_t> realms;  // `realms [FROM/]TO`: (FROM << 16) | TO
  std::map<RouteMetric, RouteMetricValue> metrics;
  std::optional<RoutePreference> pref;   // IPv6 only
  std::optional<std::uint32_t> expires;  // IPv6 only: seconds
  bool append = false;    // `append`: after matching routes (ip route append), not in their place
  bool no_track = false;  // keepalived's: xdplb never tracks routes (accepted, no effect)
  WrittenAt location;

  bool ipv6() const { return !destination.is_ipv4(); }
  bool operator==(const VirtualRoute&) const = default;
};

// What a rule does with a packet it matches (ip-rule(8)'s action).
enum class RuleAction : std::uint8_t { table, goto_, nop, blackhole, unreachable, prohibit };

struct PortRange {
  std::uint16_t first = 0;
  std::uint16_t last = 0;

  bool operator==(const PortRange&) const = default;
};

struct UidRange {
  std::uint32_t first = 0;
  std::uint32_t last = 0;

  bool operator==(const UidRange&) const = default;
};

// A virtual_rules or static_rules line: `[not] [from ADDR|all] [to ADDR|all] [SELECTORS] ACTION
// [priority N]`.
struct VirtualRule {
  AddressFamily family = AddressFamily::ipv4;  // of the addresses, or `inet6`
  std::optional<IpAddress> from;  // unset: all
  std::optional<IpAddress> to;    // unset: all
  bool invert = false;            // `not`
  RuleAction action = RuleAction::table;
  std::uint32_t table = 0;           // action table: `table` / `lookup` (0 with l3mdev)
  std::uint32_t goto_target = 0;     // action goto_
  bool l3mdev = false;               // the table of the packet's VRF device
  // `priority` / `preference`; keepalived assigns 16384, 16383, ... in file order to a rule without one.
  std::uint32_t preference = 0;
  bool preference_assigned = false;  // not written: the number above was given
  std::string iif, oif;
  std::optional<std::uint32_t> fwmark;
  std::optional<std::uint32_t> fwmask;
  std::optional<std::uint8_t> tos;  // `tos` / `dsfield`
  std::optional<std::uint32_t> realms;
  std::optional<std::uint8_t> protocol;
  std::optional<std::uint8_t> ipproto;
  std::optional<PortRange> sport, dport;
  std::optional<UidRange> uidrange;
  std::optional<std::uint32_t> suppress_prefixlength;
  std::optional<std::uint32_t> suppress_ifgroup;
  bool no_track = false;  // keepalived's: xdplb never tracks rules (accepted, no effect)
  WrittenAt location;

  bool operator==(const VirtualRule&) const = default;
};

const char* to_string(RouteType type);
const char* to_string(RouteMetric metric);
const char* to_string(RuleAction action);
const char* to_string(RoutePreference preference);

}  // namespace xdplb::config
