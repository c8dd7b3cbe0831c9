// Where a real server is on the wire: the interface that reaches it and its MAC, from the kernel's
// address and neighbour tables (libnl). DR needs both; a server whose MAC is not known yet stays out
// of the ring while the kernel resolves it.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>

#include "config/address.h"

namespace xdplb::dataplane {

using MacAddress = std::array<std::uint8_t, 6>;

struct NextHop {
  int ifindex = 0;
  MacAddress mac{};      // the real server's MAC
  MacAddress src_mac{};  // the MAC of ifindex
  friend bool operator==(const NextHop&, const NextHop&) = default;
};

class NextHopResolver {
 public:
  virtual ~NextHopResolver() = default;
  // Re-reads the kernel's tables; called once before a round of resolve() calls.
  virtual void refresh() = 0;
  // The next hop of an on-link address, or nullopt while it is unknown (resolution is then started).
  virtual std::optional<NextHop> resolve(const config::IpAddress& address) = 0;
};

// The kernel's view through rtnetlink: the connected prefix that holds the address names the
// interface; the neighbour table gives the MAC; NTF_USE starts resolution of a missing entry.
std::unique_ptr<NextHopResolver> make_netlink_resolver();

}  // namespace xdplb::dataplane
