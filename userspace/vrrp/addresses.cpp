#include "vrrp/addresses.h"

#include <linux/if_link.h>
#include <net/if.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/macvlan.h>
#include <netlink/route/route.h>
#include <netlink/route/rtnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <memory>

#include "vrrp/netlink_util.h"

namespace xdplb::vrrp {

namespace {

int parse_scope(const std::string& scope) {
  if (scope.empty()) return RT_SCOPE_UNIVERSE;
  int value = 0;
  const auto [end, ec] = std::from_chars(scope.data(), scope.data() + scope.size(), value);
  if (ec == std::errc() && end == scope.data() + scope.size() && value >= 0 && value <= 255) return value;
  const int named = rtnl_str2scope(scope.c_str());
  if (named < 0) throw std::invalid_argument("unknown address scope '" + scope + "'");
  return named;
}

NlObject<rtnl_addr> build_address(const AddressSpec& spec, int ifindex) {
  NlObject<rtnl_addr> address(rtnl_addr_alloc());
  if (!address) throw NetlinkError("address " + spec.describe(), -NLE_NOMEM);
  const NlAddr local = to_nl(spec.address, spec.prefix_length);
  rtnl_addr_set_ifindex(address.get(), ifindex);
  rtnl_addr_set_family(address.get(), spec.address.is_v4() ? AF_INET : AF_INET6);
  if (const int err = rtnl_addr_set_local(address.get(), local.get()); err < 0)
    throw NetlinkError("address " + spec.describe(), err);
  rtnl_addr_set_prefixlen(address.get(), spec.prefix_length);
  return address;
}

}  // namespace

std::string AddressSpec::describe() const {
  std::string out = address.to_string() + "/" + std::to_string(prefix_length) + " dev " + device;
  if (!label.empty()) out += " label " + label;
  return out;
}

std::string RouteSpec::describe() const {
  std::string out;
  if (type != RTN_UNICAST) {
    std::array<char, 32> name{};
    out = std::string(nl_rtntype2str(type, name.data(), name.size())) + " ";
  }
  out += destination.to_string() + "/" + std::to_string(prefix_length);
  if (via) out += " via " + via->to_string();
  if (!device.empty()) out += " dev " + device;
  for (const auto& hop : nexthops) {
    out += " nexthop";
    if (hop.via) out += " via " + hop.via->to_string();
    if (!hop.device.empty()) out += " dev " + hop.device;
    if (hop.weight != 1) out += " weight " + std::to_string(hop.weight);
  }
  if (source) out += " src " + source->to_string();
  if (table) out += " table " + std::to_string(*table);
  if (metric) out += " metric " + std::to_string(*metric);
  return out;
}

AddressManager::AddressManager() : sock_(open_route_socket()) {}

int AddressManager::ifindex_of(const std::string& device) {
  const auto facts = links_.link(device);
  if (!facts) throw NetlinkError("interface " + device, -NLE_NODEV);
  return facts->ifindex;
}

void AddressManager::add_address(const AddressSpec& spec) {
  auto address = build_address(spec, ifindex_of(spec.device));
  rtnl_addr_set_scope(address.get(), parse_scope(spec.scope));
  if (spec.address.is_v4()) {
    if (!spec.label.empty()) rtnl_addr_set_label(address.get(), spec.label.c_str());
    if (spec.broadcast) {
      const NlAddr broadcast = to_nl(*spec.broadcast, 32);
      rtnl_addr_set_broadcast(address.get(), broadcast.get());
    }
  } else {
    // A VIP must answer Neighbour Solicitations but never become a source address: a /128 VIP
    // would otherwise win Linux's source selection (longest match) over the node's own /64 and the
    // node's own traffic - health checks to real servers first - would leave from an address that
    // moves away on failover. Deprecated (preferred_lft 0) keeps it answering ND while no socket
    // picks it. `nodad`: both routers hold it in turn, DAD would only delay the takeover.
    rtnl_addr_set_flags(address.get(), IFA_F_NODAD);
    rtnl_addr_set_valid_lifetime(address.get(), 0xffffffffU);
    rtnl_addr_set_preferred_lifetime(address.get(), 0);
  }
  const int err = rtnl_addr_add(sock_.get(), address.get(), NLM_F_REPLACE);
  if (err < 0 && err != -NLE_EXIST) throw NetlinkError("adding " + spec.describe(), err);
}

bool AddressManager::remove_address(const AddressSpec& spec) {
  int ifindex = 0;
  try {
    ifindex = ifindex_of(spec.device);
  } catch (const NetlinkError&) {
    return false;  // the device is gone, and the address with it
  }
  auto address = build_address(spec, ifindex);
  const int err = rtnl_addr_delete(sock_.get(), address.get(), 0);
  if (err == -NLE_NOADDR || err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV) return false;
  if (err < 0) throw NetlinkError("removing " + spec.describe(), err);
  return true;
}

bool AddressManager::has_address(const AddressSpec& spec) {
  const auto facts = links_.link(spec.device);
  if (!facts) return false;
  for (const auto& entry : links_.addresses(facts->ifindex, spec.address.is_v6()))
    if (entry.address == spec.address && entry.prefix_length == spec.prefix_length) return true;
  return false;
}

namespace {

// ip-route(8)'s default scope: host for local routes, link for broadcast, anycast, multicast and
// for a unicast route without a gateway, global otherwise.
uint8_t default_scope(const RouteSpec& spec) {
  switch (spec.type) {
    case RTN_LOCAL: return RT_SCOPE_HOST;
    case RTN_BROADCAST:
    case RTN_ANYCAST:
    case RTN_MULTICAST: return RT_SCOPE_LINK;
    case RTN_UNICAST: {
      const bool gateway = spec.via || std::any_of(spec.nexthops.begin(), spec.nexthops.end(),
                                                   [](const NexthopSpec& hop) { return hop.via.has_value(); });
      return gateway ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
    }
    default: return RT_SCOPE_UNIVERSE;
  }
}

// `ifindex_of` resolves a device name to its index (0: none named).
template <typename IfIndexOf>
rtnl_nexthop* build_hop(const RouteSpec& spec, const NexthopSpec& hop, IfIndexOf ifindex_of) {
  rtnl_nexthop* nh = rtnl_route_nh_alloc();
  if (!nh) throw NetlinkError("route " + spec.describe(), -NLE_NOMEM);
  if (const int ifindex = ifindex_of(hop.device); ifindex > 0) rtnl_route_nh_set_ifindex(nh, ifindex);
  if (hop.via) {
    const NlAddr via = to_nl(*hop.via, hop.via->is_v4() ? 32 : 128);
    rtnl_route_nh_set_gateway(nh, via.get());
  }
  // rtnh_hops is the weight less one (ip-route(8) writes "weight 1" for 0).
  if (!spec.nexthops.empty()) rtnl_route_nh_set_weight(nh, static_cast<uint8_t>(hop.weight - 1));
  if (hop.onlink) rtnl_route_nh_set_flags(nh, RTNH_F_ONLINK);
  if (hop.realms) rtnl_route_nh_set_realms(nh, *hop.realms);
  return nh;
}

template <typename IfIndexOf>
NlObject<rtnl_route> build_route(const RouteSpec& spec, IfIndexOf ifindex_of) {
  NlObject<rtnl_route> route(rtnl_route_alloc());
  if (!route) throw NetlinkError("route " + spec.describe(), -NLE_NOMEM);
  const int family = spec.destination.is_v4() ? AF_INET : AF_INET6;
  rtnl_route_set_family(route.get(), static_cast<uint8_t>(family));
  const NlAddr destination = to_nl(spec.destination, spec.prefix_length);
  rtnl_route_set_dst(route.get(), destination.get());
  rtnl_route_set_table(route.get(), spec.table.value_or(RT_TABLE_MAIN));
  rtnl_route_set_protocol(route.get(), spec.protocol);
  rtnl_route_set_type(route.get(), spec.type);
  rtnl_route_set_scope(route.get(), spec.scope.value_or(default_scope(spec)));
  if (spec.metric) rtnl_route_set_priority(route.get(), *spec.metric);
  if (spec.tos) rtnl_route_set_tos(route.get(), *spec.tos);
  if (spec.source) {
    const NlAddr source = to_nl(*spec.source, spec.source->is_v4() ? 32 : 128);
    rtnl_route_set_pref_src(route.get(), source.get());
  }
  for (const auto& [metric, value] : spec.metrics)
    if (const int err = rtnl_route_set_metric(route.get(), metric, value); err < 0)
      throw NetlinkError("route " + spec.describe() + ": metric " + std::to_string(metric), err);
  if (spec.locked_metrics)
    if (const int err = rtnl_route_set_metric(route.get(), RTAX_LOCK, spec.locked_metrics); err < 0)
      throw NetlinkError("route " + spec.describe() + ": locked metrics", err);
  // Blackhole, unreachable, prohibit and throw routes go nowhere: no nexthop.
  if (spec.type == RTN_BLACKHOLE || spec.type == RTN_UNREACHABLE || spec.type == RTN_PROHIBIT ||
      spec.type == RTN_THROW)
    return route;
  if (!spec.nexthops.empty()) {
    for (const auto& hop : spec.nexthops) rtnl_route_add_nexthop(route.get(), build_hop(spec, hop, ifindex_of));
    return route;
  }
  if (!spec.via && spec.device.empty()) return route;  // the kernel says what it misses
  NexthopSpec single{spec.via, spec.device, 1, spec.onlink, spec.realms};
  rtnl_route_add_nexthop(route.get(), build_hop(spec, single, ifindex_of));  // the route owns the hop
  return route;
}

}  // namespace

void AddressManager::add_route(const RouteSpec& spec) {
  auto route = build_route(spec, [this](const std::string& device) { return device.empty() ? 0 : ifindex_of(device); });
  const int flags = spec.append ? NLM_F_APPEND : NLM_F_REPLACE;
  int err = 0;
  if (!spec.pref && !spec.expires) {
    err = rtnl_route_add(sock_.get(), route.get(), flags);
  } else {
    // libnl 3.7's rtnl_route has no RTA_PREF / RTA_EXPIRES: added to the request it builds.
    nl_msg* raw = nullptr;
    err = rtnl_route_build_add_request(route.get(), flags, &raw);
    const std::unique_ptr<nl_msg, void (*)(nl_msg*)> msg(raw, nlmsg_free);
    if (err >= 0 && spec.pref && nla_put_u8(msg.get(), RTA_PREF, *spec.pref) < 0) err = -NLE_NOMEM;
    if (err >= 0 && spec.expires && nla_put_u32(msg.get(), RTA_EXPIRES, *spec.expires) < 0) err = -NLE_NOMEM;
    if (err >= 0) err = nl_send_auto_complete(sock_.get(), msg.get());
    if (err >= 0) err = nl_wait_for_ack(sock_.get());
  }
  // An appended route that is there already (a leftover) is the one we wanted.
  if (err < 0 && !(spec.append && err == -NLE_EXIST)) throw NetlinkError("adding route " + spec.describe(), err);
}

bool AddressManager::remove_route(const RouteSpec& spec) {
  bool device_gone = false;
  auto route = build_route(spec, [&](const std::string& device) {
    if (device.empty()) return 0;
    const auto facts = links_.link(device);
    if (!facts) device_gone = true;
    return facts ? facts->ifindex : 0;
  });
  if (device_gone) return false;  // the route went with its device
  const int err = rtnl_route_delete(sock_.get(), route.get(), 0);
  if (err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV || err == -NLE_NOADDR) return false;
  if (err < 0) throw NetlinkError("removing route " + spec.describe(), err);
  return true;
}

void AddressManager::create_vmac(const std::string& name, const std::string& base,
                                 const std::array<uint8_t, 6>& mac) {
  const int base_index = ifindex_of(base);
  if (const auto existing = links_.link(name)) {
    if (existing->kind != "macvlan" || existing->mac != mac)
      throw NetlinkError("vmac " + name + ": a link of that name exists and is not this router's macvlan",
                         -NLE_EXIST);
  } else {
    NlObject<rtnl_link> link(rtnl_link_macvlan_alloc());
    if (!link) throw NetlinkError("vmac " + name, -NLE_NOMEM);
    rtnl_link_set_name(link.get(), name.c_str());
    rtnl_link_set_link(link.get(), base_index);
    NlAddr address(nl_addr_build(AF_LLC, mac.data(), mac.size()));
    rtnl_link_set_addr(link.get(), address.get());
    // Private: the vmac hears nothing another macvlan of the base sends, like keepalived's.
    rtnl_link_macvlan_set_mode(link.get(), MACVLAN_MODE_PRIVATE);
    if (const int err = rtnl_link_add(sock_.get(), link.get(), NLM_F_CREATE | NLM_F_EXCL); err < 0)
      throw NetlinkError("creating vmac " + name + " on " + base, err);
  }
  NlObject<rtnl_link> change(rtnl_link_alloc());
  rtnl_link_set_flags(change.get(), IFF_UP);
  NlObject<rtnl_link> current(rtnl_link_alloc());
  rtnl_link_set_ifindex(current.get(), ifindex_of(name));
  if (const int err = rtnl_link_change(sock_.get(), current.get(), change.get(), 0); err < 0)
    throw NetlinkError("bringing vmac " + name + " up", err);
}

bool AddressManager::delete_vmac(const std::string& name) {
  const auto existing = links_.link(name);
  if (!existing || existing->kind != "macvlan") return false;
  NlObject<rtnl_link> link(rtnl_link_alloc());
  rtnl_link_set_ifindex(link.get(), existing->ifindex);
  const int err = rtnl_link_delete(sock_.get(), link.get());
  if (err == -NLE_NODEV || err == -NLE_OBJ_NOTFOUND) return false;
  if (err < 0) throw NetlinkError("deleting vmac " + name, err);
  return true;
}

}  // namespace xdplb::vrrp
