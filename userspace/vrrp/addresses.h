// Taking and giving up what a VRRP Master owns, through rtnetlink (libnl-route-3): the virtual
// addresses, the virtual routes and the `use_vmac` macvlan link. Every call is idempotent in the
// direction asked (adding what is there, or removing what is gone, is not an error), so a Master
// that flaps or a start-up clean-up after a crash never fails on the state it finds.
#pragma once

#include <asio/ip/address.hpp>

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "vrrp/netlink.h"

namespace xdplb::vrrp {

struct AddressSpec {
  asio::ip::address address;
  uint8_t prefix_length = 32;
  std::string device;  // the interface it goes on (already resolved: never empty)
  std::string label;   // IPv4 only, "eth0:vip"
  std::optional<asio::ip::address> broadcast;
  std::string scope;  // "global" (default), "host", "link", "site", "nowhere" or a number

  std::string describe() const;  // "198.18.0.100/24 dev eth0"

  bool operator==(const AddressSpec&) const = default;
};

// One path of a multipath route.
struct NexthopSpec {
  std::optional<asio::ip::address> via;
  std::string device;  // empty: the gateway decides
  uint16_t weight = 1;  // 1-256, as ip-route(8) writes it
  bool onlink = false;
  std::optional<uint32_t> realms;

  bool operator==(const NexthopSpec&) const = default;
};

// A route as rtnetlink takes it; the numbers are the kernel's (RTN_*, RT_SCOPE_*, RTPROT_*, RTAX_*).
struct RouteSpec {
  asio::ip::address destination;
  uint8_t prefix_length = 32;
  uint8_t type = 1;  // RTN_UNICAST
  std::optional<asio::ip::address> via;
  std::optional<asio::ip::address> source;
  std::string device;  // may be empty when `via` decides it
  bool onlink = false;
  std::vector<NexthopSpec> nexthops;  // multipath: then via, device and onlink are unset
  std::optional<uint8_t> scope;       // unset: ip-route(8)'s default for the type and gateway
  std::optional<uint32_t> metric;
  std::optional<uint32_t> table;  // unset: main
  uint8_t protocol = 4;           // RTPROT_STATIC
  std::optional<uint8_t> tos;
  std::optional<uint32_t> realms;
  std::map<int, uint32_t> metrics;  // RTAX_* -> value
  uint32_t locked_metrics = 0;      // RTAX_LOCK: bit (1 << RTAX_*) of each locked metric
  std::optional<uint8_t> pref;      // IPv6: RTA_PREF (ICMPV6_ROUTER_PREF_*)
  std::optional<uint32_t> expires;  // IPv6: RTA_EXPIRES, seconds
  bool append = false;              // NLM_F_APPEND rather than NLM_F_REPLACE

  std::string describe() const;

  bool operator==(const RouteSpec&) const = default;
};

class AddressManager {
 public:
  AddressManager();

  // Throws NetlinkError (a missing device, an address of the wrong family, ...). IPv6 addresses
  // are added `nodad` and deprecated, see addresses.cpp.
  void add_address(const AddressSpec& spec);
  // Returns false when the address was not there.
  bool remove_address(const AddressSpec& spec);
  bool has_address(const AddressSpec& spec);

  void add_route(const RouteSpec& spec);
  bool remove_route(const RouteSpec& spec);

  // A macvlan (mode private) on `base` with the virtual router MAC, brought up. An existing link of
  // that name is reused when it is a macvlan with that MAC on that base, otherwise an error.
  void create_vmac(const std::string& name, const std::string& base, const std::array<uint8_t, 6>& mac);
  // Deletes the link when it exists and is a macvlan (never a link the agent did not create a kind
  // of). Returns false when there was nothing to delete.
  bool delete_vmac(const std::string& name);

 private:
  int ifindex_of(const std::string& device);

  NlSocket sock_;
  HostLinks links_;
};

}  // namespace xdplb::vrrp
